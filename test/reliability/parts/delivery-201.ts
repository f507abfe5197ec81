/**
 * The delivery check of the journal-uplink parts over OCPP 2.0.1: what the journal queued (each session's rows with
 * their station-authored transactionId and seqNo) against the TransactionEvents the CSMS answered. Per transaction the
 * events must arrive in seqNo order, none lost, none twice, each the event its row is (Start → Started, Stop → Ended,
 * a reading → Updated), and the `offline` flag must be the link's state when the row was written wherever that state
 * is certain (the same before and after the commit; see WrittenRecord).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { LedgerEntry } from './csms-process.js';
import type { WrittenRecord } from './journal-uplink.js';

export interface Delivery201Figures {
  readonly queued: number;
  readonly lost: number;
  /** Answered more than once (extra copies). */
  readonly duplicated: number;
  /** Events whose first delivery came after a higher seqNo of their transaction. */
  readonly outOfOrder: number;
  /** Events of the wrong type for their row (a Started for a reading …). */
  readonly wrongEvent: number;
  /** Answered events that match no queued row (another transactionId, a seqNo never given). */
  readonly unexpected: number;
  readonly dead: number;
  /** Rows written while the link was certainly down whose event was not flagged offline. */
  readonly offlineMissing: number;
  /** Rows written while the link was certainly up (open, boot Accepted) whose event was flagged offline. */
  readonly offlineWrong: number;
  /** Rows whose link state was certain: down, up. */
  readonly certain: { readonly offline: number; readonly online: number };
}

interface Row {
  readonly seq: number;
  readonly kind: string;
  readonly sessionId: number;
  readonly seqNo: number;
  readonly txId: string;
  readonly state: string;
}

const eventOf = (kind: string): string => (kind === 'StartTransaction' ? 'Started' : kind === 'StopTransaction' ? 'Ended' : 'Updated');

export function compareDelivery201(stateDir: string, ledger: readonly LedgerEntry[], identity: string, written: readonly WrittenRecord[] = []): Delivery201Figures {
  const db = new Database(join(stateDir, 'journal.db'), { readonly: true });
  let rows: Row[];
  try {
    rows = db
      .prepare(
        `SELECT o.seq, o.kind, o.session_id AS sessionId, o.tx_seq_no AS seqNo, s.tx_uid AS txId, o.state
         FROM outbox o JOIN sessions s ON s.id = o.session_id ORDER BY o.seq`,
      )
      .all() as Row[];
  } finally {
    db.close();
  }
  const byKey = new Map(rows.map((r) => [`${r.txId}|${r.seqNo}`, r]));
  const hits = new Map<number, number>();
  const flagged = new Map<number, boolean>();
  const highest = new Map<string, number>();
  let unexpected = 0;
  let wrongEvent = 0;
  let outOfOrder = 0;
  for (const e of ledger) {
    if (e.identity !== identity || e.method !== 'TransactionEvent') continue;
    const tx = (e.params['transactionInfo'] as { transactionId?: unknown } | undefined)?.transactionId;
    const row = byKey.get(`${String(tx)}|${String(e.params['seqNo'])}`);
    if (!row) {
      unexpected++;
      continue;
    }
    const n = (hits.get(row.seq) ?? 0) + 1;
    hits.set(row.seq, n);
    if (n > 1) continue;
    if (e.params['eventType'] !== eventOf(row.kind)) wrongEvent++;
    flagged.set(row.seq, e.params['offline'] === true);
    if (row.seqNo < (highest.get(row.txId) ?? -1)) outOfOrder++;
    highest.set(row.txId, Math.max(row.seqNo, highest.get(row.txId) ?? -1));
  }
  let lost = 0;
  let duplicated = 0;
  for (const r of rows) {
    const n = hits.get(r.seq) ?? 0;
    if (n === 0 && r.state !== 'dead') lost++;
    else duplicated += Math.max(0, n - 1);
  }
  // The records of a session were written in the order of its rows (Start, readings, Stop): pair them up.
  let offlineMissing = 0;
  let offlineWrong = 0;
  const certain = { offline: 0, online: 0 };
  for (const sessionId of new Set(written.map((w) => w.sessionId))) {
    const mine = written.filter((w) => w.sessionId === sessionId);
    const sessionRows = rows.filter((r) => r.sessionId === sessionId);
    mine.forEach((w, i) => {
      const row = sessionRows[i];
      if (row === undefined || row.kind !== w.kind || w.before !== w.after) return;
      const offline = flagged.get(row.seq);
      if (offline === undefined) return; // lost: counted above
      if (w.before) {
        certain.online++;
        if (offline) offlineWrong++;
      } else {
        certain.offline++;
        if (!offline) offlineMissing++;
      }
    });
  }
  return { queued: rows.length, lost, duplicated, outOfOrder, wrongEvent, unexpected, dead: rows.filter((r) => r.state === 'dead').length, offlineMissing, offlineWrong, certain };
}
