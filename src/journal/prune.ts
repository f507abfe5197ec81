import type { JournalStore } from './store.js';
import type { PruneReport } from './types.js';

/**
 * Pruning in steps. Each step is one short transaction and, in the station, its own journal-worker request: a session
 * start or a sample commit posted while a prune runs is served between two steps, never behind the whole prune. A
 * year of samples past retention is millions of rows; one transaction over them held the journal for seconds.
 */

/** Rows a retention step looks at (by rowid window), and at most deletes. */
const retentionWindowRows = 2000;
/** Rows deleted per step while enforcing the disk budget. */
const budgetChunkRows = 250;
/** Free pages returned to the file system per step. */
const vacuumChunkPages = 1024;

/**
 * A row's session is settled when it is stopped and every outbox message of it was delivered. Only then (or for
 * rows of no session) may its samples and events go: undelivered data is never pruned.
 */
const settledSession = `(session_id IS NULL OR session_id IN (
  SELECT s.id FROM sessions s WHERE s.stop_at IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.session_id = s.id AND o.state <> 'delivered')))`;

/**
 * An alert may go once it is closed and every delivery channel's cursor is past it (a channel that is down keeps what
 * it has not sent). Its time is its last repeat. A channel taken out of the config keeps its cursor, and so holds
 * alerts after it: they then go by the disk budget's rules (never), which the journal report shows as its size.
 */
const settledAlert = `state = 'closed' AND id <= COALESCE((SELECT min(cursor) FROM alert_channels), id)`;

/** The retention tables, in the order their steps run, with their key and time columns and what may go. */
const retentionTables = [
  { phase: 'samples', table: 'samples', key: 'id', at: 'at', eligible: settledSession },
  { phase: 'events', table: 'session_events', key: 'id', at: 'at', eligible: settledSession },
  { phase: 'outbox', table: 'outbox', key: 'seq', at: 'created_at', eligible: `state = 'delivered'` },
  { phase: 'alerts', table: 'alerts', key: 'id', at: 'last_at', eligible: settledAlert },
  // The operator's action log: an audit trail, kept as long as the samples and no longer.
  { phase: 'operatorActions', table: 'operator_actions', key: 'id', at: 'at', eligible: '1' },
] as const;

export type PrunePhase = (typeof retentionTables)[number]['phase'] | 'budget' | 'vacuum' | 'done';

/**
 * Where a prune stands between two steps. Plain data: it crosses the worker boundary, so the prune's progress lives
 * with the caller and the worker keeps no state between requests.
 */
export interface PruneCursor {
  readonly phase: PrunePhase;
  readonly cutoffMs: number;
  readonly budgetBytes: number;
  /** Retention phases: the last key looked at in the current table. */
  readonly afterKey: number;
  readonly samples: number;
  readonly events: number;
  readonly outbox: number;
  readonly alerts: number;
  readonly operatorActions: number;
  readonly bytesBefore: number;
  /** Set when the phase is 'done'. */
  readonly bytesAfter: number;
  readonly overBudget: boolean;
}

/** Bytes of pages in use (free pages are reused before the file grows). */
export function liveBytes(store: JournalStore): number {
  const pageSize = store.db.pragma('page_size', { simple: true }) as number;
  const pages = store.db.pragma('page_count', { simple: true }) as number;
  const free = store.db.pragma('freelist_count', { simple: true }) as number;
  return (pages - free) * pageSize;
}

/** The first step's cursor. */
export function startPrune(store: JournalStore, nowMs: number, retentionMs: number, budgetBytes: number): PruneCursor {
  const bytesBefore = liveBytes(store);
  return {
    phase: 'samples',
    cutoffMs: nowMs - retentionMs,
    budgetBytes,
    afterKey: 0,
    samples: 0,
    events: 0,
    outbox: 0,
    alerts: 0,
    operatorActions: 0,
    bytesBefore,
    bytesAfter: bytesBefore,
    overBudget: false,
  };
}

function nextPhase(phase: PrunePhase): PrunePhase {
  switch (phase) {
    case 'samples':
      return 'events';
    case 'events':
      return 'outbox';
    case 'outbox':
      return 'alerts';
    case 'alerts':
      return 'operatorActions';
    case 'operatorActions':
      return 'budget';
    case 'budget':
      return 'vacuum';
    default:
      return 'done';
  }
}

/** Adds `removed` rows to the counter of `phase`'s table. */
function counted(cursor: PruneCursor, table: (typeof retentionTables)[number]['phase'], removed: number): PruneCursor {
  return { ...cursor, [table]: cursor[table] + removed };
}

/**
 * Retention, one window of at most {@link retentionWindowRows} keys after `afterKey`: deletes what is eligible and older
 * than the cutoff. The tables grow in time order, so the scan ends at the first window with nothing older than the
 * cutoff; a row a clock jump left behind it goes by the disk budget.
 */
function retentionStep(store: JournalStore, cursor: PruneCursor, spec: (typeof retentionTables)[number]): PruneCursor {
  const { table, key, at, eligible } = spec;
  const window = store
    .sql(`SELECT max(${key}) AS last, min(${at}) AS oldest FROM (SELECT ${key}, ${at} FROM ${table} WHERE ${key} > ? ORDER BY ${key} LIMIT ?)`)
    .get(cursor.afterKey, retentionWindowRows) as { last: number | null; oldest: number | null };
  if (window.last === null || window.oldest === null || window.oldest >= cursor.cutoffMs) {
    return { ...cursor, phase: nextPhase(cursor.phase), afterKey: 0 };
  }
  const last = window.last;
  const removed = store.tx(
    () =>
      store.sql(`DELETE FROM ${table} WHERE ${key} > ? AND ${key} <= ? AND ${at} < ? AND ${eligible}`).run(cursor.afterKey, last, cursor.cutoffMs)
        .changes,
  );
  return { ...counted(cursor, spec.phase, removed), afterKey: last };
}

/** Disk budget, one chunk: the oldest settled samples, else events, else delivered outbox rows. */
function budgetStep(store: JournalStore, cursor: PruneCursor): PruneCursor {
  if (liveBytes(store) <= cursor.budgetBytes) return { ...cursor, phase: 'vacuum' };
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
  const next = { ...cursor, samples: cursor.samples + removed.s, events: cursor.events + removed.e, outbox: cursor.outbox + removed.o };
  // Only undelivered data is left: stop, and say so.
  if (removed.s + removed.e + removed.o === 0) return { ...next, phase: 'vacuum', overBudget: true };
  return next;
}

/** Returns freed pages to the file system, a bounded number per step. */
function vacuumStep(store: JournalStore, cursor: PruneCursor): PruneCursor {
  const free = store.db.pragma('freelist_count', { simple: true }) as number;
  if (cursor.samples + cursor.events + cursor.outbox + cursor.alerts + cursor.operatorActions === 0 || free === 0) {
    return { ...cursor, phase: 'done', bytesAfter: liveBytes(store) };
  }
  store.db.pragma(`incremental_vacuum(${vacuumChunkPages})`);
  // A file made without auto_vacuum cannot give pages back: stop rather than loop.
  if ((store.db.pragma('freelist_count', { simple: true }) as number) >= free) {
    return { ...cursor, phase: 'done', bytesAfter: liveBytes(store) };
  }
  return cursor;
}

/** One bounded step of a prune: returns the cursor of the next one ('done' when the prune is over). */
export function pruneStep(store: JournalStore, cursor: PruneCursor): PruneCursor {
  switch (cursor.phase) {
    case 'samples':
    case 'events':
    case 'outbox':
    case 'alerts':
    case 'operatorActions': {
      const phase = cursor.phase;
      const spec = retentionTables.find((t) => t.phase === phase);
      if (spec === undefined) throw new Error(`unreachable: no retention table for ${phase}`);
      return retentionStep(store, cursor, spec);
    }
    case 'budget':
      return budgetStep(store, cursor);
    case 'vacuum':
      return vacuumStep(store, cursor);
    case 'done':
      return cursor;
  }
}

/** What a finished prune did. */
export function pruneReport(cursor: PruneCursor): PruneReport {
  const { samples, events, outbox, alerts, operatorActions, bytesBefore, bytesAfter, overBudget } = cursor;
  return { samples, events, outbox, alerts, operatorActions, bytesBefore, bytesAfter, overBudget };
}

/**
 * Retention and disk budget, all steps at once on the caller's thread (tools and tests; the station goes step by step
 * through the worker). First, delivered samples, events and outbox rows, closed and delivered alerts and the operator's
 * actions older than `retentionMs` go; then, while the
 * live size is above `budgetBytes`, the oldest delivered data goes in chunks (samples, then events, then delivered
 * outbox rows). Sessions themselves (the billing records) are kept. Freed pages return to the file system.
 */
export function prune(store: JournalStore, nowMs: number, retentionMs: number, budgetBytes: number): PruneReport {
  let cursor = startPrune(store, nowMs, retentionMs, budgetBytes);
  while (cursor.phase !== 'done') cursor = pruneStep(store, cursor);
  return pruneReport(cursor);
}
