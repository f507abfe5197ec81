import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { openJournal } from '../../src/journal/journal.js';
import { integrityProblem, journalPath } from '../../src/journal/open.js';
import { manualClock, openTestStore, sampleAt, sessionStart, tempStateDir } from './support/helpers.js';

const bootAt = Date.UTC(2026, 2, 1, 6, 30, 0);

describe('journal integrity at boot', function () {
  let state: ReturnType<typeof tempStateDir>;
  beforeEach(function () {
    state = tempStateDir();
  });
  afterEach(function () {
    state.cleanup();
  });

  /** A journal with a few thousand rows, checkpointed into the main file and closed. */
  function healthyJournal(): void {
    const store = openTestStore(state.dir);
    const id = store.startSession(sessionStart(bootAt - 3_600_000, 0), bootAt);
    for (let i = 1; i <= 2_000; i++) store.recordSample(id, sampleAt(i, bootAt - 3_600_000 + i * 1000));
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
  }

  it('keeps a sound file as it is', function () {
    healthyJournal();
    assert.equal(integrityProblem(journalPath(state.dir)), null);
  });

  it('moves a file that is not a database aside (never deletes it), starts a new journal and raises a critical alert naming the old path', async function () {
    const path = journalPath(state.dir);
    writeFileSync(path, Buffer.alloc(8192, 0x5a));
    const original = readFileSync(path);
    const journal = await openJournal({ stateDir: state.dir, clock: manualClock(bootAt) });
    const movedTo = join(state.dir, 'journal.db.corrupt-2026-03-01T06-30-00-000Z');
    assert.equal(journal.openReport.corruptMovedTo, movedTo);
    assert.deepEqual(readFileSync(movedTo), original, 'the damaged file is kept byte for byte');
    const alerts = await journal.alerts();
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]?.severity, 'critical');
    assert.equal(alerts[0]?.code, 'journal-corrupt');
    assert.ok(alerts[0]?.message.includes(movedTo), alerts[0]?.message);
    assert.equal(await journal.depth(), 0);
    const id = await journal.startSession(sessionStart(bootAt, 10));
    assert.equal(id, 1, 'a fresh journal');
    await journal.close();
  });

  it('detects damaged pages with quick_check and moves the file aside', function () {
    healthyJournal();
    const path = journalPath(state.dir);
    const pageSize = 4096;
    // Overwrite pages in the middle of the samples table with garbage, as a failing SD card would.
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(pageSize * 3, 0xa5), 0, pageSize * 3, pageSize * 12);
    closeSync(fd);
    assert.notEqual(integrityProblem(path), null);

    const store = openTestStore(state.dir, bootAt);
    const moved = readdirSync(state.dir).filter((f) => f.startsWith('journal.db.corrupt-'));
    assert.deepEqual(moved, ['journal.db.corrupt-2026-03-01T06-30-00-000Z']);
    assert.equal(store.alerts()[0]?.code, 'journal-corrupt');
    assert.equal(store.lastMeterWh(), null);
    store.close();
    assert.ok(existsSync(path));
    new Database(path).close();
  });

  it('never overwrites an earlier moved-aside file', function () {
    for (let round = 0; round < 2; round++) {
      writeFileSync(journalPath(state.dir), `not a database ${round}`.padEnd(4096, '!'));
      openTestStore(state.dir, bootAt).close();
    }
    const moved = readdirSync(state.dir).filter((f) => f.startsWith('journal.db.corrupt-')).sort();
    assert.deepEqual(moved, ['journal.db.corrupt-2026-03-01T06-30-00-000Z', 'journal.db.corrupt-2026-03-01T06-30-00-000Z-2']);
  });
});
