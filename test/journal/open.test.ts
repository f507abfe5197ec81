import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { EvseError, EvseErrorCode } from '../../src/errors.js';
import { migrate, migrations } from '../../src/journal/migrations.js';
import { journalPath, openStore } from '../../src/journal/open.js';
import { tempStateDir } from './support/helpers.js';

describe('journal file settings and migrations', function () {
  let state: ReturnType<typeof tempStateDir>;
  beforeEach(function () {
    state = tempStateDir();
  });
  afterEach(function () {
    state.cleanup();
  });

  const open = (synchronous: 'FULL' | 'NORMAL') =>
    openStore({ stateDir: `${state.dir}/nested/state`, synchronous, busyTimeoutMs: 2500, commitDelayMs: 0, nowMs: 0 });

  it('creates the state directory and opens WAL with the configured synchronous level and busy timeout', function () {
    const { store, report } = open('FULL');
    assert.equal(report.path, journalPath(`${state.dir}/nested/state`));
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(store.db.pragma('synchronous', { simple: true }), 2);
    assert.equal(store.db.pragma('busy_timeout', { simple: true }), 2500);
    assert.equal(store.db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(store.db.pragma('auto_vacuum', { simple: true }), 2, 'incremental, so prune() can give pages back');
    store.close();
    const normal = open('NORMAL');
    assert.equal(normal.store.db.pragma('synchronous', { simple: true }), 1);
    normal.store.close();
  });

  it('migrates by user_version once, and refuses a file from newer software', function () {
    const { store, report } = open('NORMAL');
    assert.equal(report.schemaVersion, migrations.length);
    assert.equal(store.db.pragma('user_version', { simple: true }), migrations.length);
    store.close();
    const db = new Database(journalPath(`${state.dir}/nested/state`));
    assert.equal(migrate(db), migrations.length, 'a second run changes nothing');
    db.pragma(`user_version = ${migrations.length + 1}`);
    assert.throws(
      () => migrate(db),
      (err: unknown) =>
        err instanceof EvseError &&
        err.code === EvseErrorCode.JournalTooNew &&
        err.message.includes(`is schema version ${migrations.length + 1}, this evse knows up to ${migrations.length}; refusing to downgrade it`),
    );
    assert.equal(db.pragma('user_version', { simple: true }), migrations.length + 1, 'left as it was');
    db.close();
  });
});
