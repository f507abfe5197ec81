import assert from 'node:assert/strict';
import type { Clock, TimerHandle } from '../../hal/base/clock.js';
import type { MeterSample } from '../../hal/meter.js';
import { controlSchema } from '../../src/control/config.js';
import { FaultRegistry } from '../../src/control/fault-registry.js';
import { SampleMonitor } from '../../src/control/sample-monitor.js';

/** A monotonic clock the test sets; the registry's auto-clear timers never fire here. */
function manualClock(): Clock & { mono: number } {
  const never = {} as unknown as TimerHandle;
  const c: Clock & { mono: number } = {
    mono: 0,
    nowMs: () => 1_780_000_000_000 + Math.floor(c.mono),
    monotonicMs: () => c.mono,
    setTimeout: () => never,
    clearTimeout: () => undefined,
    setInterval: () => never,
    clearInterval: () => undefined,
  };
  return c;
}

/** 16 A per phase on three phases at 230 V (11.04 kW), or nothing. */
function reading(importWh: number, amps: number): MeterSample {
  const phase = { voltageV: 230, currentA: amps, powerW: 230 * amps };
  return { phases: [phase, phase, phase], totalPowerW: 3 * 230 * amps, importWh, frequencyHz: 50, readAtMs: 0 };
}

describe('SampleMonitor: the frozen import register is judged on readings actually taken', () => {
  let clock: ReturnType<typeof manualClock>;
  let monitor: SampleMonitor;
  let raised: string[];
  const at = (ms: number, sample: MeterSample): void => {
    clock.mono = ms;
    monitor.evaluate(sample, { offeredA: 16, openSinceMono: null, phases: 3 });
  };

  beforeEach(() => {
    clock = manualClock();
    const faults = new FaultRegistry(clock);
    raised = [];
    faults.onChange((e) => {
      if (e.type === 'raised') raised.push(e.fault.definition.name);
    });
    monitor = new SampleMonitor(controlSchema.parse({}), faults, clock);
  });

  it('a register standing still at 11 kW warns once more than 20 Wh should have flowed (about 6.5 s)', () => {
    for (let s = 0; s <= 6; s++) at(s * 1000, reading(1000, 16));
    assert.deepEqual(raised, [], '18.4 Wh after 6 s');
    at(7000, reading(1000, 16));
    assert.deepEqual(raised, ['meter-anomaly']);
  });

  it('a moving register never warns', () => {
    for (let s = 0; s <= 60; s++) at(s * 1000, reading(1000 + Math.floor(s * 3.07), 16));
    assert.deepEqual(raised, []);
  });

  it('a delayed poll across the start of a charge is not charged at full power for the whole gap', () => {
    // Idle, then the next reading comes 7 s late and shows 11 kW that has just started: the register may not have
    // moved yet. The old detector counted 7 s × 11.04 kW = 21.5 Wh and warned "import register stuck".
    at(0, reading(1000, 0));
    at(1000, reading(1000, 0));
    at(8000, reading(1000, 16));
    assert.deepEqual(raised, []);
    // From there on, the register must move with the power, or it is stuck after all.
    for (let s = 9; s <= 15; s++) at(s * 1000, reading(1000, 16));
    assert.deepEqual(raised, ['meter-anomaly']);
  });
});
