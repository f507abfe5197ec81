import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { SynchronousLevel } from './defaults.js';
import { migrate, refuseNewerSchema, schemaVersionOf } from './migrations.js';
import { sqliteCodeOf } from './sqlite-errors.js';
import { JournalStore } from './store.js';
import type { OpenReport } from './types.js';

export const journalFileName = 'journal.db';

export interface StoreOpenOptions {
  readonly stateDir: string;
  readonly synchronous: SynchronousLevel;
  readonly busyTimeoutMs: number;
  readonly commitDelayMs: number;
  /** Tests only: caps the file at this many pages, so a full disk (SQLITE_FULL) can be provoked. */
  readonly maxPageCount?: number;
  /** Wall time of the boot, for the name of a corrupt file moved aside and its alert. */
  readonly nowMs: number;
}

/** The path of the journal file in a state directory. */
export function journalPath(stateDir: string): string {
  return join(stateDir, journalFileName);
}

/**
 * `PRAGMA quick_check` of an existing file: null when it is sound, else what is wrong. Only a damaged file is
 * reported here; an I/O or permission error is thrown, since moving the file aside would not help.
 */
export function integrityProblem(path: string): string | null {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true });
    const rows = db.pragma('quick_check') as { quick_check: string }[];
    const problems = rows.map((r) => r.quick_check).filter((text) => text !== 'ok');
    return problems.length === 0 ? null : problems.slice(0, 5).join('; ');
  } catch (err) {
    const code = sqliteCodeOf(err);
    if (code !== null && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) {
      return `${code}: ${(err as Error).message}`;
    }
    throw err;
  } finally {
    db?.close();
  }
}

/** The first 16 bytes of every SQLite database file. */
const sqliteMagic = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * The schema version (`PRAGMA user_version`) of an existing file, read before anything else touches it (integrity
 * check, moving aside, connection settings, migrations); null when it is not readable as a database (the integrity
 * check then decides what it is). Without a -wal file the main file is the whole database, and the version is read
 * from its header (4 bytes, big-endian, at offset 60) without opening SQLite at all, so not even a -wal or -shm file
 * is created beside a file that is then refused. With one, a read-only connection reads what the log holds.
 */
export function probeSchemaVersion(path: string): number | null {
  if (!existsSync(`${path}-wal`)) {
    const header = Buffer.alloc(100);
    const fd = openSync(path, 'r');
    let length: number;
    try {
      length = readSync(fd, header, 0, header.length, 0);
    } finally {
      closeSync(fd);
    }
    if (length === 0) return 0; // an empty file is a new database to SQLite
    if (length < header.length || !header.subarray(0, sqliteMagic.length).equals(sqliteMagic)) return null;
    return header.readInt32BE(60);
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    return schemaVersionOf(db);
  } catch (err) {
    const code = sqliteCodeOf(err);
    if (code !== null && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) return null;
    throw err;
  } finally {
    db?.close();
  }
}

/** File-name-safe UTC stamp, e.g. 2026-11-21T19-31-01-000Z. */
function fileStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, '-');
}

/** Moves a damaged journal (and its -wal / -shm companions) aside, never deleting it. Returns the new path. */
function moveAside(path: string, nowMs: number): string {
  let target = `${path}.corrupt-${fileStamp(nowMs)}`;
  for (let n = 2; existsSync(target); n++) target = `${path}.corrupt-${fileStamp(nowMs)}-${n}`;
  renameSync(path, target);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix);
  }
  return target;
}

/** Applies the connection settings every journal connection uses. */
export function configureConnection(
  db: Database.Database,
  options: Pick<StoreOpenOptions, 'synchronous' | 'busyTimeoutMs' | 'maxPageCount'>,
): void {
  db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`);
  // Takes effect only on a new, empty file (before WAL and the first table): lets prune() return pages to the disk.
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous}`);
  db.pragma('foreign_keys = ON');
  if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.trunc(options.maxPageCount)}`);
}

/**
 * Opens (creating when needed) the journal of a state directory: a file from newer software refused (EvseError
 * JournalTooNew) before anything touches it, integrity check of an existing file, a damaged one moved aside with a
 * critical alert in the new journal naming where it went, connection settings, migrations.
 */
export function openStore(options: StoreOpenOptions): { store: JournalStore; report: OpenReport } {
  mkdirSync(options.stateDir, { recursive: true });
  const path = journalPath(options.stateDir);
  let corruptMovedTo: string | null = null;
  let problem: string | null = null;
  if (existsSync(path)) {
    // A file from newer software is refused as it is: not checked, not moved aside, not configured, not migrated.
    const version = probeSchemaVersion(path);
    if (version !== null) refuseNewerSchema(version, path);
    problem = integrityProblem(path);
    if (problem !== null) corruptMovedTo = moveAside(path, options.nowMs);
  }
  const db = new Database(path);
  try {
    configureConnection(db, options);
    const schemaVersion = migrate(db, path);
    const store = new JournalStore(db, options.commitDelayMs);
    if (corruptMovedTo !== null) {
      store.raiseAlert(
        {
          severity: 'critical',
          code: 'journal-corrupt',
          message: `The journal failed its integrity check and was moved to ${corruptMovedTo}; a new journal was started.`,
          detail: { movedTo: corruptMovedTo, problem },
        },
        options.nowMs,
      );
    }
    return { store, report: { path, corruptMovedTo, schemaVersion } };
  } catch (err) {
    db.close();
    throw err;
  }
}
