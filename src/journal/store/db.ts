/**
 * The one shared part of the store: the connection, its cached prepared statements and the transaction wrapper that
 * every write goes through. Each kind of record (sessions, outbox, settings, alerts, clock, reads) has its own file
 * and uses only this.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { AlertInput } from '../types.js';
import { insertAlert } from './alerts.js';

/** Blocks the current thread, as a slow fsync would (benchmarks and tests emulate a worn SD card with it). */
function holdThread(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** An alert the failed storage could not take: written with the next successful commit. */
export interface UnwrittenAlert {
  readonly at: number;
  readonly alert: AlertInput;
}

export class StoreDb {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  /** Alerts that could not be written because the storage failed; written with the next successful commit. */
  readonly unwrittenAlerts: UnwrittenAlert[] = [];
  /** One wrapper for every transaction (better-sqlite3 builds BEGIN/COMMIT statements per wrapper). */
  private readonly runInTransaction: BetterSqlite3.Transaction<(fn: () => unknown) => unknown>;

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
      // IMMEDIATE: the write lock is taken (waiting the busy timeout) before anything is read, so a commit of another
      // writer in between (`evse alerts ack` beside the station) cannot fail a read-then-write with SQLITE_BUSY.
      return this.runInTransaction.immediate(() => {
        for (const { at, alert } of carried) insertAlert(this, alert, at);
        const result = fn();
        holdThread(this.commitDelayMs);
        return result;
      }) as T;
    } catch (err) {
      this.unwrittenAlerts.unshift(...carried);
      throw err;
    }
  }
}
