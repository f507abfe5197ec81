import type { JournalStore } from './store.js';
import type { PruneReport } from './types.js';

/** Rows deleted per transaction while enforcing the disk budget: short commits, the uplink is never held long. */
const budgetChunkRows = 250;

/**
 * A row's session is settled when it is stopped and every outbox message of it was delivered. Only then (or for
 * rows of no session) may its samples and events go: undelivered data is never pruned.
 */
const settledSession = `(session_id IS NULL OR session_id IN (
  SELECT s.id FROM sessions s WHERE s.stop_at IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.session_id = s.id AND o.state <> 'delivered')))`;

/** Bytes of pages in use (free pages are reused before the file grows). */
export function liveBytes(store: JournalStore): number {
  const pageSize = store.db.pragma('page_size', { simple: true }) as number;
  const pages = store.db.pragma('page_count', { simple: true }) as number;
  const free = store.db.pragma('freelist_count', { simple: true }) as number;
  return (pages - free) * pageSize;
}

/**
 * Retention and disk budget. First, delivered samples, events and outbox rows older than `retentionMs` go; then,
 * while the live size is above `budgetBytes`, the oldest delivered data goes in chunks (samples, then events, then
 * delivered outbox rows). Sessions themselves (the billing records) are kept. Freed pages return to the file system.
 */
export function prune(store: JournalStore, nowMs: number, retentionMs: number, budgetBytes: number): PruneReport {
  const bytesBefore = liveBytes(store);
  const cutoff = nowMs - retentionMs;
  let samples = 0;
  let events = 0;
  let outbox = 0;
  store.tx(() => {
    samples += store.sql(`DELETE FROM samples WHERE at < ? AND ${settledSession}`).run(cutoff).changes;
    events += store.sql(`DELETE FROM session_events WHERE at < ? AND ${settledSession}`).run(cutoff).changes;
    outbox += store.sql(`DELETE FROM outbox WHERE state = 'delivered' AND created_at < ?`).run(cutoff).changes;
  });
  let overBudget = false;
  while (liveBytes(store) > budgetBytes) {
    const removed = store.tx(() => {
      const s = store
        .sql(`DELETE FROM samples WHERE id IN (SELECT id FROM samples WHERE ${settledSession} ORDER BY id LIMIT ?)`)
        .run(budgetChunkRows).changes;
      if (s > 0) return { s, e: 0, o: 0 };
      const e = store
        .sql(`DELETE FROM session_events WHERE id IN (SELECT id FROM session_events WHERE ${settledSession} ORDER BY id LIMIT ?)`)
        .run(budgetChunkRows).changes;
      if (e > 0) return { s: 0, e, o: 0 };
      const o = store
        .sql(`DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE state = 'delivered' ORDER BY seq LIMIT ?)`)
        .run(budgetChunkRows).changes;
      return { s: 0, e: 0, o };
    });
    samples += removed.s;
    events += removed.e;
    outbox += removed.o;
    if (removed.s + removed.e + removed.o === 0) {
      overBudget = true;
      break;
    }
  }
  if (samples + events + outbox > 0) store.db.pragma('incremental_vacuum');
  return { samples, events, outbox, bytesBefore, bytesAfter: liveBytes(store), overBudget };
}
