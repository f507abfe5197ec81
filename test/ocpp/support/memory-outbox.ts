import { optionalKinds, outboxLaneOf, type DeadLetterOutcome, type DeliveryAnswer, type OutboxKind, type OutboxLane, type OutboxMessage, type OutboxStore } from '../../../src/journal/ports.js';

interface Row {
  seq: number;
  kind: OutboxKind;
  sessionId: number | null;
  payload: Readonly<Record<string, unknown>>;
  createdAtMs: number;
  attempts: number;
  nextAttemptAtMs: number;
  state: 'pending' | 'delivered' | 'dead' | 'dropped';
  lastError: string | null;
  answer: DeliveryAnswer | null;
}

/**
 * In-memory OutboxStore with the journal's contract (FIFO by seq per lane, transactionId stored with the Start's
 * delivery, a dead Start takes its session's messages with it, optional messages may be dropped).
 * A real journal survives a process restart; tests model a reboot by handing the same instance to a new client.
 */
export class MemoryOutboxStore implements OutboxStore {
  private readonly rows: Row[] = [];
  private readonly bySeq = new Map<number, Row>();
  private pending = 0;
  private readonly transactionIds = new Map<number, number>();
  private nextSeq = 1;
  private readonly deadStarts = new Map<number, number>();
  /** Each lane's rows in seq order, and the index before which none is pending (keeps head() cheap over a long history). */
  private readonly lanes: Record<OutboxLane, { rows: Row[]; firstPending: number }> = {
    transaction: { rows: [], firstPending: 0 },
    optional: { rows: [], firstPending: 0 },
  };
  now: () => number = () => Date.now();

  /** What the journal does when the session layer commits a start/stop/sample. */
  append(kind: OutboxKind, sessionId: number | null, payload: Readonly<Record<string, unknown>>): number {
    const seq = this.nextSeq++;
    const deadStart = sessionId === null || kind === 'StartTransaction' ? undefined : this.deadStarts.get(sessionId);
    const row: Row = {
      seq,
      kind,
      sessionId,
      payload,
      createdAtMs: this.now(),
      attempts: 0,
      nextAttemptAtMs: 0,
      state: deadStart === undefined ? 'pending' : 'dead',
      lastError: deadStart === undefined ? null : `its session's StartTransaction #${deadStart} is a dead letter`,
      answer: null,
    };
    this.rows.push(row);
    this.lanes[outboxLaneOf(kind, sessionId)].rows.push(row);
    this.bySeq.set(seq, row);
    if (row.state === 'pending') this.pending += 1;
    return seq;
  }

  enqueue(kind: OutboxKind, sessionId: number | null, payload: Readonly<Record<string, unknown>>): Promise<number> {
    return Promise.resolve(this.append(kind, sessionId, payload));
  }

  private laneHead(lane: OutboxLane): Row | undefined {
    const l = this.lanes[lane];
    while (l.firstPending < l.rows.length && l.rows[l.firstPending]?.state !== 'pending') l.firstPending += 1;
    return l.rows[l.firstPending];
  }

  head(lane?: OutboxLane): Promise<OutboxMessage | null> {
    let row: Row | undefined;
    if (lane !== undefined) row = this.laneHead(lane);
    else {
      const [t, o] = [this.laneHead('transaction'), this.laneHead('optional')];
      row = t && o ? (t.seq < o.seq ? t : o) : (t ?? o);
    }
    if (!row) return Promise.resolve(null);
    const { seq, kind, sessionId, payload, createdAtMs, attempts, nextAttemptAtMs } = row;
    return Promise.resolve({ seq, kind, sessionId, payload, createdAtMs, attempts, nextAttemptAtMs });
  }

  private row(seq: number): Row {
    const row = this.bySeq.get(seq);
    if (!row) throw new Error(`no outbox row ${seq}`);
    return row;
  }

  markDelivered(seq: number, answer: DeliveryAnswer): Promise<void> {
    const row = this.row(seq);
    if (row.state !== 'pending') throw new Error(`outbox row ${seq} delivered twice`);
    row.state = 'delivered';
    row.answer = answer;
    this.pending -= 1;
    if (row.kind === 'StartTransaction' && row.sessionId !== null && answer.transactionId !== undefined) {
      this.transactionIds.set(row.sessionId, answer.transactionId);
    }
    return Promise.resolve();
  }

  markFailed(seq: number, error: string, nextAttemptAtMs: number): Promise<void> {
    const row = this.row(seq);
    row.attempts += 1;
    row.lastError = error;
    row.nextAttemptAtMs = nextAttemptAtMs;
    return Promise.resolve();
  }

  markDead(seq: number, error: string): Promise<DeadLetterOutcome> {
    const row = this.row(seq);
    row.attempts += 1;
    row.lastError = error;
    if (row.state === 'pending') this.pending -= 1;
    row.state = 'dead';
    if (row.kind !== 'StartTransaction' || row.sessionId === null) return Promise.resolve({ followers: [] });
    this.deadStarts.set(row.sessionId, seq);
    const followers = this.rows.filter((r) => r.sessionId === row.sessionId && r.state === 'pending');
    for (const f of followers) {
      f.state = 'dead';
      f.lastError = `its session's StartTransaction #${seq} is a dead letter`;
      this.pending -= 1;
    }
    return Promise.resolve({ followers: followers.map((f) => f.seq) });
  }

  drop(seq: number, reason: string): Promise<void> {
    const row = this.row(seq);
    if (!optionalKinds.has(row.kind) || row.state !== 'pending') return Promise.reject(new Error(`outbox row ${seq} cannot be dropped (${reason})`));
    row.state = 'dropped';
    row.lastError = reason;
    this.pending -= 1;
    return Promise.resolve();
  }

  transactionIdFor(sessionId: number): Promise<number | null> {
    return Promise.resolve(this.transactionIds.get(sessionId) ?? null);
  }

  depth(): Promise<number> {
    return Promise.resolve(this.pending);
  }

  /** Test view: dead letters with their last error. */
  deadLetters(): { seq: number; kind: OutboxKind; error: string | null }[] {
    return this.rows.filter((r) => r.state === 'dead').map((r) => ({ seq: r.seq, kind: r.kind, error: r.lastError }));
  }
}
