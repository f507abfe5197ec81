import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Debouncer } from '../../../hal/gpio/debounce.js';
import { decodePilotState } from '../../../hal/gpio/pilot.js';
import type { PilotState } from '../../../hal/index.js';

/** Ideal comparators with thresholds in the gaps between the IEC 61851-1 windows. */
function comparatorsAt(volts: number) {
  return {
    atLeastA: volts > 10.5,
    atLeastB: volts > 7.5,
    atLeastC: volts > 4.5,
    atLeastD: volts > 1.5,
    overVoltage: volts > 13.5,
  };
}

const windows: Array<[PilotState, number, number]> = [
  ['A', 11, 13],
  ['B', 8, 10],
  ['C', 5, 7],
  ['D', 2, 4],
  ['E', -1, 1.4],
];

describe('hal/gpio properties', () => {
  it('a CP level inside an IEC window decodes to that window’s state', () => {
    fc.assert(
      fc.property(fc.constantFrom(...windows), fc.double({ min: 0, max: 1, noNaN: true }), ([state, lo, hi], t) => {
        const volts = lo + (hi - lo) * t;
        assert.equal(decodePilotState(comparatorsAt(volts), { mode: 'steady' }), state);
      }),
    );
  });

  it('any code that is not a thermometer code decodes to invalid', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), (a, b, c, d) => {
        const monotone = (!a || b) && (!b || c) && (!c || d);
        const state = decodePilotState(
          { atLeastA: a, atLeastB: b, atLeastC: c, atLeastD: d, overVoltage: false },
          { mode: 'pwm', dutyPercent: 50 },
        );
        assert.equal(state === 'invalid', !monotone);
      }),
    );
  });

  it('the debounced value only ever takes a sample that held for the debounce, and takes one that held long enough', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.array(fc.record({ value: fc.integer({ min: 0, max: 2 }), holdMs: fc.integer({ min: 1, max: 40 }) }), {
          minLength: 1,
          maxLength: 30,
        }),
        (debounceMs, runs) => {
          const stepMs = 1;
          const d = new Debouncer(0, debounceMs, 0);
          let now = 0;
          let previous: number | null = null;
          let streakStart = 0;
          for (const run of runs) {
            // A run of the same value as the one before continues the streak: the input never changed.
            if (run.value !== previous) streakStart = now;
            previous = run.value;
            for (let held = 0; held < run.holdMs; held += stepMs) {
              const changed = d.update(run.value, now);
              if (changed) {
                assert.equal(d.value, run.value);
                assert.ok(now - streakStart >= debounceMs, `adopted after ${now - streakStart} ms < ${debounceMs}`);
              }
              now += stepMs;
            }
            if (now - streakStart > debounceMs) assert.equal(d.value, run.value);
          }
        },
      ),
    );
  });
});
