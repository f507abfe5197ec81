import assert from 'node:assert/strict';
import sinon from 'sinon';
import { EvseError, EvseErrorCode } from '../../../hal/base/errors.js';
import { createGpioHardware, type GpioHardware } from '../../../hal/gpio/hardware.js';
import type { ContactorFeedbackFault, InputsSnapshot, PilotReading } from '../../../hal/index.js';
import { FakeGpioBoard } from './support/fake-gpio.js';
import { FakeSysfs } from './support/fake-sysfs.js';
import { comparatorLevelsFor, pins, testGpioConfig } from './support/config.js';

describe('hal/gpio drivers on a fake Gpio class', () => {
  let sysfs: FakeSysfs;
  let board: FakeGpioBoard;
  let clock: sinon.SinonFakeTimers;
  let hw: GpioHardware;

  const setPilot = (state: 'A' | 'B' | 'C' | 'D' | 'E', negativeOk = true): void => {
    for (const [name, level] of Object.entries(comparatorLevelsFor(state))) board.set(pins[name as keyof typeof pins], level);
    board.set(pins.negativeLevel, negativeOk ? 1 : 0);
  };

  beforeEach(async () => {
    clock = sinon.useFakeTimers({ now: 1_700_000_000_000 });
    sysfs = new FakeSysfs();
    sysfs.exportPwmChannel();
    board = new FakeGpioBoard();
    setPilot('A');
    board.set(pins.emergencyStop, 1); // normally closed loop intact: not pressed
    hw = await createGpioHardware(testGpioConfig(sysfs.root), { Gpio: board.Gpio });
  });
  afterEach(async () => {
    await hw.dispose();
    clock.restore();
    sysfs.remove();
  });

  describe('startup', () => {
    it('opens outputs at their inactive raw level through the direction write (no glitch)', () => {
      // relay is active low: inactive = raw 1, set by direction 'high' at export time
      assert.equal(board.line(pins.relay).direction, 'high');
      assert.equal(board.level(pins.relay), 1);
      assert.equal(board.line(pins.rcdSelfTest).direction, 'low');
      assert.equal(board.line(pins.lockActuator).direction, 'low');
      assert.equal(board.line(pins.atLeastA).direction, 'in');
    });

    it('starts the pilot in state F: PWM enabled at 1 kHz with duty 0', () => {
      assert.equal(sysfs.pwm('period'), '1000000');
      assert.equal(sysfs.pwm('duty_cycle'), '0');
      assert.equal(sysfs.pwm('enable'), '1');
      assert.equal(sysfs.pwm('polarity'), 'normal');
      assert.deepEqual(hw.pilot.output(), { mode: 'stateF' });
    });

    it('takes the first input readings at once, without waiting for the debounce', () => {
      // the generator starts in F: no PWM, so nothing can be said about the negative level
      assert.deepEqual(hw.pilot.read(), { state: 'A', negativeLevel: 'unknown' });
      assert.deepEqual(hw.inputs.read(), { rcdTripped: false, emergencyStop: false, temperatureC: null, temperatureSensorFailed: false });
    });
  });

  describe('pilot', () => {
    it('sees A → B after the debounce and within 50 ms, calling listeners synchronously', () => {
      const seen: Array<[number, PilotReading]> = [];
      const t0 = Date.now();
      hw.pilot.onChange((r) => seen.push([Date.now() - t0, r]));
      setPilot('B');
      clock.tick(19);
      assert.equal(hw.pilot.read().state, 'A', 'not before the 20 ms debounce');
      clock.tick(31);
      assert.equal(seen.length, 1);
      assert.deepEqual(seen[0]?.[1], { state: 'B', negativeLevel: 'unknown' });
      assert.ok((seen[0]?.[0] ?? 99) <= 50, `seen after ${seen[0]?.[0]} ms`);
    });

    it('ignores a glitch shorter than the debounce', () => {
      const listener = sinon.spy();
      hw.pilot.onChange(listener);
      setPilot('C');
      clock.tick(10);
      setPilot('A');
      clock.tick(100);
      assert.equal(listener.callCount, 0);
      assert.equal(hw.pilot.read().state, 'A');
    });

    it('passes a power-reducing change (C → B, unplug) after one sampling interval, not the 20 ms debounce', () => {
      setPilot('C');
      clock.tick(50);
      assert.equal(hw.pilot.read().state, 'C');
      const t0 = Date.now();
      const seen: Array<[number, string]> = [];
      hw.pilot.onChange((r) => seen.push([Date.now() - t0, r.state]));
      setPilot('B');
      clock.tick(12);
      assert.deepEqual(seen.map(([, s]) => s), ['B'], 'C → B within two sampling intervals');
      assert.ok((seen[0]?.[0] ?? 99) <= 10, `seen after ${seen[0]?.[0]} ms`);
      setPilot('A');
      clock.tick(12);
      assert.equal(hw.pilot.read().state, 'A');
    });

    it("leaving state F, the comparators' moment at all-low is our own edge, not a CP short (E)", () => {
      // Driving F, the comparators read all low; the EV is in B behind it.
      setPilot('E');
      clock.tick(50);
      const seen: string[] = [];
      hw.pilot.onChange((r) => seen.push(r.state));
      hw.pilot.setOutput({ mode: 'steady' });
      clock.tick(12); // the front end has not followed yet: still all low, now decoded as E (two samples)
      setPilot('B');
      clock.tick(50);
      assert.ok(!seen.includes('E'), `heard ${seen.join(', ')}`);
      assert.equal(hw.pilot.read().state, 'B');
    });

    it('still ignores a one-sample glitch toward a reduction', () => {
      setPilot('C');
      clock.tick(50);
      const listener = sinon.spy();
      hw.pilot.onChange(listener);
      setPilot('B');
      clock.tick(3);
      setPilot('C');
      clock.tick(50);
      assert.equal(listener.callCount, 0);
      assert.equal(hw.pilot.read().state, 'C');
    });

    it('reads a broken thermometer code and over-voltage as invalid', () => {
      board.set(pins.atLeastC, 0); // A and B active, C not: a stuck comparator
      clock.tick(50);
      assert.equal(hw.pilot.read().state, 'invalid');
      setPilot('A');
      board.set(pins.overVoltage, 1);
      clock.tick(50);
      assert.equal(hw.pilot.read().state, 'invalid');
    });

    it('reads all comparators low as F while driving F, and as E otherwise', () => {
      setPilot('E', false);
      clock.tick(50);
      assert.equal(hw.pilot.read().state, 'F');
      hw.pilot.setOutput({ mode: 'steady' });
      clock.tick(50);
      assert.equal(hw.pilot.read().state, 'E');
    });

    it('an unreadable comparator makes the reading invalid', () => {
      board.line(pins.atLeastB).failReads = true;
      clock.tick(50);
      assert.equal(hw.pilot.read().state, 'invalid');
    });

    it('writes duty cycles synchronously: 16 A → 26.7 % → 266700 ns; steady → period; F → 0', () => {
      hw.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.67 });
      assert.equal(sysfs.pwm('duty_cycle'), '266700');
      hw.pilot.setOutput({ mode: 'steady' });
      assert.equal(sysfs.pwm('duty_cycle'), '1000000');
      hw.pilot.setOutput({ mode: 'stateF' });
      assert.equal(sysfs.pwm('duty_cycle'), '0');
      assert.deepEqual(hw.pilot.output(), { mode: 'stateF' });
    });

    it('refuses a duty outside 5…97 % and leaves the output as it was', () => {
      hw.pilot.setOutput({ mode: 'pwm', dutyPercent: 50 });
      for (const duty of [2, 98, Number.NaN]) {
        assert.throws(
          () => hw.pilot.setOutput({ mode: 'pwm', dutyPercent: duty }),
          (err: unknown) => err instanceof EvseError && err.code === EvseErrorCode.InvalidArgument,
        );
      }
      assert.equal(sysfs.pwm('duty_cycle'), '500000');
      assert.deepEqual(hw.pilot.output(), { mode: 'pwm', dutyPercent: 50 });
    });
  });

  describe('contactor', () => {
    let faults: ContactorFeedbackFault[];
    beforeEach(() => {
      faults = [];
      hw.contactor.onFeedbackFault((f) => faults.push(f));
      clock.tick(300); // past the startup feedback check
    });

    it('close() and open() write the relay synchronously at its active level (active low here)', () => {
      hw.contactor.close();
      assert.equal(board.level(pins.relay), 0);
      assert.equal(hw.contactor.commanded(), 'closed');
      hw.contactor.open();
      assert.equal(board.level(pins.relay), 1);
      assert.equal(hw.contactor.commanded(), 'open');
    });

    it('open() writes every time it is called, even when already open', () => {
      const before = board.line(pins.relay).writes.length;
      hw.contactor.open();
      hw.contactor.open();
      assert.equal(board.line(pins.relay).writes.length, before + 2);
    });

    it('no fault when the aux contact follows within 250 ms; feedback listeners see it debounced', () => {
      const feedback: string[] = [];
      hw.contactor.onFeedback((p) => feedback.push(p));
      hw.contactor.close();
      clock.tick(30);
      board.set(pins.aux, 1);
      clock.tick(5);
      assert.equal(hw.contactor.feedback(), 'open', 'not before the 10 ms debounce');
      clock.tick(15);
      assert.equal(hw.contactor.feedback(), 'closed');
      clock.tick(500);
      assert.deepEqual(faults, []);
      assert.deepEqual(feedback, ['closed']);
    });

    it('ignores an aux glitch shorter than 10 ms', () => {
      const listener = sinon.spy();
      hw.contactor.onFeedback(listener);
      board.set(pins.aux, 1);
      clock.tick(5);
      board.set(pins.aux, 0);
      clock.tick(100);
      assert.equal(listener.callCount, 0);
    });

    it('reports fails-to-close when the aux contact stays open 250 ms after close()', () => {
      hw.contactor.close();
      clock.tick(249);
      assert.equal(faults.length, 0);
      clock.tick(1);
      assert.equal(faults.length, 1);
      const fault = faults[0];
      assert.deepEqual(fault && { kind: fault.kind, commanded: fault.commanded, feedback: fault.feedback }, {
        kind: 'fails-to-close',
        commanded: 'closed',
        feedback: 'open',
      });
      assert.equal(hw.contactor.feedback(), 'open');
      assert.notEqual(hw.contactor.feedback(), hw.contactor.commanded());
    });

    it('reports welded when the aux contact stays closed 250 ms after open()', () => {
      hw.contactor.close();
      board.set(pins.aux, 1);
      clock.tick(100);
      hw.contactor.open();
      clock.tick(250);
      assert.equal(faults.length, 1);
      assert.equal(faults[0]?.kind, 'welded');
      assert.equal(faults[0]?.afterMs, 250);
    });

    it('finds a contactor welded while the controller was down, at startup', async () => {
      await hw.dispose();
      board.set(pins.aux, 1);
      hw = await createGpioHardware(testGpioConfig(sysfs.root), { Gpio: board.Gpio });
      const found: ContactorFeedbackFault[] = [];
      hw.contactor.onFeedbackFault((f) => found.push(f));
      clock.tick(250);
      assert.equal(found[0]?.kind, 'welded');
    });

    it('refuses a second closing inside minCloseIntervalMs, and allows it after', () => {
      board.set(pins.aux, 1);
      hw.contactor.close();
      hw.contactor.open();
      assert.ok(hw.contactor.closeAllowedInMs() > 0);
      assert.throws(() => hw.contactor.close(), /closing refused, last closing was less than 1000 ms ago/);
      assert.equal(board.level(pins.relay), 1, 'relay still off');
      clock.tick(1000);
      assert.equal(hw.contactor.closeAllowedInMs(), 0);
      hw.contactor.close();
      assert.equal(board.level(pins.relay), 0);
    });

    it('a failed relay write throws an EvseError naming the pin', () => {
      board.line(pins.relay).failWrites = true;
      assert.throws(
        () => hw.contactor.close(),
        (err: unknown) => err instanceof EvseError && /contactor\.relay: gpiochip0 \(pinctrl-bcm2711\) line 17 = sysfs gpio529: write failed/.test(err.message),
      );
    });
  });

  describe('station inputs', () => {
    it('debounces the RCD trip (5 ms here) and the emergency stop (20 ms, normally closed)', () => {
      const seen: InputsSnapshot[] = [];
      hw.inputs.onChange((s) => seen.push(s));
      board.set(pins.rcdTrip, 1);
      clock.tick(10);
      assert.equal(hw.inputs.read().rcdTripped, true);
      board.set(pins.emergencyStop, 0); // loop opened: pressed
      clock.tick(15);
      assert.equal(hw.inputs.read().emergencyStop, false);
      clock.tick(15);
      assert.equal(hw.inputs.read().emergencyStop, true);
      assert.deepEqual(seen.map((s) => [s.rcdTripped, s.emergencyStop]), [
        [true, false],
        [true, true],
      ]);
    });

    it('an unreadable input counts as tripped', () => {
      board.line(pins.rcdTrip).failReads = true;
      clock.tick(20);
      assert.equal(hw.inputs.read().rcdTripped, true);
    });

    it('RCD self-test: drives the test output and passes when the trip follows', async () => {
      const result = hw.inputs.selfTestRcd(500);
      assert.equal(board.level(pins.rcdSelfTest), 1);
      clock.tick(20);
      board.set(pins.rcdTrip, 1);
      await clock.tickAsync(20);
      assert.equal(await result, true);
      assert.equal(board.level(pins.rcdSelfTest), 0);
    });

    it('RCD self-test fails when no trip comes within the timeout', async () => {
      const result = hw.inputs.selfTestRcd(300);
      await clock.tickAsync(300);
      assert.equal(await result, false);
      assert.equal(board.level(pins.rcdSelfTest), 0);
    });
  });

  describe('safe state and dispose', () => {
    it('enterSafeState opens, drives F and unlocks synchronously, even when one output fails', () => {
      hw.pilot.setOutput({ mode: 'pwm', dutyPercent: 53.3 });
      clock.tick(300);
      hw.contactor.close();
      const locking = hw.cableLock?.lock();
      board.line(pins.lockActuator).failWrites = true;
      hw.enterSafeState();
      assert.equal(board.level(pins.relay), 1);
      assert.equal(sysfs.pwm('duty_cycle'), '0');
      assert.deepEqual(hw.pilot.output(), { mode: 'stateF' });
      return locking?.then((r) => assert.deepEqual(r, { ok: false, failure: 'not-confirmed', detail: 'interrupted by the safe state' }));
    });

    it('dispose unexports every line and disables and unexports the PWM channel we exported', async () => {
      hw.contactor.close();
      await hw.dispose();
      assert.equal(board.level(pins.relay), 1);
      for (const [n, line] of board.lines) assert.equal(line.exported, false, `gpio${n} still exported`);
      assert.equal(sysfs.pwm('duty_cycle'), '0');
      assert.equal(sysfs.pwm('enable'), '0');
      // pwm0 existed before (pre-exported), so it is left exported
      assert.equal(sysfs.lastWritten('class/pwm/pwmchip0/unexport'), '');
      const writes = board.line(pins.relay).writes.length;
      await hw.dispose();
      hw.enterSafeState();
      // a released line is never written again: onoff closed its descriptor, which another file may now hold
      assert.equal(board.line(pins.relay).writes.length, writes);
    });
  });
});

describe('hal/gpio startup errors leave the outputs safe', () => {
  let sysfs: FakeSysfs;
  let board: FakeGpioBoard;
  beforeEach(() => {
    sysfs = new FakeSysfs();
    sysfs.exportPwmChannel();
    board = new FakeGpioBoard();
  });
  afterEach(() => sysfs.remove());

  it('a busy line is an EvseError naming the pin and EBUSY; the relay was left off and released', async () => {
    board.busy(pins.aux);
    await assert.rejects(
      createGpioHardware(testGpioConfig(sysfs.root), { Gpio: board.Gpio }),
      (err: unknown) =>
        err instanceof EvseError &&
        err.code === EvseErrorCode.PinUnavailable &&
        /^contactor\.aux: gpiochip0 \(pinctrl-bcm2711\) line 27 = sysfs gpio539: cannot open as input: line is in use by another driver or process \(EBUSY\)/.test(
          err.message,
        ),
    );
    assert.equal(board.level(pins.relay), 1);
    for (const [n, line] of board.lines) assert.equal(line.exported, false, `gpio${n} still exported`);
    assert.equal(sysfs.pwm('duty_cycle'), '0');
    assert.equal(sysfs.pwm('enable'), '0');
  });

  it('a chip that does not exist is an EvseError naming the pin and the chip', async () => {
    const cfg = testGpioConfig(sysfs.root);
    cfg.contactor.aux = { chip: 'gpiochip7', line: 3, activeLow: false };
    await assert.rejects(createGpioHardware(cfg, { Gpio: board.Gpio }), (err: unknown) => {
      return err instanceof EvseError && err.code === EvseErrorCode.ChipNotFound && /contactor\.aux: GPIO chip "gpiochip7" not found/.test(err.message);
    });
    assert.equal(board.level(pins.relay), 1);
  });

  it('a PWM chip that does not exist is an EvseError naming pilot.pwm; relay already off', async () => {
    const cfg = testGpioConfig(sysfs.root);
    cfg.pilot.pwm.pwmChip = 'pwmchip3';
    await assert.rejects(createGpioHardware(cfg, { Gpio: board.Gpio }), /pilot\.pwm: PWM chip pwmchip3 not found .*known: pwmchip0/);
    assert.equal(board.level(pins.relay), 1);
    assert.equal(board.line(pins.relay).exported, false);
  });

  it('a PWM channel beyond npwm is an EvseError naming the range', async () => {
    const cfg = testGpioConfig(sysfs.root);
    cfg.pilot.pwm.pwmChannel = 2;
    await assert.rejects(createGpioHardware(cfg, { Gpio: board.Gpio }), /pilot\.pwm: pwmchip0 has channels 0…1, not 2/);
  });

  it('exports the PWM channel when needed, waits for it, and unexports it on dispose', async () => {
    const fresh = new FakeSysfs();
    // Play the kernel: the channel folder appears a little after the export write.
    const kernel = setInterval(() => {
      if (fresh.lastWritten('class/pwm/pwmchip0/export') !== '0') return;
      fresh.exportPwmChannel();
      clearInterval(kernel);
    }, 5);
    try {
      const hw = await createGpioHardware(testGpioConfig(fresh.root), { Gpio: new FakeGpioBoard().Gpio });
      assert.equal(fresh.pwm('period'), '1000000');
      await hw.dispose();
      assert.equal(fresh.lastWritten('class/pwm/pwmchip0/unexport'), '0');
    } finally {
      clearInterval(kernel);
      fresh.remove();
    }
  });
});
