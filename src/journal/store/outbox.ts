/** The outbox (OutboxStore): messages for the CSMS, in seq order, delivered once and never lost. */
import { maxPendingOfKind, optionalKinds, optionalLaneSql, transactionLaneSql, type DeadLetterOptions, type DeadLetterOutcome, type DeliveryAnswer, type OutboxKind, type OutboxLane, type OutboxMessage } from '../ports.js';
import { toOutboxMessage, type OutboxRecord } from '../rows.js';
import type { StoreDb } from './db.js';
import { invalid } from './values.js';

/** Kinds only the journal itself queues, so each session has exactly one Start and one Stop. */
const journalOwnedKinds: ReadonlySet<OutboxKind> = new Set(['StartTransaction', 'StopTransaction']);
const outboxKinds: ReadonlySet<string> = new Set([
  'StartTransaction',
  'StopTransaction',
  'MeterValues',
  'StatusNotification',
  'SecurityEventNotification',
  'DataTransfer',
  'TransactionEvent',
  'NotifyEvent',
  'FirmwareStatusNotification',
  'DiagnosticsStatusNotification',
  'LogStatusNotification',
  'NotifyCustomerInformation',
  'ReportChargingProfiles',
]);

/** Kinds that a 2.0.1 uplink sends as a TransactionEvent of their session: each takes the session's next seqNo. */
const transactionEventKinds: ReadonlySet<string> = new Set(['StartTransaction', 'StopTransaction', 'MeterValues', 'TransactionEvent']);

/**
 * Appends one message inside the caller's transaction; returns its seq. A message of a session whose
 * StartTransaction is a dead letter is stored dead at once: without the CSMS transactionId it could never leave.
 */
export function insertOutbox(
  s: StoreDb,
  kind: OutboxKind,
  sessionId: number | null,
  payload: Readonly<Record<string, unknown>>,
  nowMs: number,
): number {
  const deadStart =
    sessionId === null || kind === 'StartTransaction'
      ? undefined
      : // A Start dead-lettered with its followers kept (OCPP 2.0.1) says so in its answer column: later rows stay pending.
        (s.sql(`SELECT seq FROM outbox WHERE session_id = ? AND kind = 'StartTransaction' AND state = 'dead' AND answer IS NULL LIMIT 1`).get(sessionId) as
          | { seq: number }
          | undefined);
  const seqNo = sessionId !== null && transactionEventKinds.has(kind) ? takeSeqNo(s, sessionId) : null;
  const info = s
    .sql(
      `INSERT INTO outbox (kind, session_id, payload, created_at, next_attempt_at, state, last_error, tx_seq_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      kind,
      sessionId,
      JSON.stringify(payload),
      nowMs,
      nowMs,
      deadStart ? 'dead' : 'pending',
      deadStart ? followerError(deadStart.seq) : null,
      seqNo,
    );
  return Number(info.lastInsertRowid);
}

/** The session's next 2.0.1 seqNo, counted up in the same transaction as the row that takes it (no gap, no repeat). */
function takeSeqNo(s: StoreDb, sessionId: number): number {
  const row = s.sql('UPDATE sessions SET tx_next_seq_no = tx_next_seq_no + 1 WHERE id = ? RETURNING tx_next_seq_no - 1 AS seqNo').get(sessionId) as
    | { seqNo: number }
    | undefined;
  if (!row) throw invalid(`no session ${sessionId}`);
  return row.seqNo;
}

function followerError(startSeq: number): string {
  return `its session's StartTransaction #${startSeq} is a dead letter (no CSMS transactionId)`;
}

export class OutboxRecords {
  constructor(private readonly s: StoreDb) {}

  /** The oldest pending message of `lane` (of either lane without one). */
  head(lane?: OutboxLane): OutboxMessage | null {
    const filter = lane === undefined ? '' : lane === 'transaction' ? `AND ${transactionLaneSql}` : `AND ${optionalLaneSql}`;
    // The session's 2.0.1 transaction facts ride along (subqueries, so the lane's index plan is unchanged).
    const row = this.s
      .sql(
        `SELECT *,
           (SELECT tx_uid FROM sessions WHERE id = outbox.session_id) AS tx_uid,
           (SELECT plug_in_at FROM sessions WHERE id = outbox.session_id) AS tx_plug_in_at,
           (SELECT authorized_at FROM sessions WHERE id = outbox.session_id) AS tx_authorized_at
         FROM outbox WHERE state = 'pending' ${filter} ORDER BY seq LIMIT 1`,
      )
      .get() as
      | OutboxRecord
      | undefined;
    return row ? toOutboxMessage(row) : null;
  }

  private outboxRow(seq: number): OutboxRecord {
    const row = this.s.sql('SELECT * FROM outbox WHERE seq = ?').get(seq) as OutboxRecord | undefined;
    if (!row) throw invalid(`no outbox message ${seq}`);
    return row;
  }

  markDelivered(seq: number, answer: DeliveryAnswer, nowMs: number): void {
    this.s.tx(() => {
      const row = this.outboxRow(seq);
      // A retry after a crash between the CSMS answer and this commit may mark the same message twice.
      if (row.state === 'delivered') return;
      if (row.state === 'dead') throw invalid(`outbox message ${seq} is a dead letter`);
      if (row.kind === 'StartTransaction' && row.session_id !== null && answer.stationTransactionId !== undefined) {
        // OCPP 2.0.1: delivered as TransactionEvent Started under the station's id; it must be this session's.
        const session = this.s.sql('SELECT tx_uid FROM sessions WHERE id = ?').get(row.session_id) as { tx_uid: string | null } | undefined;
        if (session?.tx_uid !== answer.stationTransactionId) {
          throw invalid(`StartTransaction ${seq} went out as transaction ${JSON.stringify(answer.stationTransactionId)}, not its session's ${JSON.stringify(session?.tx_uid)}`);
        }
        this.s.sql('UPDATE sessions SET id_tag_status = ? WHERE id = ?').run(answer.idTagStatus ?? null, row.session_id);
      } else if (row.kind === 'StartTransaction' && row.session_id !== null) {
        const transactionId = answer.transactionId;
        if (typeof transactionId !== 'number' || !Number.isSafeInteger(transactionId)) {
          throw invalid(`StartTransaction ${seq} needs an integer transactionId (got ${JSON.stringify(transactionId)})`);
        }
        this.s
          .sql('UPDATE sessions SET csms_transaction_id = ?, id_tag_status = ? WHERE id = ?')
          .run(transactionId, answer.idTagStatus ?? null, row.session_id);
      }
      this.s
        .sql(`UPDATE outbox SET state = 'delivered', answer = ?, delivered_at = ? WHERE seq = ?`)
        .run(JSON.stringify(answer), nowMs, seq);
    });
  }

  markFailed(seq: number, error: string, nextAttemptAtMs: number): void {
    this.s.tx(() => {
      const row = this.outboxRow(seq);
      if (row.state !== 'pending') throw invalid(`outbox message ${seq} is ${row.state}, not pending`);
      this.s
        .sql('UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE seq = ?')
        .run(error, Math.round(nextAttemptAtMs), seq);
    });
  }

  /**
   * Dead-letters `seq`. A StartTransaction takes every pending message of its session with it in the same
   * transaction (they could never get the CSMS transactionId); their seqs are returned. With `keepFollowers` (OCPP
   * 2.0.1, where the station authored the id) it goes alone and the session's later rows stay deliverable.
   */
  markDead(seq: number, error: string, options: DeadLetterOptions = {}): DeadLetterOutcome {
    return this.s.tx(() => {
      const row = this.outboxRow(seq);
      if (row.state !== 'pending') throw invalid(`outbox message ${seq} is ${row.state}, not pending`);
      const keep = options.keepFollowers === true && row.kind === 'StartTransaction';
      this.s
        .sql(`UPDATE outbox SET attempts = attempts + 1, state = 'dead', last_error = ?, answer = ? WHERE seq = ?`)
        .run(error, keep ? JSON.stringify({ followersKept: true }) : null, seq);
      if (keep || row.kind !== 'StartTransaction' || row.session_id === null) return { followers: [] };
      const followers = (
        this.s.sql(`SELECT seq FROM outbox WHERE session_id = ? AND state = 'pending' ORDER BY seq`).all(row.session_id) as {
          seq: number;
        }[]
      ).map((r) => r.seq);
      this.s
        .sql(`UPDATE outbox SET state = 'dead', last_error = ? WHERE session_id = ? AND state = 'pending'`)
        .run(followerError(seq), row.session_id);
      return { followers };
    });
  }

  /** Removes a pending optional message the CSMS does not implement (never a Start, Stop or MeterValues). */
  drop(seq: number, reason: string): void {
    this.s.tx(() => {
      const row = this.outboxRow(seq);
      if (!optionalKinds.has(row.kind as OutboxKind)) throw invalid(`outbox message ${seq} is a ${row.kind}: only optional messages may be dropped (${reason})`);
      if (row.state !== 'pending') throw invalid(`outbox message ${seq} is ${row.state}, not pending`);
      this.s.sql('DELETE FROM outbox WHERE seq = ?').run(seq);
    });
  }

  transactionIdFor(sessionId: number): number | null {
    const row = this.s.sql('SELECT csms_transaction_id AS id FROM sessions WHERE id = ?').get(sessionId) as
      | { id: number | null }
      | undefined;
    return row?.id ?? null;
  }

  depth(): number {
    return (this.s.sql(`SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'`).get() as { n: number }).n;
  }

  enqueue(kind: OutboxKind, sessionId: number | null, payload: Readonly<Record<string, unknown>>, nowMs: number): number {
    if (!outboxKinds.has(kind)) throw invalid(`unknown outbox kind ${JSON.stringify(kind)}`);
    if (journalOwnedKinds.has(kind)) {
      throw invalid(`${kind} is queued by startSession/stopSession, not enqueue()`);
    }
    return this.s.tx(() => {
      if (sessionId !== null) {
        const session = this.s.sql('SELECT stop_at FROM sessions WHERE id = ?').get(sessionId) as
          | { stop_at: number | null }
          | undefined;
        if (!session) throw invalid(`no session ${sessionId}`);
        // Keeps Start, MeterValues…, Stop in order: nothing of a session may follow its StopTransaction.
        if ((kind === 'MeterValues' || kind === 'TransactionEvent') && session.stop_at !== null) {
          throw invalid(`session ${sessionId} is already stopped; its ${kind} would follow StopTransaction`);
        }
      } else if (kind === 'TransactionEvent') {
        throw invalid('a TransactionEvent belongs to a session');
      }
      const seq = insertOutbox(this.s, kind, sessionId, payload, nowMs);
      const bound = maxPendingOfKind.get(kind);
      if (bound !== undefined) this.keepPendingOfKindWithin(kind, bound);
      return seq;
    });
  }

  /**
   * Drops the oldest pending rows of `kind` past `bound`, all but the very oldest: that one may be the optional lane's
   * message in flight, whose answer must find its row. The newest (a job's last status) always stays.
   */
  private keepPendingOfKindWithin(kind: OutboxKind, bound: number): void {
    const { n } = this.s.sql(`SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending' AND kind = ?`).get(kind) as { n: number };
    if (n <= bound) return;
    this.s
      .sql(
        `DELETE FROM outbox WHERE seq IN (
           SELECT seq FROM outbox WHERE state = 'pending' AND kind = ? ORDER BY seq LIMIT ? OFFSET 1)`,
      )
      .run(kind, n - bound);
  }
}
