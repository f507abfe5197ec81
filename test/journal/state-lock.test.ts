import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { EvseError, EvseErrorCode } from '../../src/errors.js';
import { openJournal } from '../../src/journal/journal.js';
import { journalPath } from '../../src/journal/open.js';
import { openReadOnlyJournal } from '../../src/journal/read-only.js';
import { lockStateDir, stateLockPath, StateDirLockedError } from '../../src/journal/state-lock.js';
import { requireTool } from '../support/tools.js';

describe('state directory lock (one writer per journal)', function () {
  let dir: string;
  before(function () {
    requireTool(this, 'flock', 'util-linux');
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'evse-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names the holder (pid and command) in journal.lock and refuses a second holder until released', () => {
    const first = lockStateDir(dir, 'evse run');
    assert.equal(readFileSync(stateLockPath(dir), 'utf8'), `${process.pid} evse run\n`);
    assert.throws(
      () => lockStateDir(dir, 'evse sim'),
      (err: unknown) =>
        err instanceof StateDirLockedError &&
        err.code === EvseErrorCode.StateDirLocked &&
        err.message === `another station (pid ${process.pid}, evse run) holds ${resolve(dir)}`,
    );
    first.release();
    first.release();
    const second = lockStateDir(dir, 'evse sim');
    assert.equal(readFileSync(stateLockPath(dir), 'utf8'), `${process.pid} evse sim\n`);
    second.release();
  });

  it('openJournal refuses a locked directory before it creates, migrates or recovers anything', async () => {
    const holder = lockStateDir(dir, 'evse run');
    await assert.rejects(openJournal({ stateDir: dir, holder: 'evse sim' }), (err: unknown) => err instanceof StateDirLockedError);
    assert.equal(existsSync(journalPath(dir)), false, 'the refused writer created no journal');
    holder.release();
    const journal = await openJournal({ stateDir: dir, holder: 'evse sim' });
    // The open journal holds the lock; closing it lets the next writer in.
    assert.throws(() => lockStateDir(dir, 'evse run'), StateDirLockedError);
    await journal.close();
    lockStateDir(dir, 'evse run').release();
  });

  it('openJournal with the caller\'s lock leaves it held after close (the daemon releases it last)', async () => {
    const lock = lockStateDir(dir, 'evse run');
    const journal = await openJournal({ stateDir: dir, lock });
    await journal.close();
    assert.throws(() => lockStateDir(dir, 'evse sim'), StateDirLockedError);
    lock.release();
    await assert.rejects(openJournal({ stateDir: join(dir, 'other'), lock }), /lock of another folder/);
  });

  it('the read side opens without the lock beside a writer, and refuses a journal that needs a migration', async () => {
    const journal = await openJournal({ stateDir: dir, holder: 'evse sim' });
    const id = await journal.startSession({ connectorId: 1, idTag: 'TAG', meterStartWh: 1000, startAtMs: Date.parse('2026-06-01T10:00:00Z'), plugInAtMs: Date.parse('2026-06-01T10:00:00Z'), authorizedAtMs: Date.parse('2026-06-01T10:00:00Z') });
    const readOnly = openReadOnlyJournal(dir);
    assert.equal((await readOnly.reader.session(id))?.meterStartWh, 1000);
    await assert.rejects(readOnly.reader.saveCost(id, {}), /read-only/);
    readOnly.close();
    await journal.close();

    const db = new Database(journalPath(dir));
    db.pragma('user_version = 0');
    db.close();
    assert.throws(() => openReadOnlyJournal(dir), (err: unknown) => err instanceof EvseError && err.code === EvseErrorCode.JournalUnavailable && /only the station migrates it: start it once/.test(err.message));
    const after = new Database(journalPath(dir), { readonly: true });
    assert.equal(after.pragma('user_version', { simple: true }), 0, 'the read side migrated nothing');
    after.close();
  });
});
