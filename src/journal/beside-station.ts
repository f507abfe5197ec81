import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { EvseError, EvseErrorCode } from '../errors.js';
import { knownSchemaVersion, refuseNewerSchema, schemaVersionOf } from './migrations.js';
import { journalPath, probeSchemaVersion } from './open.js';
import { JournalStore } from './store.js';

/**
 * Refuses a file whose schema is not exactly the one this software writes: a newer one names both versions
 * (JournalTooNew), an older one says who migrates it (JournalUnavailable). Writing beside the station never migrates.
 */
function requireWritableSchema(version: number, path: string): void {
  refuseNewerSchema(version, path);
  const known = knownSchemaVersion();
  if (version !== known) {
    throw new EvseError(
      EvseErrorCode.JournalUnavailable,
      `journal ${path} is schema version ${version}, this evse writes version ${known}; only the station migrates it: start it once (evse run, or evse sim --state-dir ${dirname(path)}), then try again`,
    );
  }
}

/**
 * The journal of `stateDir` on a read-write connection of its own, for the few small writes a person makes while
 * the station runs (`evse alerts ack|close`): no state lock, no migration, no recovery, no change to the file's
 * settings. SQLite's own locking keeps it and the station apart: `busyTimeoutMs` waits for a commit of the station in
 * progress, and every write of the store is a BEGIN IMMEDIATE transaction (store/db.ts). Refuses a folder without a
 * journal and a file of another schema version.
 */
export function openJournalBesideStation(stateDir: string, options: { busyTimeoutMs?: number } = {}): JournalStore {
  const path = journalPath(stateDir);
  if (!existsSync(path)) {
    throw new EvseError(EvseErrorCode.JournalUnavailable, `no journal in ${stateDir} (looked for ${path})`);
  }
  // Refused before a connection creates anything beside the file.
  const probed = probeSchemaVersion(path);
  if (probed !== null) requireWritableSchema(probed, path);
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    db.pragma('foreign_keys = ON');
    requireWritableSchema(schemaVersionOf(db), path);
  } catch (err) {
    db.close();
    throw err;
  }
  return new JournalStore(db);
}
