/**
 * Sessions (SessionRecorder): start, samples, events, stop, unplug and the stored cost. A start and a stop each commit
 * together with their StartTransaction / StopTransaction outbox row.
 */
import { randomUUID } from 'node:crypto';
import type { MeterSample } from '../../../hal/meter.js';
import type { SessionEventRecord, SessionStart, SessionStop } from '../../session/recorder.js';
import type { SessionRecord } from '../rows.js';
import type { StoreDb } from './db.js';
import { insertOutbox } from './outbox.js';
import { invalid, iso, requireTime, requireWh } from './values.js';

export class SessionRecords {
  constructor(private readonly s: StoreDb) {}

  startSession(start: SessionStart, nowMs: number): number {
    const meterStartWh = requireWh('meterStartWh', start.meterStartWh);
    const startAt = requireTime('startAtMs', start.startAtMs);
    if (!Number.isSafeInteger(start.connectorId) || start.connectorId < 1) {
      throw invalid(`connectorId must be a positive integer (got ${JSON.stringify(start.connectorId)})`);
    }
    const s = this.s;
    return s.tx(() => {
      const open = s.sql('SELECT id FROM sessions WHERE stop_at IS NULL AND connector_id = ?').get(start.connectorId) as
        | { id: number }
        | undefined;
      if (open) throw invalid(`connector ${start.connectorId} already has open session ${open.id}`);
      const info = s
        .sql(
          `INSERT INTO sessions (connector_id, id_tag, plug_in_at, authorized_at, start_at, meter_start_wh, reservation_id, clock_trusted, tx_uid)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          start.connectorId,
          start.idTag,
          start.plugInAtMs,
          start.authorizedAtMs,
          startAt,
          meterStartWh,
          start.reservationId ?? null,
          start.clockTrusted === false ? 0 : 1,
          // OCPP 2.0.1 transactionId: the station authors it, here, so it is durable from the session's first commit.
          randomUUID(),
        );
      const sessionId = Number(info.lastInsertRowid);
      const payload: Record<string, unknown> = {
        connectorId: start.connectorId,
        idTag: start.idTag,
        meterStart: meterStartWh,
        timestamp: iso(startAt),
      };
      if (start.reservationId !== undefined) payload['reservationId'] = start.reservationId;
      insertOutbox(s, 'StartTransaction', sessionId, payload, nowMs);
      return sessionId;
    });
  }

  private openSession(sessionId: number): SessionRecord {
    const row = this.s.sql('SELECT * FROM sessions WHERE id = ?').get(sessionId) as SessionRecord | undefined;
    if (!row) throw invalid(`no session ${sessionId}`);
    if (row.stop_at !== null) throw invalid(`session ${sessionId} is already stopped`);
    return row;
  }

  recordSample(sessionId: number, sample: MeterSample): void {
    const importWh = requireWh('importWh', sample.importWh);
    const at = requireTime('readAtMs', sample.readAtMs);
    this.s.tx(() => {
      this.openSession(sessionId);
      this.s
        .sql(
          `INSERT INTO samples (session_id, at, import_wh, power_w, currents, voltages, frequency_hz, signed_record)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          sessionId,
          at,
          importWh,
          sample.totalPowerW,
          JSON.stringify(sample.phases.map((p) => p.currentA)),
          JSON.stringify(sample.phases.map((p) => p.voltageV)),
          sample.frequencyHz,
          sample.signedRecord ?? null,
        );
    });
  }

  recordEvent(sessionId: number, event: SessionEventRecord): void {
    const at = requireTime('atMs', event.atMs);
    this.s.tx(() => {
      if (!this.s.sql('SELECT 1 FROM sessions WHERE id = ?').get(sessionId)) throw invalid(`no session ${sessionId}`);
      this.s
        .sql('INSERT INTO session_events (session_id, kind, at, detail) VALUES (?, ?, ?, ?)')
        .run(sessionId, event.kind, at, event.detail === undefined ? null : JSON.stringify(event.detail));
    });
  }

  stopSession(sessionId: number, stop: SessionStop, nowMs: number): void {
    const meterStopWh = requireWh('meterStopWh', stop.meterStopWh);
    const stopAt = requireTime('stopAtMs', stop.stopAtMs);
    this.s.tx(() => {
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
    this.s
      .sql('UPDATE sessions SET stop_at = ?, meter_stop_wh = ?, stop_reason = ?, stop_id_tag = ?, recovered = ? WHERE id = ?')
      .run(stopAt, meterStopWh, reason, stopIdTag, recovered ? 1 : 0, sessionId);
    const payload: Record<string, unknown> = { meterStop: meterStopWh, timestamp: iso(stopAt), reason };
    if (stopIdTag !== null) payload['idTag'] = stopIdTag;
    return insertOutbox(this.s, 'StopTransaction', sessionId, payload, nowMs);
  }

  recordUnplug(sessionId: number, atMs: number): void {
    const at = requireTime('atMs', atMs);
    this.s.tx(() => {
      const info = this.s.sql('UPDATE sessions SET unplug_at = ? WHERE id = ?').run(at, sessionId);
      if (info.changes !== 1) throw invalid(`no session ${sessionId}`);
    });
  }

  saveCost(sessionId: number, cost: unknown): void {
    const text = JSON.stringify(cost);
    if (text === undefined) throw invalid(`cost of session ${sessionId} is not JSON-serialisable`);
    this.s.tx(() => {
      const info = this.s.sql('UPDATE sessions SET cost = ? WHERE id = ?').run(text, sessionId);
      if (info.changes !== 1) throw invalid(`no session ${sessionId}`);
    });
  }
}
