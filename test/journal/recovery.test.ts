import assert from 'node:assert/strict';
import fc from 'fast-check';
import { openJournal } from '../../src/journal/journal.js';
import { implausibility, maxPlausiblePowerW, recoverOpenSessions } from '../../src/journal/recovery.js';
import { manualClock, openTestStore, sampleAt, sessionStart, tempStateDir } from './support/helpers.js';

const t0 = Date.UTC(2026, 0, 15, 8, 0, 0);

describe('journal boot recovery (store level)', function () {
  let state: ReturnType<typeof tempStateDir>;
  beforeEach(function () {
    state = tempStateDir();
  });
  afterEach(function () {
    state.cleanup();
  });

  /** A session that charged for 10 s (samples up to 1_010 Wh), then the power went. */
  function crashedMidSession(): { id: number; lastSampleAt: number } {
    const store = openTestStore(state.dir);
    const id = store.startSession(sessionStart(t0, 1_000), t0);
    for (let i = 1; i <= 10; i++) store.recordSample(id, sampleAt(1_000 + i, t0 + i * 1000));
    store.close();
    return { id, lastSampleAt: t0 + 10_000 };
  }

  it('closes a session found open with PowerLoss and the meter register when it is plausible', function () {
    const { id, lastSampleAt } = crashedMidSession();
    const store = openTestStore(state.dir);
    const report = recoverOpenSessions(store, 1_012, lastSampleAt + 60_000);
    assert.deepEqual(report.closed, [
      { sessionId: id, reason: 'PowerLoss', meterStopWh: 1_012, meterSource: 'meter', stopAtMs: lastSampleAt, stopSeq: 2 },
    ]);
    assert.equal(report.cleanShutdown, null);
    const stop = store.head();
    assert.equal(stop?.kind, 'StartTransaction');
    const session = store.session(id);
    assert.deepEqual([session?.stopReason, session?.meterStopWh], ['PowerLoss', 1_012]);
    assert.equal(store.alerts().at(-1)?.code, 'session-recovered');
    assert.equal(store.events(id).at(-1)?.kind, 'stopped');
    store.close();
  });

  it('falls back to the last journaled register when the meter cannot be read or reads implausibly', function () {
    const { id } = crashedMidSession();
    const store = openTestStore(state.dir);
    const report = recoverOpenSessions(store, 900, t0 + 20_000);
    assert.deepEqual([report.closed[0]?.meterStopWh, report.closed[0]?.meterSource], [1_010, 'journal']);
    assert.match(report.meterRejected ?? '', /below the last journaled register 1010 Wh/);
    assert.deepEqual(recoverOpenSessions(store, null, t0 + 30_000).closed, [], 'nothing is closed twice');
    assert.equal(store.session(id)?.meterStopWh, 1_010);
    store.close();
  });

  it('uses the kind of a clean shutdown journaled before the restart as the stop reason, once', function () {
    const { id } = crashedMidSession();
    let store = openTestStore(state.dir);
    store.noteCleanShutdown('SoftReset', t0 + 15_000);
    store.close();
    store = openTestStore(state.dir);
    const report = recoverOpenSessions(store, null, t0 + 40_000);
    assert.equal(report.cleanShutdown, 'SoftReset');
    assert.deepEqual([report.closed[0]?.reason, report.closed[0]?.stopAtMs], ['SoftReset', t0 + 15_000]);
    assert.equal(store.session(id)?.stopReason, 'SoftReset');
    const next = store.startSession(sessionStart(t0 + 50_000, 2_000), t0 + 50_000);
    const again = recoverOpenSessions(store, null, t0 + 60_000);
    assert.deepEqual([again.cleanShutdown, again.closed[0]?.reason], [null, 'PowerLoss'], 'the marker was consumed');
    assert.equal(store.session(next)?.stopReason, 'PowerLoss');
    store.close();
  });

  it('after an offline reboot delivers Start, samples and Stop of the interrupted session in order, exactly once', function () {
    let store = openTestStore(state.dir);
    const id = store.startSession(sessionStart(t0, 500), t0);
    for (let i = 1; i <= 3; i++) {
      store.recordSample(id, sampleAt(500 + i, t0 + i * 1000));
      store.enqueue('MeterValues', id, { importWh: 500 + i }, t0 + i * 1000);
    }
    store.close();
    // Reboot while the CSMS was unreachable: nothing was delivered yet.
    store = openTestStore(state.dir);
    recoverOpenSessions(store, 503, t0 + 90_000);
    store.close();
    store = openTestStore(state.dir);
    recoverOpenSessions(store, 503, t0 + 95_000);
    const sent: string[] = [];
    for (let m = store.head(); m; m = store.head()) {
      const transactionId = m.kind === 'StartTransaction' ? 31 : store.transactionIdFor(id);
      sent.push(`${m.kind}:${transactionId}`);
      store.markDelivered(m.seq, m.kind === 'StartTransaction' ? { transactionId: 31, raw: null } : { raw: null }, t0 + 100_000);
    }
    assert.deepEqual(sent, ['StartTransaction:31', 'MeterValues:31', 'MeterValues:31', 'MeterValues:31', 'StopTransaction:31']);
    store.close();
  });
});

describe('journal boot recovery (worker)', function () {
  it('reads the meter only when a session is open, and treats a failed read as "no reading"', async function () {
    const state = tempStateDir();
    const clock = manualClock(t0);
    try {
      let journal = await openJournal({ stateDir: state.dir, clock });
      let reads = 0;
      const empty = await journal.recover(() => {
        reads++;
        return Promise.resolve(1);
      });
      assert.deepEqual([empty.closed, reads], [[], 0]);
      const id = await journal.startSession(sessionStart(t0, 3_000));
      await journal.recordSample(id, sampleAt(3_004, t0 + 1000));
      await journal.noteCleanShutdown('Reboot');
      await journal.close();

      clock.advance(120_000);
      journal = await openJournal({ stateDir: state.dir, clock });
      const report = await journal.recover(() => Promise.reject(new Error('timeout')));
      assert.deepEqual(
        report.closed.map((c) => [c.sessionId, c.reason, c.meterStopWh, c.meterSource]),
        [[id, 'Reboot', 3_004, 'journal']],
      );
      assert.equal(report.pendingOutbox, 2);
      await journal.close();
    } finally {
      state.cleanup();
    }
  });
});

describe('meter plausibility at boot', function () {
  it('accepts exactly the registers between the journal and what the station could have drawn since', function () {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 7 * 86_400_000 }),
        fc.integer({ min: -1_000, max: 1_000_000 }),
        (lastWh, downMs, deltaWh) => {
          const reading = lastWh + deltaWh;
          const verdict = implausibility(reading, lastWh, t0, t0 + downMs);
          const ceiling = lastWh + Math.ceil((maxPlausiblePowerW * downMs) / 3_600_000) + 10;
          assert.equal(verdict === null, reading >= lastWh && reading <= ceiling);
        },
      ),
    );
    assert.match(implausibility(10.5, 10, t0, t0) ?? '', /not a whole register value/);
  });
});
