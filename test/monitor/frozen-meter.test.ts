import assert from 'node:assert/strict';
import type { MeterSample } from '../../hal/meter.js';
import { monitorSchema } from '../../src/monitor/config.js';
import { FrozenMeter } from '../../src/monitor/frozen-meter.js';
import { input, reading } from './support.js';

/** 16 A per phase on three phases at 230 V (11.04 kW), or nothing. */
const three = (importWh: number, amps: number): MeterSample => reading(importWh, [amps, amps, amps]);

describe('monitor FrozenMeter: the frozen import register is judged on readings actually taken (moved from the control core)', () => {
  let detector: FrozenMeter;
  let found: string[];
  const at = (ms: number, sample: MeterSample): void => {
    const f = detector.evaluate(input(ms, sample));
    if (f) found.push(f.detector);
  };

  beforeEach(() => {
    detector = new FrozenMeter(monitorSchema.parse({}).frozenMeter);
    found = [];
  });

  it('a register standing still at 11 kW is found once more than 20 Wh should have flowed (about 6.5 s)', () => {
    for (let s = 0; s <= 6; s++) at(s * 1000, three(1000, 16));
    assert.deepEqual(found, [], '18.4 Wh after 6 s');
    at(7000, three(1000, 16));
    assert.deepEqual(found, ['frozen-meter']);
  });

  it('the finding carries the stuck register, the energy expected and the threshold', () => {
    let last = null;
    for (let s = 0; s <= 7; s++) last = detector.evaluate(input(s * 1000, three(1000, 16)));
    assert.ok(last);
    assert.equal(last.evidence['stuckAtWh'], 1000);
    assert.equal(last.evidence['expectedWh'], 21);
    assert.match(last.threshold, /20 Wh/);
    assert.match(last.message, /frozen/);
  });

  it('a moving register never is', () => {
    for (let s = 0; s <= 60; s++) at(s * 1000, three(1000 + Math.floor(s * 3.07), 16));
    assert.deepEqual(found, []);
  });

  it('a delayed poll across the start of a charge is not charged at full power for the whole gap', () => {
    // Idle, then the next reading comes 7 s late and shows 11 kW that has just started: the register may not have
    // moved yet. Charging the end power over the whole gap counted 7 s × 11.04 kW = 21.5 Wh: "register stuck".
    at(0, three(1000, 0));
    at(1000, three(1000, 0));
    at(8000, three(1000, 16));
    assert.deepEqual(found, []);
    // From there on, the register must move with the power, or it is stuck after all.
    for (let s = 9; s <= 15; s++) at(s * 1000, three(1000, 16));
    assert.deepEqual(found, ['frozen-meter']);
  });

  it('off in the config, the monitor does not build it', () => {
    assert.equal(monitorSchema.parse({ frozenMeter: { enabled: false } }).frozenMeter.enabled, false);
  });
});
