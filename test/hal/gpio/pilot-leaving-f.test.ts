import assert from 'node:assert/strict';
import fc from 'fast-check';
import sinon from 'sinon';
import { createGpioHardware, type GpioHardware } from '../../../hal/gpio/hardware.js';
import type { PilotState } from '../../../hal/index.js';
import { FakeGpioBoard } from './support/fake-gpio.js';
import { FakeSysfs } from './support/fake-sysfs.js';
import { comparatorLevelsFor, pins, testGpioConfig } from './support/config.js';

const DEBOUNCE_MS = 20; // the default pilot.debounceMs
const SAMPLE_MS = 5; // the default sampleIntervalMs
/** The fault hold of the control core (charger-fsm `fHoldMs`): how long the station drives F after a stop fault. */
const F_HOLD_MS = 300;

/**
 * The defect (board-sim rcd-trip, under load): after the fault hold the core drives steady +12 V again and at once
 * reads the driver (`feed(pilot.read())`). The driver still held the F it had debounced while the station itself drove
 * −12 V, and the core, now driving steady, took that stale F for the EV's: a `pilot-fault` on an unplugged or idle EV.
 * F decodes only while we drive F (comparators cannot tell it from E), so once the generator leaves F it says nothing
 * about the EV: the driver must fall back to the state it knew before it drove F until fresh samples settle.
 */
describe('hal/gpio pilot: leaving state F never reports the F we drove ourselves', () => {
  let sysfs: FakeSysfs;
  let board: FakeGpioBoard;
  let clock: sinon.SinonFakeTimers;
  let hw: GpioHardware;
  /** Every state read() gave after each 1 ms step, and every state the listeners heard. */
  let polled: PilotState[];
  let heard: PilotState[];

  /** The comparators as the front end shows `state` (all low = what −12 V, or E, looks like). */
  const show = (state: 'A' | 'B' | 'C' | 'E'): void => {
    for (const [name, level] of Object.entries(comparatorLevelsFor(state))) board.set(pins[name as keyof typeof pins], level);
  };
  const run = (ms: number): void => {
    for (let i = 0; i < ms; i++) {
      clock.tick(1);
      polled.push(hw.pilot.read().state);
    }
  };

  beforeEach(async () => {
    clock = sinon.useFakeTimers({ now: 1_700_000_000_000 });
    sysfs = new FakeSysfs();
    sysfs.exportPwmChannel();
    board = new FakeGpioBoard();
    show('B');
    board.set(pins.emergencyStop, 1);
    hw = await createGpioHardware(testGpioConfig(sysfs.root), { Gpio: board.Gpio });
    hw.pilot.setOutput({ mode: 'steady' });
    clock.tick(100);
    assert.equal(hw.pilot.read().state, 'B');
    polled = [];
    heard = [];
    hw.pilot.onChange((r) => heard.push(r.state));
  });
  afterEach(async () => {
    await hw.dispose();
    clock.restore();
    sysfs.remove();
  });

  /** A stop fault: the station drives F for the hold; the comparators read all low meanwhile, whatever the EV does. */
  function holdF(): void {
    hw.pilot.setOutput({ mode: 'stateF' });
    show('E');
    run(F_HOLD_MS);
    assert.equal(hw.pilot.read().state, 'F', 'reads F while we drive F');
    polled = [];
    heard = [];
  }

  it('right after steady is written, read() is the state known before F, not F (what the core feeds at once)', () => {
    holdF();
    hw.pilot.setOutput({ mode: 'steady' });
    assert.equal(hw.pilot.read().state, 'B');
  });

  it('the EV still plugged, the front end following the edge late: never F nor E, then B', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: DEBOUNCE_MS - SAMPLE_MS }), (lagMs) => {
        hw.pilot.setOutput({ mode: 'steady' });
        show('B');
        run(100);
        holdF();
        hw.pilot.setOutput({ mode: 'steady' });
        polled.push(hw.pilot.read().state);
        run(lagMs); // comparators still all low: the generator's edge has not reached them yet
        show('B');
        run(100);
        assert.ok(!polled.some((s) => s === 'F' || s === 'E'), `read ${polled.join(',')} (lag ${lagMs} ms)`);
        assert.ok(!heard.some((s) => s === 'F' || s === 'E'), `heard ${heard.join(',')} (lag ${lagMs} ms)`);
        assert.equal(hw.pilot.read().state, 'B');
      }),
      { numRuns: 30 },
    );
  });

  it('the EV unplugged during the hold: reads A after F, never F or E on the way', () => {
    holdF();
    hw.pilot.setOutput({ mode: 'steady' });
    polled.push(hw.pilot.read().state);
    run(3);
    show('A');
    run(100);
    assert.ok(!polled.some((s) => s === 'F' || s === 'E'), `read ${polled.join(',')}`);
    assert.equal(hw.pilot.read().state, 'A');
    assert.deepEqual(heard.slice(-1), ['A']);
  });

  it('a CP really shorted (all low) after F still reads E once fresh samples held it', () => {
    holdF();
    hw.pilot.setOutput({ mode: 'steady' });
    run(DEBOUNCE_MS + 2 * SAMPLE_MS);
    assert.equal(hw.pilot.read().state, 'E');
  });

  it('F at start-up (nothing known before it) stays F until fresh samples say otherwise', async () => {
    await hw.dispose();
    show('E');
    hw = await createGpioHardware(testGpioConfig(sysfs.root), { Gpio: board.Gpio });
    assert.equal(hw.pilot.read().state, 'F');
    hw.pilot.setOutput({ mode: 'steady' });
    assert.equal(hw.pilot.read().state, 'F');
    show('A');
    run(DEBOUNCE_MS + 2 * SAMPLE_MS);
    assert.equal(hw.pilot.read().state, 'A');
  });
});
