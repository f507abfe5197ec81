import assert from 'node:assert/strict';
import fc from 'fast-check';
import { reconnectDelayMs } from '../../src/ocpp/backoff.js';

describe('reconnect back-off', () => {
  it('stays within ±jitter of the capped exponential base, for any attempt and random draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        (attempt, initialMs, extra, draw) => {
          const maxMs = initialMs + extra;
          const delay = reconnectDelayMs(attempt, { initialMs, maxMs }, () => draw);
          const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 64));
          return delay >= Math.floor(base * 0.75) && delay <= Math.ceil(base * 1.25);
        },
      ),
    );
  });

  it('grows until the cap', () => {
    const mid = () => 0.5;
    const delays = [0, 1, 2, 3, 4, 5, 6].map((a) => reconnectDelayMs(a, { initialMs: 1000, maxMs: 10_000 }, mid));
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  it('spreads stations apart (jitter)', () => {
    const low = reconnectDelayMs(3, { initialMs: 1000, maxMs: 60_000 }, () => 0);
    const high = reconnectDelayMs(3, { initialMs: 1000, maxMs: 60_000 }, () => 0.999);
    assert.equal(low, 6000);
    assert.ok(high > 9900);
  });
});
