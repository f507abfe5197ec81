import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { EvseErrorCode, type EvseError } from '../../src/errors.js';
import { openJournal } from '../../src/journal/journal.js';
import { journalPath } from '../../src/journal/open.js';
import { isStorageFailure, sqliteCodeOf } from '../../src/journal/sqlite-errors.js';
import { manualClock, sampleAt, sessionStart, tempStateDir } from './support/helpers.js';

describe('journal storage failures', function () {
  it('a full disk (max_page_count) rejects commits as JournalUnavailable, fires onUnavailable once, blocks new sessions, raises an alert and loses nothing committed', async function () {
    const state = tempStateDir();
    const clock = manualClock();
    try {
      // Create the schema first, then reopen with the file capped just above its size.
      const setup = await openJournal({ stateDir: state.dir, clock });
      const id = await setup.startSession(sessionStart(clock.nowMs(), 1_000));
      await setup.close();
      const pages = new Database(journalPath(state.dir)).pragma('page_count', { simple: true }) as number;

      const journal = await openJournal({ stateDir: state.dir, clock, maxPageCount: pages + 3 });
      const failures: EvseError[] = [];
      journal.onUnavailable((err) => failures.push(err));
      let acknowledged = 0;
      let rejection: EvseError | undefined;
      for (let i = 1; i <= 2_000 && !rejection; i++) {
        clock.advance(1000);
        try {
          await journal.recordSample(id, { ...sampleAt(1_000 + i, clock.nowMs()), signedRecord: 'x'.repeat(400) });
          acknowledged++;
        } catch (err) {
          rejection = err as EvseError;
        }
      }
      assert.ok(rejection, 'the capped file must fill up');
      assert.equal(rejection.code, EvseErrorCode.JournalUnavailable);
      assert.match(rejection.message, /SQLITE_FULL/);
      assert.equal(journal.unavailable, true);
      await assert.rejects(journal.startSession({ ...sessionStart(clock.nowMs(), 5_000), connectorId: 2 }), /no new session/);
      await assert.rejects(journal.recordSample(id, { ...sampleAt(9_999, clock.nowMs()), signedRecord: 'x'.repeat(400) }), /SQLITE_FULL/);
      assert.equal(failures.length, 1, 'one notification per outage');
      const alerts = await journal.alerts();
      assert.ok(
        alerts.some((a) => a.code === 'journal-unavailable' && a.severity === 'critical'),
        'journal-unavailable alert raised (in the file, or held in memory until it fits)',
      );
      assert.equal((await journal.samples(id)).length, acknowledged, 'every acknowledged sample is there, no more');
      await journal.close();

      const reopened = await openJournal({ stateDir: state.dir, clock });
      assert.equal((await reopened.samples(id)).length, acknowledged);
      await reopened.close();
    } finally {
      state.cleanup();
    }
  });

  it('classifies real SQLite failures: read-only and full are storage failures, a constraint is not', function () {
    const state = tempStateDir();
    try {
      const path = journalPath(state.dir);
      const writer = new Database(path);
      writer.exec('CREATE TABLE t (v INTEGER NOT NULL)');
      writer.close();
      const reader = new Database(path, { readonly: true });
      const readOnly = captureError(() => reader.exec('INSERT INTO t VALUES (1)'));
      reader.close();
      assert.equal(sqliteCodeOf(readOnly), 'SQLITE_READONLY');
      assert.equal(isStorageFailure(readOnly), true);

      const capped = new Database(path);
      const pages = capped.pragma('page_count', { simple: true }) as number;
      capped.pragma(`max_page_count = ${pages}`);
      const full = captureError(() => capped.exec(`INSERT INTO t SELECT value FROM json_each('[${Array(5000).fill(1).join(',')}]')`));
      const constraint = captureError(() => capped.exec('INSERT INTO t VALUES (NULL)'));
      capped.close();
      assert.equal(sqliteCodeOf(full), 'SQLITE_FULL');
      assert.equal(isStorageFailure(full), true);
      assert.match(sqliteCodeOf(constraint) ?? '', /^SQLITE_CONSTRAINT/);
      assert.equal(isStorageFailure(constraint), false);
      assert.equal(isStorageFailure(new Error('plain')), false);
    } finally {
      state.cleanup();
    }
  });

  it('a worker that dies rejects the calls in flight as JournalUnavailable', async function () {
    const state = tempStateDir();
    try {
      const journal = await openJournal({ stateDir: state.dir, commitDelayMs: 2_000 });
      const failures: EvseError[] = [];
      journal.onUnavailable((err) => failures.push(err));
      const inFlight = journal.set('a', 'b', 1);
      // Reach the private worker only to kill it, as an out-of-memory abort would.
      await (journal as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      await assert.rejects(inFlight, (err: EvseError) => err.code === EvseErrorCode.JournalUnavailable);
      assert.equal(failures.length, 1);
      await assert.rejects(journal.depth(), /closed/);
    } finally {
      state.cleanup();
    }
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}
