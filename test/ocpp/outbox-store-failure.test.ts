import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { journalPath } from '../../src/journal/open.js';
import { answeredCalls } from './support/ledger.js';
import { JournalRig } from './support/journal-rig.js';
import { sleep } from './support/harness.js';

/**
 * Issue 12 (1a): the outbox sender never stops for good. A journal that rejects a call (here: another writer holds
 * the database lock beyond the journal's busy timeout, so the commit of a delivery fails with SQLITE_BUSY) makes the
 * sender back off, log and raise an alert, and go on once the journal serves again. Real SQLite journal, bench CSMS.
 */
describe('outbox sender survives journal failures (real journal, bench CSMS)', function () {
  this.timeout(30_000);
  let rig: JournalRig;
  afterEach(async () => {
    await rig.close();
  });

  it('a delivery the journal cannot commit is retried with back-off (never resent to the CSMS); an alert, then delivery resumes', async () => {
    rig = await JournalRig.create({
      journal: { busyTimeoutMs: 20 },
      client: { outboxStoreRetry: { initialMs: 50, maxMs: 400 } },
    });
    await rig.waitRegistered();
    await rig.waitDrained();
    const sessionId = await rig.startSession('TAG-LOCK', 2000);
    // Another writer takes the lock right after the Start was journaled: the CSMS answers, the commit cannot happen.
    const blocker = new Database(journalPath(rig.dir));
    blocker.exec('BEGIN IMMEDIATE');
    let released = false;
    try {
      await rig.csms.waitFor((ms) => answeredCalls(ms, 'StartTransaction').length === 1, 5000, 'the Start answered');
      await sleep(1500); // several back-offs (50 → 400 ms) with the lock still held
      assert.equal(rig.csms.callsOf('StartTransaction').length, 1, 'answered once: never resent while its answer waits for the journal');
      blocker.exec('COMMIT');
      released = true;
    } finally {
      if (!released) blocker.exec('ROLLBACK');
      blocker.close();
    }
    await rig.stopSession(sessionId, 2500);
    await rig.waitDrained();
    assert.deepEqual(rig.storeFailures.map((f) => f.lane), ['transaction'], 'reported once per outage');
    assert.equal(rig.storeRecoveries.length, 1);

    const start = answeredCalls(rig.csms.messages, 'StartTransaction');
    const stop = answeredCalls(rig.csms.messages, 'StopTransaction');
    assert.equal(start.length, 1);
    assert.equal(rig.csms.callsOf('StartTransaction').length, 1);
    assert.equal(stop.length, 1);
    assert.equal(stop[0]?.params['transactionId'], start[0]?.result['transactionId'], 'the Stop carries the id the Start got');
    assert.equal((await rig.journal.session(sessionId))?.csmsTransactionId, start[0]?.result['transactionId']);
    const alerts = await rig.outboxAlerts();
    assert.deepEqual(alerts.map((a) => [a.code, a.severity]), [
      ['outbox-store-failed', 'critical'],
      ['outbox-store-recovered', 'info'],
    ]);
    assert.match(alerts[0]?.message ?? '', /transaction outbox lane/);
    assert.ok((rig.storeRecoveries[0]?.failures ?? 0) >= 3, 'it kept trying during the outage');
  });
});
