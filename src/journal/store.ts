import type BetterSqlite3 from 'better-sqlite3';
import type { MeterSample } from '../../hal/meter.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import type { SessionEventRecord, SessionStart, SessionStop } from '../session/recorder.js';
import type { DeliveryAnswer, EventRow, OutboxKind, OutboxMessage, SampleRow, SessionRow } from './ports.js';
import {
  toAlertRow,
  toEventRow,
  toOutboxMessage,
  toSampleRow,
  toSessionRow,
  type AlertRecord,
  type EventRecord,
  type OutboxRecord,
  type SampleRecord,
  type SessionRecord,
} from './rows.js';
import type { AlertInput, AlertRow, CleanShutdownKind, ClockCorrection } from './types.js';

/** Kinds only the journal itself queues, so each session has exactly one Start and one Stop. */
const journalOwnedKinds: ReadonlySet<OutboxKind> = new Set(['StartTransaction', 'StopTransaction']);
const outboxKinds: ReadonlySet<string> = new Set([
  'StartTransaction',
  'StopTransaction',
  'MeterValues',
  'StatusNotification',
  'SecurityEventNotification',
  'DataTransfer',
]);

export const journalNamespace = 'journal';
export const cleanShutdownKey = 'cleanShutdown';

function invalid(message: string): EvseError {
  return new EvseError(EvseErrorCode.InvalidArgument, message);
}

function requireWh(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${name} must be a whole, non-negative number of Wh (got ${JSON.stringify(value)})`);
  }
  return value;
}

function requireTime(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalid(`${name} must be epoch milliseconds (got ${JSON.stringify(value)})`);
  }
  return Math.round(value);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Shifts the OCPP timestamps of a queued payload: `timestamp` (Start/Stop/Status) and `meterValue[].timestamp`. */
function shiftPayloadTimes(payload: Record<string, unknown>, offsetMs: number): Record<string, unknown> {
  const shifted = (value: unknown): unknown => {
    const ms = typeof value === 'string' ? Date.parse(value) : NaN;
    return Number.isFinite(ms) ? iso(ms + offsetMs) : value;
  };
  const out: Record<string, unknown> = { ...payload };
  if ('timestamp' in out) out['timestamp'] = shifted(out['timestamp']);
  if (Array.isArray(out['meterValue'])) {
    out['meterValue'] = (out['meterValue'] as unknown[]).map((mv) =>
      mv !== null && typeof mv === 'object' ? { ...(mv as Record<string, unknown>), timestamp: shifted((mv as Record<string, unknown>)['timestamp']) } : mv,
    );
  }
  return out;
}

/** Blocks the current thread, as a slow fsync would (benchmarks and tests emulate a worn SD card with it). */
function holdThread(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The synchronous SQLite store. It runs inside the journal worker (never on the thread of the contactor path);
 * every public write is one committed transaction. Times come in from the caller's clock.
 */
export class JournalStore {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  /** Alerts that could not be written because the storage failed; written with the next successful commit. */
  private readonly unwrittenAlerts: { at: number; alert: AlertInput }[] = [];

  /** One wrapper for every transaction (better-sqlite3 builds BEGIN/COMMIT statements per wrapper). */
  private readonly runInTransaction: (fn: () => unknown) => unknown;

  constructor(
    readonly db: BetterSqlite3.Database,
    private readonly commitDelayMs = 0,
  ) {
    this.runInTransaction = db.transaction((fn: () => unknown) => fn());
  }

  /** A cached prepared statement. */
  sql(text: string): BetterSqlite3.Statement {
    let stmt = this.statements.get(text);
    if (!stmt) {
      stmt = this.db.prepare(text);
      this.statements.set(text, stmt);
    }
    return stmt;
  }

  /** Runs `fn` as one committed transaction (held `commitDelayMs` before COMMIT when a slow disk is emulated). */
  tx<T>(fn: () => T): T {
    // Alerts that a failed storage could not take ride along with the next commit; back to memory if it fails too.
    const carried = this.unwrittenAlerts.splice(0);
    try {
      return this.runInTransaction(() => {
        for (const { at, alert } of carried) this.insertAlert(alert, at);
        const result = fn();
        holdThread(this.commitDelayMs);
        return result;
      }) as T;
    } catch (err) {
      this.unwrittenAlerts.unshift(...carried);
      throw err;
    }
  }

  // ---- sessions (SessionRecorder) ----

  startSession(start: SessionStart, nowMs: number): number {
    const meterStartWh = requireWh('meterStartWh', start.meterStartWh);
    const startAt = requireTime('startAtMs', start.startAtMs);
    if (!Number.isSafeInteger(start.connectorId) || start.connectorId < 1) {
      throw invalid(`connectorId must be a positive integer (got ${JSON.stringify(start.connectorId)})`);
    }
    return this.tx(() => {
      const open = this.sql('SELECT id FROM sessions WHERE stop_at IS NULL AND connector_id = ?').get(start.connectorId) as
        | { id: number }
        | undefined;
      if (open) throw invalid(`connector ${start.connectorId} already has open session ${open.id}`);
      const info = this.sql(
        `INSERT INTO sessions (connector_id, id_tag, plug_in_at, authorized_at, start_at, meter_start_wh, reservation_id, clock_trusted)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        start.connectorId,
        start.idTag,
        start.plugInAtMs,
        start.authorizedAtMs,
        startAt,
        meterStartWh,
        start.reservationId ?? null,
        start.clockTrusted === false ? 0 : 1,
      );
      const sessionId = Number(info.lastInsertRowid);
      const payload: Record<string, unknown> = {
        connectorId: start.connectorId,
        idTag: start.idTag,
        meterStart: meterStartWh,
        timestamp: iso(startAt),
      };
      if (start.reservationId !== undefined) payload['reservationId'] = start.reservationId;
      this.insertOutbox('StartTransaction', sessionId, payload, nowMs);
      return sessionId;
    });
  }

  private openSession(sessionId: number): SessionRecord {
    const row = this.sql('SELECT * FROM sessions WHERE id = ?').get(sessionId) as SessionRecord | undefined;
    if (!row) throw invalid(`no session ${sessionId}`);
    if (row.stop_at !== null) throw invalid(`session ${sessionId} is already stopped`);
    return row;
  }

  recordSample(sessionId: number, sample: MeterSample): void {
    const importWh = requireWh('importWh', sample.importWh);
    const at = requireTime('readAtMs', sample.readAtMs);
    this.tx(() => {
      this.openSession(sessionId);
      this.insertSample(sessionId, at, importWh, sample);
    });
  }

  private insertSample(sessionId: number | null, at: number, importWh: number, sample: MeterSample): void {
    this.sql(
      `INSERT INTO samples (session_id, at, import_wh, power_w, currents, voltages, frequency_hz, signed_record)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      sessionId,
      at,
      importWh,
      sample.totalPowerW,
      JSON.stringify(sample.phases.map((p) => p.currentA)),
      JSON.stringify(sample.phases.map((p) => p.voltageV)),
      sample.frequencyHz,
      sample.signedRecord ?? null,
    );
  }

  recordEvent(sessionId: number, event: SessionEventRecord): void {
    const at = requireTime('atMs', event.atMs);
    this.tx(() => {
      if (!this.sql('SELECT 1 FROM sessions WHERE id = ?').get(sessionId)) throw invalid(`no session ${sessionId}`);
      this.insertEvent(sessionId, event.kind, at, event.detail ?? null);
    });
  }

  private insertEvent(sessionId: number, kind: string, at: number, detail: Readonly<Record<string, unknown>> | null): void {
    this.sql('INSERT INTO session_events (session_id, kind, at, detail) VALUES (?, ?, ?, ?)').run(
      sessionId,
      kind,
      at,
      detail === null ? null : JSON.stringify(detail),
    );
  }

  stopSession(sessionId: number, stop: SessionStop, nowMs: number): void {
    const meterStopWh = requireWh('meterStopWh', stop.meterStopWh);
    const stopAt = requireTime('stopAtMs', stop.stopAtMs);
    this.tx(() => {
      this.openSession(sessionId);
      this.closeSession(sessionId, stopAt, meterStopWh, stop.reason, stop.stopIdTag ?? null, false, nowMs);
    });
  }

  /** Writes the stop and queues StopTransaction; returns the outbox seq. Runs inside a transaction. */
  closeSession(
    sessionId: number,
    stopAt: number,
    meterStopWh: number,
    reason: SessionStop['reason'],
    stopIdTag: string | null,
    recovered: boolean,
    nowMs: number,
  ): number {
    this.sql(
      'UPDATE sessions SET stop_at = ?, meter_stop_wh = ?, stop_reason = ?, stop_id_tag = ?, recovered = ? WHERE id = ?',
    ).run(stopAt, meterStopWh, reason, stopIdTag, recovered ? 1 : 0, sessionId);
    const payload: Record<string, unknown> = { meterStop: meterStopWh, timestamp: iso(stopAt), reason };
    if (stopIdTag !== null) payload['idTag'] = stopIdTag;
    return this.insertOutbox('StopTransaction', sessionId, payload, nowMs);
  }

  recordUnplug(sessionId: number, atMs: number): void {
    const at = requireTime('atMs', atMs);
    this.tx(() => {
      const info = this.sql('UPDATE sessions SET unplug_at = ? WHERE id = ?').run(at, sessionId);
      if (info.changes !== 1) throw invalid(`no session ${sessionId}`);
    });
  }

  /**
   * The CSMS gave the time: shifts by `offsetMs` every record stamped by this boot's untrusted clock (since `sinceMs`,
   * local time) and marks it trusted: the times of sessions started untrusted, their samples and events, and the
   * pending outbox rows created since then (their timestamps, created and next-attempt times). Records of earlier boots
   * stay marked untrusted: their clock had another error. One transaction.
   */
  correctClock(offsetMs: number, sinceMs: number): ClockCorrection {
    if (!Number.isSafeInteger(offsetMs) || !Number.isSafeInteger(sinceMs)) {
      throw invalid(`clock correction needs integer ms (got offset ${offsetMs}, since ${sinceMs})`);
    }
    return this.tx(() => {
      const ids = (
        this.sql('SELECT id FROM sessions WHERE clock_trusted = 0 AND start_at >= ?').all(sinceMs) as { id: number }[]
      ).map((r) => r.id);
      const shift = (column: string): string => `${column} = CASE WHEN ${column} IS NULL THEN NULL ELSE ${column} + @offset END`;
      let samples = 0;
      let events = 0;
      for (const id of ids) {
        this.sql(
          `UPDATE sessions SET ${['plug_in_at', 'authorized_at', 'start_at', 'stop_at', 'unplug_at'].map(shift).join(', ')}, clock_trusted = 1 WHERE id = @id`,
        ).run({ offset: offsetMs, id });
        samples += this.sql('UPDATE samples SET at = at + ? WHERE session_id = ?').run(offsetMs, id).changes;
        events += this.sql('UPDATE session_events SET at = at + ? WHERE session_id = ?').run(offsetMs, id).changes;
      }
      const rows = this.sql(
        `SELECT seq, payload FROM outbox WHERE state = 'pending' AND (created_at >= ? OR session_id IN (${ids.map(() => '?').join(',') || 'NULL'}))`,
      ).all(sinceMs, ...ids) as { seq: number; payload: string }[];
      for (const row of rows) {
        const payload = shiftPayloadTimes(JSON.parse(row.payload) as Record<string, unknown>, offsetMs);
        this.sql('UPDATE outbox SET payload = ?, created_at = created_at + ?, next_attempt_at = next_attempt_at + ? WHERE seq = ?').run(
          JSON.stringify(payload),
          offsetMs,
          offsetMs,
          row.seq,
        );
      }
      return { sessions: ids.length, samples, events, outbox: rows.length };
    });
  }

  // ---- outbox (OutboxStore) ----

  private insertOutbox(kind: OutboxKind, sessionId: number | null, payload: Readonly<Record<string, unknown>>, nowMs: number): number {
    const info = this.sql(
      `INSERT INTO outbox (kind, session_id, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)`,
    ).run(kind, sessionId, JSON.stringify(payload), nowMs, nowMs);
    return Number(info.lastInsertRowid);
  }

  head(): OutboxMessage | null {
    const row = this.sql(`SELECT * FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1`).get() as OutboxRecord | undefined;
    return row ? toOutboxMessage(row) : null;
  }

  private outboxRow(seq: number): OutboxRecord {
    const row = this.sql('SELECT * FROM outbox WHERE seq = ?').get(seq) as OutboxRecord | undefined;
    if (!row) throw invalid(`no outbox message ${seq}`);
    return row;
  }

  markDelivered(seq: number, answer: DeliveryAnswer, nowMs: number): void {
    this.tx(() => {
      const row = this.outboxRow(seq);
      // A retry after a crash between the CSMS answer and this commit may mark the same message twice.
      if (row.state === 'delivered') return;
      if (row.state === 'dead') throw invalid(`outbox message ${seq} is a dead letter`);
      if (row.kind === 'StartTransaction' && row.session_id !== null) {
        const transactionId = answer.transactionId;
        if (typeof transactionId !== 'number' || !Number.isSafeInteger(transactionId)) {
          throw invalid(`StartTransaction ${seq} needs an integer transactionId (got ${JSON.stringify(transactionId)})`);
        }
        this.sql('UPDATE sessions SET csms_transaction_id = ?, id_tag_status = ? WHERE id = ?').run(
          transactionId,
          answer.idTagStatus ?? null,
          row.session_id,
        );
      }
      this.sql(`UPDATE outbox SET state = 'delivered', answer = ?, delivered_at = ? WHERE seq = ?`).run(
        JSON.stringify(answer),
        nowMs,
        seq,
      );
    });
  }

  markFailed(seq: number, error: string, nextAttemptAtMs: number): void {
    this.tx(() => {
      const row = this.outboxRow(seq);
      if (row.state !== 'pending') throw invalid(`outbox message ${seq} is ${row.state}, not pending`);
      this.sql('UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE seq = ?').run(
        error,
        Math.round(nextAttemptAtMs),
        seq,
      );
    });
  }

  markDead(seq: number, error: string): void {
    this.tx(() => {
      const row = this.outboxRow(seq);
      if (row.state !== 'pending') throw invalid(`outbox message ${seq} is ${row.state}, not pending`);
      this.sql(`UPDATE outbox SET state = 'dead', last_error = ? WHERE seq = ?`).run(error, seq);
    });
  }

  transactionIdFor(sessionId: number): number | null {
    const row = this.sql('SELECT csms_transaction_id AS id FROM sessions WHERE id = ?').get(sessionId) as
      | { id: number | null }
      | undefined;
    return row?.id ?? null;
  }

  depth(): number {
    return (this.sql(`SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'`).get() as { n: number }).n;
  }

  enqueue(kind: OutboxKind, sessionId: number | null, payload: Readonly<Record<string, unknown>>, nowMs: number): number {
    if (!outboxKinds.has(kind)) throw invalid(`unknown outbox kind ${JSON.stringify(kind)}`);
    if (journalOwnedKinds.has(kind)) {
      throw invalid(`${kind} is queued by startSession/stopSession, not enqueue()`);
    }
    return this.tx(() => {
      if (sessionId !== null) {
        const session = this.sql('SELECT stop_at FROM sessions WHERE id = ?').get(sessionId) as
          | { stop_at: number | null }
          | undefined;
        if (!session) throw invalid(`no session ${sessionId}`);
        // Keeps Start, MeterValues…, Stop in order: nothing of a session may follow its StopTransaction.
        if (kind === 'MeterValues' && session.stop_at !== null) {
          throw invalid(`session ${sessionId} is already stopped; its MeterValues would follow StopTransaction`);
        }
      }
      return this.insertOutbox(kind, sessionId, payload, nowMs);
    });
  }

  // ---- key-value settings ----

  kvGet(namespace: string, key: string): unknown {
    const row = this.sql('SELECT value FROM settings WHERE namespace = ? AND key = ?').get(namespace, key) as
      | { value: string }
      | undefined;
    return row ? (JSON.parse(row.value) as unknown) : undefined;
  }

  kvSet(namespace: string, key: string, value: unknown, nowMs: number): void {
    const text = JSON.stringify(value);
    if (text === undefined) throw invalid(`setting ${namespace}/${key} is not JSON-serialisable`);
    this.tx(() => {
      this.sql(
        `INSERT INTO settings (namespace, key, value, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ).run(namespace, key, text, nowMs);
    });
  }

  kvDelete(namespace: string, key: string): void {
    this.tx(() => this.sql('DELETE FROM settings WHERE namespace = ? AND key = ?').run(namespace, key));
  }

  kvList(namespace: string): Map<string, unknown> {
    const rows = this.sql('SELECT key, value FROM settings WHERE namespace = ? ORDER BY key').all(namespace) as {
      key: string;
      value: string;
    }[];
    return new Map(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
  }

  kvClear(namespace: string): void {
    this.tx(() => this.sql('DELETE FROM settings WHERE namespace = ?').run(namespace));
  }

  // ---- read side (JournalReader) ----

  /** JournalReader.sessions: by start in [fromMs, toMs), or (`overlapping`) every session occupying the connector then. */
  sessions(fromMs: number, toMs: number, overlapping = false): SessionRow[] {
    // Occupancy runs from the plug-in (never after the start) to the unplug, else the stop, else now (still open).
    // No index serves this (the open end has no bound); a scan of the sessions table is cheap: one small row per charge.
    const rows = overlapping
      ? (this.sql(
          `SELECT * FROM sessions
            WHERE MIN(COALESCE(plug_in_at, start_at), start_at) < ?
              AND (COALESCE(unplug_at, stop_at) IS NULL OR COALESCE(unplug_at, stop_at) > ?)
            ORDER BY start_at, id`,
        ).all(toMs, fromMs) as SessionRecord[])
      : (this.sql('SELECT * FROM sessions WHERE start_at >= ? AND start_at < ? ORDER BY start_at, id').all(
          fromMs,
          toMs,
        ) as SessionRecord[]);
    return rows.map(toSessionRow);
  }

  session(id: number): SessionRow | null {
    const row = this.sql('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRecord | undefined;
    return row ? toSessionRow(row) : null;
  }

  samples(sessionId: number): SampleRow[] {
    return (this.sql('SELECT * FROM samples WHERE session_id = ? ORDER BY id').all(sessionId) as SampleRecord[]).map(
      toSampleRow,
    );
  }

  events(sessionId: number): EventRow[] {
    return (
      this.sql('SELECT * FROM session_events WHERE session_id = ? ORDER BY id').all(sessionId) as EventRecord[]
    ).map(toEventRow);
  }

  saveCost(sessionId: number, cost: unknown): void {
    const text = JSON.stringify(cost);
    if (text === undefined) throw invalid(`cost of session ${sessionId} is not JSON-serialisable`);
    this.tx(() => {
      const info = this.sql('UPDATE sessions SET cost = ? WHERE id = ?').run(text, sessionId);
      if (info.changes !== 1) throw invalid(`no session ${sessionId}`);
    });
  }

  /** The highest import register the journal knows (last sample, or a session's start/stop), or null when empty. */
  lastMeterWh(): number | null {
    const row = this.sql(
      `SELECT MAX(v) AS wh FROM (
         SELECT (SELECT import_wh FROM samples ORDER BY id DESC LIMIT 1) AS v
         UNION ALL SELECT MAX(meter_start_wh) FROM sessions
         UNION ALL SELECT MAX(meter_stop_wh) FROM sessions)`,
    ).get() as { wh: number | null };
    return row.wh;
  }

  // ---- alerts ----

  raiseAlert(alert: AlertInput, nowMs: number): number {
    return this.tx(() => this.insertAlert(alert, nowMs));
  }

  private insertAlert(alert: AlertInput, at: number): number {
    const info = this.sql('INSERT INTO alerts (at, severity, code, message, detail) VALUES (?, ?, ?, ?, ?)').run(
      at,
      alert.severity,
      alert.code,
      alert.message,
      alert.detail === undefined ? null : JSON.stringify(alert.detail),
    );
    return Number(info.lastInsertRowid);
  }

  /** Alerts, oldest first; ones not yet written (storage failed) come last with id 0. */
  alerts(): AlertRow[] {
    const stored = (this.sql('SELECT * FROM alerts ORDER BY id').all() as AlertRecord[]).map(toAlertRow);
    return [...stored, ...this.unwrittenAlerts.map(({ at, alert }) => ({ ...alert, id: 0, atMs: at }))];
  }

  /**
   * Records that the storage failed. Tries to write the alert at once (a full disk often still takes a small
   * row after a rollback); keeps it in memory for the next successful commit when it cannot.
   */
  noteStorageFailure(sqliteCode: string, message: string, nowMs: number): void {
    const alert: AlertInput = {
      severity: 'critical',
      code: 'journal-unavailable',
      message: `The journal could not commit (${sqliteCode}): no new session can start until it is fixed.`,
      detail: { sqliteCode, error: message },
    };
    const alreadyKnown =
      this.unwrittenAlerts.some((a) => a.alert.detail?.['sqliteCode'] === sqliteCode) ||
      this.sql(`SELECT 1 FROM alerts WHERE code = 'journal-unavailable' AND at >= ? LIMIT 1`).get(nowMs - 60_000) !== undefined;
    if (alreadyKnown) return;
    try {
      this.db.transaction(() => this.insertAlert(alert, nowMs))();
    } catch {
      this.unwrittenAlerts.push({ at: nowMs, alert });
    }
  }

  // ---- planned restarts ----

  noteCleanShutdown(kind: CleanShutdownKind, nowMs: number): void {
    this.kvSet(journalNamespace, cleanShutdownKey, { kind, atMs: nowMs }, nowMs);
  }

  close(): void {
    this.db.close();
  }
}
