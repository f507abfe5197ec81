import assert from 'node:assert/strict';
import fc from 'fast-check';
import sinon from 'sinon';
import { createGpioHardware, type GpioHardware } from '../../../hal/gpio/hardware.js';
import type { NegativeLevel, PilotOutput } from '../../../hal/index.js';
import { FakeGpioBoard } from './support/fake-gpio.js';
import { FakeSysfs } from './support/fake-sysfs.js';
import { PeakHoldDetector } from './support/peak-hold.js';
import { comparatorLevelsFor, pins, testGpioConfig } from './support/config.js';

const SETTLE_MS = 10; // the default pilot.negativeLevelSettleMs
const DEBOUNCE_MS = 20; // the default pilot.debounceMs
const SAMPLE_MS = 5; // the default sampleIntervalMs
/** The latest a settled reading may come: settle + debounce, plus one sampling interval of phase and one of delay. */
const DEADLINE_MS = SETTLE_MS + DEBOUNCE_MS + 2 * SAMPLE_MS;

describe('hal/gpio pilot: the negative level is tri-state and never stale', () => {
  let sysfs: FakeSysfs;
  let board: FakeGpioBoard;
  let clock: sinon.SinonFakeTimers;
  let hw: GpioHardware;
  /** Every negative level the listeners heard, and every one read() gave, 1 ms apart. */
  let heard: NegativeLevel[];
  let polled: NegativeLevel[];

  const setState = (state: 'A' | 'B' | 'C'): void => {
    for (const [name, level] of Object.entries(comparatorLevelsFor(state))) board.set(pins[name as keyof typeof pins], level);
  };
  const setComparator = (active: boolean): void => board.set(pins.negativeLevel, active ? 1 : 0);
  /** Advances fake time 1 ms at a time, recording read() after each step. */
  const run = (ms: number): void => {
    for (let i = 0; i < ms; i++) {
      clock.tick(1);
      polled.push(hw.pilot.read().negativeLevel);
    }
  };
  const start = (output: PilotOutput): void => {
    hw.pilot.setOutput(output);
    polled.push(hw.pilot.read().negativeLevel);
  };

  beforeEach(async () => {
    clock = sinon.useFakeTimers({ now: 1_700_000_000_000 });
    sysfs = new FakeSysfs();
    sysfs.exportPwmChannel();
    board = new FakeGpioBoard();
    setState('B');
    board.set(pins.emergencyStop, 1);
    hw = await createGpioHardware(testGpioConfig(sysfs.root), { Gpio: board.Gpio });
    heard = [];
    polled = [];
    hw.pilot.onChange((r) => heard.push(r.negativeLevel));
  });
  afterEach(async () => {
    await hw.dispose();
    clock.restore();
    sysfs.remove();
  });

  it('is unknown while the generator is steady or in F, whatever the comparator says', () => {
    setComparator(true);
    run(100);
    start({ mode: 'steady' });
    run(100);
    setComparator(false);
    run(100);
    assert.deepEqual(new Set(polled), new Set(['unknown']));
    assert.deepEqual(heard, []);
  });

  it('unknown → present only after settle + debounce on samples taken after the PWM started', () => {
    setComparator(true);
    start({ mode: 'pwm', dutyPercent: 26.7 });
    run(SETTLE_MS + DEBOUNCE_MS - 1);
    assert.deepEqual(new Set(polled), new Set(['unknown']), 'not before settle + debounce');
    run(DEADLINE_MS - (SETTLE_MS + DEBOUNCE_MS - 1));
    assert.equal(hw.pilot.read().negativeLevel, 'present');
    assert.deepEqual(heard, ['present'], 'listeners hear the change once');
  });

  it('a missing diode reads absent, only after the settle time', () => {
    setComparator(false);
    start({ mode: 'pwm', dutyPercent: 26.7 });
    run(SETTLE_MS + DEBOUNCE_MS - 1);
    assert.equal(hw.pilot.read().negativeLevel, 'unknown');
    run(DEADLINE_MS);
    assert.equal(hw.pilot.read().negativeLevel, 'absent');
    assert.deepEqual(heard, ['absent']);
  });

  it('a duty change while the PWM runs keeps the settled reading', () => {
    setComparator(true);
    start({ mode: 'pwm', dutyPercent: 26.7 });
    run(DEADLINE_MS);
    start({ mode: 'pwm', dutyPercent: 53.3 });
    start({ mode: 'pwm', dutyPercent: 10 });
    run(100);
    assert.deepEqual(polled.slice(DEADLINE_MS), Array<NegativeLevel>(polled.length - DEADLINE_MS).fill('present'));
    assert.deepEqual(heard, ['present']);
  });

  it('steady or F makes it unknown at once in read(), and listeners hear it in the next sampling pass', () => {
    for (const stop of [{ mode: 'steady' }, { mode: 'stateF' }] as const) {
      setComparator(true);
      start({ mode: 'pwm', dutyPercent: 26.7 });
      run(DEADLINE_MS);
      assert.equal(hw.pilot.read().negativeLevel, 'present');
      heard.length = 0;
      hw.pilot.setOutput(stop);
      assert.equal(hw.pilot.read().negativeLevel, 'unknown', `${stop.mode}: at once`);
      assert.deepEqual(heard, [], 'not from inside setOutput');
      run(SAMPLE_MS);
      assert.deepEqual(heard, ['unknown']);
    }
  });

  it('a PWM restarted after F settles again from unknown', () => {
    setComparator(true);
    start({ mode: 'pwm', dutyPercent: 26.7 });
    run(DEADLINE_MS);
    hw.pilot.setOutput({ mode: 'stateF' });
    run(50);
    polled = [];
    start({ mode: 'pwm', dutyPercent: 26.7 });
    run(SETTLE_MS + DEBOUNCE_MS - 1);
    assert.deepEqual(new Set(polled), new Set(['unknown']));
    run(DEADLINE_MS);
    assert.equal(hw.pilot.read().negativeLevel, 'present');
  });

  it('an unreadable negative-level comparator reads absent once settled (the answer that stops charging)', () => {
    board.line(pins.negativeLevel).failReads = true;
    start({ mode: 'pwm', dutyPercent: 26.7 });
    run(SETTLE_MS + DEBOUNCE_MS - 1);
    assert.equal(hw.pilot.read().negativeLevel, 'unknown');
    run(DEADLINE_MS);
    assert.deepEqual(hw.pilot.read(), { state: 'B', negativeLevel: 'absent' });
  });

  // The defect fixed here: the old driver reported the comparator as it stood, so the stale pre-PWM level was taken
  // for the diode. Both directions are covered: empty hold after steady (false "absent"), charged hold after F (false
  // "present").
  describe('regression: the pre-PWM comparator level is never reported as the diode', () => {
    it('a comparator inactive before the PWM and active some ms after it started never produces absent', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: SETTLE_MS + DEBOUNCE_MS - 1 }), fc.integer({ min: 0, max: SAMPLE_MS - 1 }), (activeAfterMs, phaseMs) => {
          hw.pilot.setOutput({ mode: 'steady' });
          setComparator(false);
          run(50 + phaseMs);
          heard = [];
          polled = [];
          start({ mode: 'pwm', dutyPercent: 96 });
          run(activeAfterMs);
          setComparator(true);
          run(DEADLINE_MS + 10);
          assert.ok(!polled.includes('absent') && !heard.includes('absent'), `absent seen (active after ${activeAfterMs} ms)`);
          assert.equal(hw.pilot.read().negativeLevel, 'present');
        }),
        { numRuns: 60 },
      );
    });

    it('a comparator still active from state F and inactive some ms after the PWM started never produces present', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: SETTLE_MS + DEBOUNCE_MS - 1 }), fc.integer({ min: 0, max: SAMPLE_MS - 1 }), (inactiveAfterMs, phaseMs) => {
          hw.pilot.setOutput({ mode: 'stateF' });
          setComparator(true);
          run(50 + phaseMs);
          heard = [];
          polled = [];
          start({ mode: 'pwm', dutyPercent: 26.7 });
          run(inactiveAfterMs);
          setComparator(false);
          run(DEADLINE_MS + 10);
          assert.ok(!polled.includes('present') && !heard.includes('present'), `present seen (inactive after ${inactiveAfterMs} ms)`);
          assert.equal(hw.pilot.read().negativeLevel, 'absent');
        }),
        { numRuns: 60 },
      );
    });
  });

  describe('against the reference peak-hold circuit (PeakHoldDetector)', () => {
    let detector: PeakHoldDetector;
    let lowLevelV: number;
    let stepper: ReturnType<typeof setInterval>;

    beforeEach(() => {
      detector = new PeakHoldDetector();
      lowLevelV = -12;
      // One PWM period per ms, at the duty the driver really wrote to sysfs.
      stepper = setInterval(() => {
        const highShare = Number(sysfs.pwm('duty_cycle')) / Number(sysfs.pwm('period'));
        detector.step(1, highShare, lowLevelV);
        setComparator(detector.active);
      }, 1);
    });
    afterEach(() => clearInterval(stepper));

    it('the detector model itself needs about ten periods at 97 % duty and one at 27 % (the settle time is its worst case)', () => {
      const periodsToSettle = (highShare: number): number => {
        const d = new PeakHoldDetector();
        let n = 0;
        while (!d.active && n < 100) {
          d.step(1, highShare, -12);
          n++;
        }
        return n;
      };
      assert.equal(periodsToSettle(0.27), 1);
      const at97 = periodsToSettle(0.97);
      assert.ok(at97 >= 8 && at97 <= SETTLE_MS, `${at97} periods at 97 %`);
      // A −12 V hold left by state F decays past −11 V in 100 ms × ln(12/11) ≈ 8.7 ms: also within the settle time.
      const stale = new PeakHoldDetector();
      stale.volts = -12;
      let ms = 0;
      while (stale.active) {
        stale.step(1, 1, -8.8);
        ms++;
      }
      assert.ok(ms <= SETTLE_MS, `stale hold decays in ${ms} ms`);
    });

    it('any duty, from steady or F, diode or not: unknown, then the right answer within the deadline, never the wrong one', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 10, max: 97 }),
          fc.constantFrom<PilotOutput>({ mode: 'steady' }, { mode: 'stateF' }),
          fc.boolean(),
          fc.integer({ min: 0, max: SAMPLE_MS - 1 }),
          (duty, before, diode, phaseMs) => {
            // In F a diode-less EV loads the −12 V too, so the hold only reaches about −8.8 V; with a diode, −12 V.
            lowLevelV = diode ? -12 : -8.8;
            hw.pilot.setOutput(before);
            run(300 + phaseMs);
            heard = [];
            polled = [];
            start({ mode: 'pwm', dutyPercent: duty });
            run(DEADLINE_MS + 20);
            const right: NegativeLevel = diode ? 'present' : 'absent';
            const wrong: NegativeLevel = diode ? 'absent' : 'present';
            assert.ok(!polled.includes(wrong) && !heard.includes(wrong), `${wrong} seen at ${duty} % after ${before.mode}`);
            assert.equal(polled[DEADLINE_MS], right, `${right} not reached by ${DEADLINE_MS} ms at ${duty} % after ${before.mode}`);
            assert.deepEqual(heard, [right]);
          },
        ),
        { numRuns: 80 },
      );
    });
  });
});
