/**
 * SQLite result codes after which the journal cannot make facts durable: the station must raise its
 * journal-unavailable fault (no new session could be billed). Extended codes share these prefixes
 * (SQLITE_IOERR_FSYNC, SQLITE_READONLY_DBMOVED …).
 */
const unavailablePrefixes = ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CANTOPEN'];

/** The SQLite code of an error thrown by better-sqlite3 (SqliteError.code), or null for other errors. */
export function sqliteCodeOf(err: unknown): string | null {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('SQLITE_')) {
    return err.code;
  }
  return null;
}

/** True when `err` means the storage itself failed (disk full, I/O error, read-only, corrupt). */
export function isStorageFailure(err: unknown): boolean {
  const code = sqliteCodeOf(err);
  return code !== null && unavailablePrefixes.some((prefix) => code === prefix || code.startsWith(`${prefix}_`));
}
