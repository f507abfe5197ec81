/**
 * What the in-process bench CSMS got of each OCPP 2.0.1 transaction in an `evse sim` run, for the summary, and what
 * is wrong with it: per transaction the seqNos must be 0, 1, 2 … without a gap, one number never carrying two
 * different events, with exactly one Started and one Ended. A copy of an event identical to one already answered is
 * an at-least-once re-send (an answer lost with the link), not a fault. A transaction continued from an earlier run on
 * the same --state-dir (no Started here, first seqNo above 0: its beginning went to that run's CSMS) is checked from
 * its first seqNo on.
 */

export interface DeliveredTransaction {
  readonly transactionId: string;
  /** Distinct events (seqNos) the CSMS answered. */
  readonly events: number;
  /** seqNos in the order they first arrived. */
  readonly seqNos: number[];
  /** seqNos of the events flagged `offline: true`. */
  readonly offlineSeqNos: number[];
  readonly started: number;
  readonly ended: number;
  /** Identical copies answered again (re-sends). */
  readonly resent: number;
  /** Begun in an earlier run (no Started, first seqNo above 0). */
  readonly continued: boolean;
  /** What is wrong with this transaction's events (empty when nothing). */
  readonly problems: string[];
}

interface EventFacts {
  readonly seqNo: number;
  readonly eventType: unknown;
  readonly content: string;
}

/** Groups TransactionEvent requests (CSMS side, arrival order) by transactionId and checks each transaction. */
export function deliveredTransactions(calls: readonly Record<string, unknown>[]): DeliveredTransaction[] {
  const byTx = new Map<string, { first: Map<number, EventFacts>; order: number[]; offline: Set<number>; resent: number; repeated: number[] }>();
  for (const p of calls) {
    const tx = (p['transactionInfo'] as { transactionId?: unknown } | undefined)?.transactionId;
    const seqNo = p['seqNo'];
    if (typeof tx !== 'string' || typeof seqNo !== 'number') continue;
    const entry = byTx.get(tx) ?? { first: new Map<number, EventFacts>(), order: [], offline: new Set<number>(), resent: 0, repeated: [] };
    byTx.set(tx, entry);
    // `offline` is decided when the event is sent: a re-send may differ in it and still be the same event.
    const content = JSON.stringify([p['eventType'], p['timestamp'], p['triggerReason'], p['meterValue'] ?? null]);
    const seen = entry.first.get(seqNo);
    if (seen === undefined) {
      entry.first.set(seqNo, { seqNo, eventType: p['eventType'], content });
      entry.order.push(seqNo);
      if (p['offline'] === true) entry.offline.add(seqNo);
    } else if (seen.content === content) {
      entry.resent++;
    } else {
      entry.repeated.push(seqNo);
    }
  }
  return [...byTx].map(([transactionId, e]) => {
    const events = [...e.first.values()];
    const started = events.filter((x) => x.eventType === 'Started').length;
    const ended = events.filter((x) => x.eventType === 'Ended').length;
    const problems: string[] = [];
    const sorted = [...e.order].sort((a, b) => a - b);
    const first = sorted[0] ?? 0;
    const continued = started === 0 && first > 0;
    const from = continued ? first : 0;
    if (sorted.some((n, i) => n !== from + i)) problems.push(`transaction ${transactionId}: seqNos ${sorted.join(',')} are not ${from}…${from + sorted.length - 1}`);
    if (e.order.some((n, i) => i > 0 && n < (e.order[i - 1] ?? 0))) problems.push(`transaction ${transactionId}: seqNos arrived out of order (${e.order.join(',')})`);
    if (e.repeated.length > 0) problems.push(`transaction ${transactionId}: seqNo ${e.repeated.join(',')} carried another event`);
    if (started !== (continued ? 0 : 1)) problems.push(`transaction ${transactionId}: ${started} Started events`);
    if (ended !== 1) problems.push(`transaction ${transactionId}: ${ended} Ended events`);
    return { transactionId, events: events.length, seqNos: e.order, offlineSeqNos: [...e.offline], started, ended, resent: e.resent, continued, problems };
  });
}
