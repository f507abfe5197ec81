/**
 * The crash test's comparison for OCPP 2.0.1: the journal's sessions (each with its station-authored transactionId and
 * the number of TransactionEvents it numbered) against the TransactionEvents the CSMS process answered. Over 2.0.1 the
 * station authors the transactionId and every event's seqNo, so the CSMS can check what 1.6 cannot: per transaction,
 * seqNo 0, 1, 2 … with no gap and no number carrying two different events, exactly one Started and one Ended, and a
 * restart in the middle of a transaction continuing the same id.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { LedgerEntry } from './csms-process.js';

/** One session as the journal holds it after the last clean run. */
export interface Journal201Session {
  readonly id: number;
  /** The transactionId the station made up for it (sessions.tx_uid). */
  readonly txId: string;
  readonly start: number;
  readonly stop: number | null;
  /** TransactionEvents the journal numbered for it: seqNo 0 … events − 1 (sessions.tx_next_seq_no). */
  readonly events: number;
  /** seqNos of its events the journal set aside as dead letters (never answered, so not expected at the CSMS). */
  readonly dead: readonly number[];
  /** The journal's recovery closed it at a restart (a kill landed inside it). */
  readonly recovered: boolean;
}

export function readJournal201(stateDir: string): Journal201Session[] {
  const db = new Database(join(stateDir, 'journal.db'), { readonly: true });
  try {
    const sessions = db
      .prepare('SELECT id, tx_uid AS txId, meter_start_wh AS start, meter_stop_wh AS stop, tx_next_seq_no AS events, recovered FROM sessions ORDER BY id')
      .all() as { id: number; txId: string; start: number; stop: number | null; events: number; recovered: number }[];
    const dead = db.prepare("SELECT session_id AS sessionId, tx_seq_no AS seqNo FROM outbox WHERE state = 'dead' AND session_id IS NOT NULL").all() as { sessionId: number; seqNo: number | null }[];
    return sessions.map((s) => ({
      ...s,
      recovered: s.recovered !== 0,
      dead: dead.filter((d) => d.sessionId === s.id && d.seqNo !== null).map((d) => d.seqNo as number),
    }));
  } finally {
    db.close();
  }
}

export interface Crash201Figures {
  readonly lostNotJournaled: number;
  readonly lostNoStarted: number;
  readonly lostNoEnded: number;
  /** Started events beyond the first distinct one of a transaction (a second Started: the CSMS opens it twice). */
  readonly doubleStarted: number;
  readonly doubleEnded: number;
  /** seqNos the journal numbered (and did not set aside) that never reached the CSMS. */
  readonly seqNoGaps: number;
  /** seqNos that reached the CSMS carrying two different events, or a number the journal never gave. */
  readonly seqNoRepeats: number;
  /** Events whose first delivery came after a higher seqNo of the same transaction. */
  readonly outOfOrder: number;
  /** transactionIds at the CSMS that no journal session has (a restart that made up a new id would show here). */
  readonly unknownTransactions: number;
  /** Recovered sessions (killed mid-transaction) whose Started and Ended both came under their own transactionId. */
  readonly recoveredContinued: number;
  /** The same event (transaction, seqNo, content) answered again: at-least-once re-sends. */
  readonly resent: number;
  /**
   * Re-sends explained by a restart: the copy came on another connection, after a kill from `backlogMs` before the
   * first copy's answer (the station was killed after sending; the loaded CSMS process answered its frame from the
   * socket buffer, so nothing could be committed) to `windowMs` after it (killed before it committed the delivery).
   */
  readonly resentInWindow: number;
  /** Re-sends outside that window, with the first kill after the answer (null: none before the copy). */
  readonly resentOutside: readonly {
    readonly transactionId: string;
    readonly seqNo: number;
    readonly sameConnection: boolean;
    readonly killAfterAnswerMs: number | null;
    readonly copyAfterMs: number;
  }[];
  /** Events the station flagged `offline` (info). */
  readonly offlineEvents: number;
  readonly whMismatch: number;
}

interface Event201 {
  readonly connection: number | undefined;
  readonly seqNo: number;
  readonly eventType: string;
  /** What makes two copies the same event (the `offline` flag is decided at send time, so it is left out). */
  readonly content: string;
  readonly registers: number[];
  readonly offline: boolean;
  readonly atMs: number;
}

/** The energy registers (Wh) of an event's meter values. */
function registersOf(params: Record<string, unknown>): number[] {
  const out: number[] = [];
  for (const mv of (params['meterValue'] as { sampledValue?: { value?: unknown; measurand?: string; unitOfMeasure?: { unit?: string; multiplier?: number } }[] }[] | undefined) ?? []) {
    for (const sv of mv.sampledValue ?? []) {
      if ((sv.measurand ?? 'Energy.Active.Import.Register') !== 'Energy.Active.Import.Register') continue;
      const unit = sv.unitOfMeasure?.unit ?? 'Wh';
      out.push(Number(sv.value) * (unit === 'kWh' ? 1000 : 1) * 10 ** (sv.unitOfMeasure?.multiplier ?? 0));
    }
  }
  return out;
}

/** Compares the journal, what the station printed (session id → meterStart) and the CSMS ledger of `identity`. */
export function compare201(
  sessions: readonly Journal201Session[],
  printed: ReadonlyMap<number, number>,
  ledger: readonly LedgerEntry[],
  identity: string,
  killTimes: readonly number[] = [],
  windowMs = 1000,
  backlogMs = 5000,
): Crash201Figures {
  const byTx = new Map<string, Event201[]>();
  let offlineEvents = 0;
  for (const e of ledger) {
    if (e.identity !== identity || e.method !== 'TransactionEvent') continue;
    const p = e.params;
    const info = p['transactionInfo'] as { transactionId?: unknown } | undefined;
    const tx = info?.transactionId;
    if (typeof tx !== 'string' || typeof p['seqNo'] !== 'number') continue;
    const offline = p['offline'] === true;
    if (offline) offlineEvents++;
    const registers = registersOf(p);
    const event: Event201 = {
      connection: e.connection,
      seqNo: p['seqNo'],
      eventType: String(p['eventType']),
      content: JSON.stringify([p['eventType'], p['timestamp'], p['triggerReason'], registers]),
      registers,
      offline,
      atMs: e.atMs,
    };
    byTx.set(tx, [...(byTx.get(tx) ?? []), event]);
  }
  const journaled = new Set(sessions.map((s) => s.id));
  const known = new Set(sessions.map((s) => s.txId));
  let lostNotJournaled = 0;
  for (const id of printed.keys()) if (!journaled.has(id)) lostNotJournaled++;
  let unknownTransactions = 0;
  for (const tx of byTx.keys()) if (!known.has(tx)) unknownTransactions++;
  const killBetween = (from: number, to: number): number | undefined => killTimes.filter((k) => k >= from && k <= to).sort((a, b) => a - b)[0];
  const resentOutside: { transactionId: string; seqNo: number; sameConnection: boolean; killAfterAnswerMs: number | null; copyAfterMs: number }[] = [];
  const f = { lostNoStarted: 0, lostNoEnded: 0, doubleStarted: 0, doubleEnded: 0, seqNoGaps: 0, seqNoRepeats: 0, outOfOrder: 0, recoveredContinued: 0, resent: 0, resentInWindow: 0, whMismatch: 0 };
  for (const s of sessions) {
    const events = byTx.get(s.txId) ?? [];
    // First copy of each seqNo, in arrival order; a later copy is a re-send (same content) or a repeat (other content).
    const first = new Map<number, Event201>();
    let highest = -1;
    for (const e of events) {
      const seen = first.get(e.seqNo);
      if (seen === undefined) {
        first.set(e.seqNo, e);
        if (e.seqNo < highest) f.outOfOrder++;
        highest = Math.max(highest, e.seqNo);
      } else if (seen.content === e.content) {
        f.resent++;
        const sameConnection = e.connection === seen.connection;
        const explaining = killBetween(seen.atMs - backlogMs, Math.min(seen.atMs + windowMs, e.atMs));
        if (!sameConnection && explaining !== undefined) f.resentInWindow++;
        else {
          const next = killBetween(seen.atMs, e.atMs);
          resentOutside.push({ transactionId: s.txId, seqNo: e.seqNo, sameConnection, killAfterAnswerMs: next === undefined ? null : next - seen.atMs, copyAfterMs: e.atMs - seen.atMs });
        }
      } else {
        f.seqNoRepeats++;
      }
    }
    const dead = new Set(s.dead);
    for (let n = 0; n < s.events; n++) if (!dead.has(n) && !first.has(n)) f.seqNoGaps++;
    for (const n of first.keys()) if (!Number.isInteger(n) || n < 0 || n >= s.events) f.seqNoRepeats++;
    const distinct = [...first.values()];
    const started = distinct.filter((e) => e.eventType === 'Started');
    const ended = distinct.filter((e) => e.eventType === 'Ended');
    if (started.length === 0) f.lostNoStarted++;
    if (ended.length === 0) f.lostNoEnded++;
    f.doubleStarted += Math.max(0, started.length - 1);
    f.doubleEnded += Math.max(0, ended.length - 1);
    if (s.recovered && started.length > 0 && ended.length > 0) f.recoveredContinued++;
    // The Started's register is the journal's meterStart, the Ended's its meterStop; an Updated reading lies between.
    // A Started or Ended without a register leaves the CSMS without that energy: the journal's value counts as missing.
    for (const e of started) f.whMismatch += e.registers.length === 0 ? s.start : Math.abs((e.registers[0] ?? 0) - s.start);
    for (const e of ended) f.whMismatch += e.registers.length === 0 || s.stop === null ? (s.stop ?? s.start) : Math.abs((e.registers[e.registers.length - 1] ?? 0) - s.stop);
    for (const e of distinct.filter((x) => x.eventType === 'Updated')) {
      for (const wh of e.registers) {
        if (wh < s.start) f.whMismatch += s.start - wh;
        else if (s.stop !== null && wh > s.stop) f.whMismatch += wh - s.stop;
      }
    }
  }
  return { lostNotJournaled, ...f, resentOutside, unknownTransactions, offlineEvents };
}
