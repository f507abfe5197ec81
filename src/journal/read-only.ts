import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { EvseError, EvseErrorCode } from '../errors.js';
import { oldestReadableSchemaVersion, refuseNewerSchema, schemaVersionOf } from './migrations.js';
import { journalPath, probeSchemaVersion } from './open.js';
import type { EventRow, JournalReader, SampleRow, SessionRangeOptions, SessionRow } from './ports.js';
import { JournalStore } from './store.js';

/** A journal opened read-only beside a running station, and how to let go of it. */
export interface ReadOnlyJournal {
  readonly reader: JournalReader;
  /** Whether SQLite opened the connection read-only (always, unless this module is broken). */
  readonly readonly: boolean;
  close(): void;
}

/**
 * Refuses a file this software cannot read as it is. A read-only connection never migrates: a file from newer software
 * is refused naming both versions (JournalTooNew), and one older than the read side understands (a file before its
 * first migration) is refused saying who migrates it. Every version in between is read as it is.
 */
export function requireReadableSchema(db: Database.Database, path: string): number {
  const version = schemaVersionOf(db);
  refuseNewerSchema(version, path);
  if (version < oldestReadableSchemaVersion) {
    throw new EvseError(
      EvseErrorCode.JournalUnavailable,
      `journal ${path} is schema version ${version}, older than this evse reads without migrating (${oldestReadableSchemaVersion}); only the station migrates it: start it once (evse run, or evse sim --state-dir ${dirname(path)}), then try again`,
    );
  }
  return version;
}

/**
 * The journal file of `stateDir` on a read-only SQLite connection, for the read-side commands (report, receipt,
 * export): no lock, no migration, no recovery, no write, so it runs beside a station that charges. Refuses a folder
 * without a journal (JournalUnavailable) and a file this software cannot read as it is (see requireReadableSchema).
 */
export function openReadOnlyDatabase(stateDir: string, options: { busyTimeoutMs?: number } = {}): Database.Database {
  const path = journalPath(stateDir);
  if (!existsSync(path)) {
    throw new EvseError(EvseErrorCode.JournalUnavailable, `no journal in ${stateDir} (looked for ${path})`);
  }
  // A file from newer software is refused before a connection creates anything beside it.
  const probed = probeSchemaVersion(path);
  if (probed !== null) refuseNewerSchema(probed, path);
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    // Waits for a commit of the station in progress instead of failing at once.
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    requireReadableSchema(db, path);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Opens the journal of `stateDir` read-only for the report and receipt commands (see openReadOnlyDatabase).
 * Synchronous reads on the caller's thread: meant for a command's own process.
 */
export function openReadOnlyJournal(stateDir: string, options: { busyTimeoutMs?: number } = {}): ReadOnlyJournal {
  const db = openReadOnlyDatabase(stateDir, options);
  const store = new JournalStore(db);
  const reader: JournalReader = {
    sessions: (range: { readonly fromMs: number; readonly toMs: number }, opts: SessionRangeOptions = {}): Promise<readonly SessionRow[]> =>
      Promise.resolve().then(() => store.sessions(range.fromMs, range.toMs, opts.overlapping === true)),
    session: (id: number): Promise<SessionRow | null> => Promise.resolve().then(() => store.session(id)),
    samples: (sessionId: number): Promise<readonly SampleRow[]> => Promise.resolve().then(() => store.samples(sessionId)),
    events: (sessionId: number): Promise<readonly EventRow[]> => Promise.resolve().then(() => store.events(sessionId)),
    saveCost: () =>
      Promise.reject(new EvseError(EvseErrorCode.InvariantViolated, 'the journal is open read-only: only the station stores costs')),
  };
  return { reader, readonly: db.readonly, close: () => db.close() };
}
