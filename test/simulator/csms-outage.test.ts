import assert from 'node:assert/strict';
import sinon from 'sinon';
import { InvalidArgumentError } from 'commander';
import { systemClock } from '../../src/clock.js';
import { EvseError, EvseErrorCode } from '../../src/errors.js';
import { checkOutages, parseCsmsOutage, scheduleCsmsOutages } from '../../src/commands/sim/csms-outage.js';
import { deliveredTransactions } from '../../src/commands/sim/delivered.js';

describe('evse sim --csms-outage', () => {
  it('parses <startS>+<durationS>, repeatable, and refuses anything else', () => {
    assert.deepEqual(parseCsmsOutage('60+600'), [{ startS: 60, durationS: 600 }]);
    assert.deepEqual(parseCsmsOutage('0+1.5', [{ startS: 60, durationS: 600 }]), [{ startS: 60, durationS: 600 }, { startS: 0, durationS: 1.5 }]);
    for (const bad of ['60', '60+0', '-1+5', '60+', '+5', 'a+b', '60-600', '1e3+5']) assert.throws(() => parseCsmsOutage(bad), InvalidArgumentError, bad);
  });

  it('refuses overlapping outages (the first one coming back would cut the second short)', () => {
    checkOutages([{ startS: 0, durationS: 100 }, { startS: 100, durationS: 50 }]);
    assert.throws(
      () => checkOutages([{ startS: 200, durationS: 50 }, { startS: 0, durationS: 201 }]),
      (err: unknown) => err instanceof EvseError && err.code === EvseErrorCode.InvalidArgument,
    );
  });

  it('takes the CSMS down and up on the station clock, and brings it back at the end of a scenario inside an outage', async () => {
    const clock = sinon.useFakeTimers({ now: Date.parse('2026-03-02T08:00:00Z'), shouldAdvanceTime: false });
    try {
      const calls: string[] = [];
      const target = {
        goDown: () => {
          calls.push(`down ${new Date().toISOString().slice(11, 19)}`);
          return Promise.resolve();
        },
        comeBack: () => {
          calls.push(`up ${new Date().toISOString().slice(11, 19)}`);
          return Promise.resolve();
        },
      };
      const notes: string[] = [];
      const run = scheduleCsmsOutages([{ startS: 10, durationS: 20 }, { startS: 100, durationS: 60 }], systemClock, target, (l) => notes.push(l));
      await clock.tickAsync(9_000);
      assert.deepEqual(calls, []);
      await clock.tickAsync(1_000);
      assert.deepEqual(calls, ['down 08:00:10']);
      await clock.tickAsync(20_000);
      assert.deepEqual(calls, ['down 08:00:10', 'up 08:00:30']);
      await clock.tickAsync(80_000);
      assert.deepEqual(calls.slice(2), ['down 08:01:40']);
      // The scenario ends 10 s into the second outage: the CSMS comes back now, and nothing is left to fire.
      await clock.tickAsync(10_000);
      await run.end();
      assert.deepEqual(calls.slice(3), ['up 08:02:00']);
      await clock.tickAsync(120_000);
      assert.equal(calls.length, 4);
      assert.deepEqual(
        run.reports.map((r) => [r.wentDownAtS, r.cameBackAtS, r.wentDownAt, r.cameBackAt]),
        [
          [10, 30, '2026-03-02T08:00:10.000Z', '2026-03-02T08:00:30.000Z'],
          [100, 120, '2026-03-02T08:01:40.000Z', '2026-03-02T08:02:00.000Z'],
        ],
      );
      assert.equal(notes.length, 4);
    } finally {
      clock.restore();
    }
  });
});

describe('evse sim: what the bench CSMS got of each 2.0.1 transaction', () => {
  const ev = (seqNo: number, eventType: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    eventType,
    seqNo,
    timestamp: `t${seqNo}`,
    triggerReason: 'Authorized',
    transactionInfo: { transactionId: 'tx-a' },
    ...extra,
  });

  it('a complete transaction has no problem; an identical copy is a re-send; the offline flags are listed', () => {
    const [t] = deliveredTransactions([ev(0, 'Started', { offline: true }), ev(1, 'Updated'), ev(1, 'Updated', { offline: true }), ev(2, 'Ended')]);
    assert.deepEqual(t, { transactionId: 'tx-a', events: 3, seqNos: [0, 1, 2], offlineSeqNos: [0], started: 1, ended: 1, resent: 1, continued: false, problems: [] });
  });

  it('a transaction continued from an earlier run on the same state directory is checked from its first seqNo', () => {
    const [t] = deliveredTransactions([ev(3, 'Updated', { offline: true }), ev(4, 'Ended', { offline: true })]);
    assert.deepEqual([t?.continued, t?.problems], [true, []]);
    assert.match(deliveredTransactions([ev(3, 'Updated'), ev(5, 'Ended')])[0]?.problems.join('\n') ?? '', /seqNos 3,5 are not 3…4/);
  });

  it('reports a gap, a seqNo with another event, out-of-order arrival and a missing or second Started / Ended', () => {
    const problems = (events: Record<string, unknown>[]): string[] => deliveredTransactions(events)[0]?.problems ?? [];
    assert.match(problems([ev(0, 'Started'), ev(2, 'Ended')]).join('\n'), /seqNos 0,2 are not 0…1/);
    assert.match(problems([ev(0, 'Started'), ev(1, 'Updated'), ev(1, 'Updated', { timestamp: 'other' }), ev(2, 'Ended')]).join('\n'), /seqNo 1 carried another event/);
    assert.match(problems([ev(0, 'Started'), ev(2, 'Ended'), ev(1, 'Updated')]).join('\n'), /out of order/);
    assert.match(problems([ev(0, 'Started'), ev(1, 'Started'), ev(2, 'Ended')]).join('\n'), /2 Started events/);
    assert.match(problems([ev(0, 'Started'), ev(1, 'Updated')]).join('\n'), /0 Ended events/);
  });
});
