import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import { EvseError, EvseErrorCode } from '../../../hal/base/errors.js';
import { gpioConfigSchema } from '../../../hal/gpio/config.js';
import { createGpioHardware, type GpioHardware } from '../../../hal/gpio/hardware.js';
import type { CableLockResult, ContactorFeedbackFault } from '../../../hal/index.js';
import { FakeGpioBoard } from './support/fake-gpio.js';
import { FakeSysfs } from './support/fake-sysfs.js';
import { line, pins, testGpioConfig } from './support/config.js';

describe('hal/gpio outputs: cable lock, ventilation, contactor supervision', () => {
  let sysfs: FakeSysfs;
  let board: FakeGpioBoard;
  let clock: sinon.SinonFakeTimers;
  let hw: GpioHardware | null;

  const open = async (overrides: Record<string, unknown> = {}): Promise<GpioHardware> => {
    hw = await createGpioHardware(testGpioConfig(sysfs.root, overrides), { Gpio: board.Gpio });
    return hw;
  };
  /** Resolves the promise's outcome, or 'pending' when it has not settled by now. */
  const peek = async <T>(p: Promise<T>): Promise<T | 'pending'> => Promise.race([p, Promise.resolve('pending' as const)]);

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_700_000_000_000 });
    sysfs = new FakeSysfs();
    sysfs.exportPwmChannel();
    board = new FakeGpioBoard();
    board.set(pins.emergencyStop, 1);
    hw = null;
  });
  afterEach(async () => {
    await hw?.dispose();
    clock.restore();
    sysfs.remove();
  });

  describe('cable lock with feedback', () => {
    it('lock() drives the actuator and resolves ok once the debounced feedback confirms', async () => {
      const { cableLock } = await open();
      assert.ok(cableLock);
      assert.equal(cableLock.position(), 'unlocked');
      const result = cableLock.lock();
      assert.equal(board.level(pins.lockActuator), 1);
      await clock.tickAsync(200);
      assert.equal(await peek(result), 'pending');
      board.set(pins.lockFeedback, 1);
      await clock.tickAsync(10);
      assert.equal(await peek(result), 'pending', 'not before the 20 ms feedback debounce');
      await clock.tickAsync(20);
      assert.deepEqual(await peek(result), { ok: true });
      assert.equal(cableLock.position(), 'locked');
    });

    it('a jammed lock resolves not-confirmed after lockTimeMs and is driven back to unlocked', async () => {
      const { cableLock } = await open();
      const result = cableLock!.lock();
      await clock.tickAsync(999);
      assert.equal(await peek(result), 'pending');
      await clock.tickAsync(1);
      const r = await peek(result);
      assert.ok(r !== 'pending' && !r.ok && r.failure === 'not-confirmed', JSON.stringify(r));
      assert.match(r.detail, /cableLock\.feedback: still unlocked 1000 ms after the lock command; driven back to unlocked/);
      assert.equal(board.level(pins.lockActuator), 0);
      assert.equal(cableLock!.commanded(), 'unlocked');
    });

    it('an unlock the feedback does not confirm resolves not-confirmed; the lock stays commanded unlocked', async () => {
      const { cableLock } = await open({ cableLock: { actuator: line(pins.lockActuator), feedback: line(pins.lockFeedback), lockTimeMs: 500 } });
      board.set(pins.lockFeedback, 1);
      const locked = cableLock!.lock();
      await clock.tickAsync(30);
      assert.deepEqual(await locked, { ok: true });
      const result = cableLock!.unlock();
      await clock.tickAsync(500); // the feedback stays "locked": a jammed pin
      const r = await peek(result);
      assert.ok(r !== 'pending' && !r.ok && r.failure === 'not-confirmed');
      assert.match(r.detail, /still locked 500 ms after the unlock command$/);
      assert.equal(board.level(pins.lockActuator), 0);
      assert.equal(cableLock!.position(), 'locked', 'position() tells the truth of the feedback');
    });

    it('a write error resolves failure "driver" and never rejects', async () => {
      const { cableLock } = await open();
      board.line(pins.lockActuator).failWrites = true;
      const r = await cableLock!.lock();
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.failure, 'driver');
      assert.match(!r.ok ? r.detail : '', /cableLock\.actuator: .* write failed/);
    });

    it('a new command supersedes the one waiting; dispose resolves a waiting one as a driver failure', async () => {
      const { cableLock } = await open();
      const first = cableLock!.lock();
      const second = cableLock!.unlock();
      assert.deepEqual(await first, { ok: false, failure: 'not-confirmed', detail: 'superseded by unlock' });
      assert.deepEqual(await second, { ok: true }, 'the feedback already says unlocked');
      const third = cableLock!.lock();
      hw!.enterSafeState();
      assert.deepEqual(await third, { ok: false, failure: 'not-confirmed', detail: 'interrupted by the safe state' });
      const fourth = cableLock!.lock();
      await cableLock!.dispose();
      const r: CableLockResult = await fourth;
      assert.equal(!r.ok && r.failure, 'driver');
      assert.equal(board.level(pins.lockActuator), 0, 'left in its safe state (unlocked)');
      assert.equal((await cableLock!.lock()).ok, false);
    });
  });

  describe('cable lock without feedback', () => {
    it('resolves ok after the motor run time (300 ms default); position() is the commanded one', async () => {
      const { cableLock } = await open({ cableLock: { actuator: line(pins.lockActuator) } });
      const result = cableLock!.lock();
      assert.equal(board.level(pins.lockActuator), 1);
      await clock.tickAsync(299);
      assert.equal(await peek(result), 'pending');
      await clock.tickAsync(1);
      assert.deepEqual(await peek(result), { ok: true });
      assert.equal(cableLock!.position(), 'locked');
      assert.equal(cableLock!.feedback(), null);
      const unlocked = cableLock!.unlock();
      await clock.tickAsync(300);
      assert.deepEqual(await unlocked, { ok: true });
      assert.equal(cableLock!.position(), 'unlocked');
    });

    it('runTimeMs and lockTimeMs are validated', () => {
      const base = testGpioConfig('/sys');
      assert.equal(base.cableLock?.lockTimeMs, 1000);
      assert.equal(base.cableLock?.runTimeMs, 300);
      const bad = gpioConfigSchema.safeParse({ ...base, cableLock: { ...base.cableLock, lockTimeMs: 20_000 } });
      assert.equal(bad.success, false);
      assert.deepEqual(bad.error?.issues[0]?.path, ['cableLock', 'lockTimeMs']);
    });
  });

  describe('ventilation', () => {
    it('comes up inactive without a glitch, switches, stays as it is in the safe state, goes off on dispose', async () => {
      const { ventilation } = await open({ ventilation: line(pins.ventilation, true) });
      assert.ok(ventilation);
      assert.equal(board.line(pins.ventilation).direction, 'high', 'active low: inactive = raw 1 from the export on');
      assert.equal(ventilation.isOn(), false);
      ventilation.set(true);
      assert.equal(board.level(pins.ventilation), 0);
      assert.equal(ventilation.isOn(), true);
      hw!.enterSafeState();
      assert.equal(board.level(pins.ventilation), 0, 'still on: gases may be present');
      await hw!.dispose();
      assert.equal(board.level(pins.ventilation), 1);
      assert.equal(board.line(pins.ventilation).exported, false);
      assert.throws(() => ventilation.set(true), (err: unknown) => err instanceof EvseError && err.code === EvseErrorCode.DriverFailure);
    });

    it('a failed write throws naming the pin; absent from the config means null', async () => {
      const withIt = await open({ ventilation: line(pins.ventilation) });
      board.line(pins.ventilation).failWrites = true;
      assert.throws(() => withIt.ventilation?.set(true), /^EvseError: ventilation: gpiochip0 .* write failed/);
      assert.equal(withIt.ventilation?.isOn(), false);
      await withIt.dispose();
      const without = await open();
      assert.equal(without.ventilation, null);
    });
  });

  describe('contactor: the driver is the one owner of aux supervision', () => {
    let faults: ContactorFeedbackFault[];
    const start = async (): Promise<GpioHardware> => {
      const h = await open();
      faults = [];
      h.contactor.onFeedbackFault((f) => faults.push(f));
      await clock.tickAsync(300);
      return h;
    };

    it('a contactor that drops out later while commanded closed is reported once, feedbackMs after it dropped', async () => {
      const { contactor } = await start();
      contactor.close();
      await clock.tickAsync(30);
      board.set(pins.aux, 1);
      await clock.tickAsync(2000);
      assert.deepEqual(faults, []);
      board.set(pins.aux, 0); // coil supply lost: the contactor opened by itself
      await clock.tickAsync(250);
      assert.deepEqual(faults, [], 'the debounce (10 ms) comes first');
      await clock.tickAsync(20);
      assert.equal(faults.length, 1);
      const fault = faults.at(0) as ContactorFeedbackFault | undefined; // (deepEqual above narrowed `faults` to never[])
      assert.deepEqual({ kind: fault?.kind, commanded: fault?.commanded, feedback: fault?.feedback }, {
        kind: 'fails-to-close',
        commanded: 'closed',
        feedback: 'open',
      });
      await clock.tickAsync(5000);
      assert.equal(faults.length, 1, 'once per disagreement');
    });

    it('a welded contactor is reported once; it is reported again after it agreed and disagreed anew', async () => {
      const { contactor } = await start();
      board.set(pins.aux, 1);
      await clock.tickAsync(300);
      assert.equal(faults.length, 1, 'closed while commanded open');
      await clock.tickAsync(3000);
      assert.equal(faults.length, 1);
      board.set(pins.aux, 0);
      await clock.tickAsync(50);
      board.set(pins.aux, 1);
      await clock.tickAsync(300);
      assert.deepEqual(faults.map((f) => f.kind), ['welded', 'welded']);
      assert.equal(contactor.commanded(), 'open');
    });

    it('a new command restarts the supervision: no fault when the contact follows it in time', async () => {
      const { contactor } = await start();
      contactor.close();
      await clock.tickAsync(100);
      contactor.open(); // before the aux ever closed
      await clock.tickAsync(1000);
      assert.deepEqual(faults, []);
    });

    it('close() inside the minimum closing interval throws DriverFailure and leaves the relay open', async () => {
      const { contactor } = await start();
      board.set(pins.aux, 1);
      contactor.close();
      contactor.open();
      board.set(pins.aux, 0);
      assert.ok(contactor.closeAllowedInMs() > 0);
      assert.throws(() => contactor.close(), (err: unknown) => err instanceof EvseError && err.code === EvseErrorCode.DriverFailure);
      assert.equal(contactor.commanded(), 'open');
      assert.equal(board.level(pins.relay), 1);
    });

    it('without an aux contact: feedback() is null and no fault is ever reported', async () => {
      const h = await open({ contactor: { relay: line(pins.relay, true) } });
      faults = [];
      h.contactor.onFeedbackFault((f) => faults.push(f));
      h.contactor.close();
      await clock.tickAsync(2000);
      assert.equal(h.contactor.feedback(), null);
      assert.deepEqual(faults, []);
    });
  });
});

describe('hal/gpio with a DS18B20: inputs carry the temperature, a bad sensor fails the startup', () => {
  let sysfs: FakeSysfs;
  let board: FakeGpioBoard;
  let w1: string;
  const ID = '28-0316a2795dff';

  beforeEach(() => {
    sysfs = new FakeSysfs();
    sysfs.exportPwmChannel();
    board = new FakeGpioBoard();
    board.set(pins.emergencyStop, 1);
    w1 = mkdtempSync(join(tmpdir(), 'evse-w1-'));
    mkdirSync(join(w1, ID));
    writeFileSync(join(w1, ID, 'temperature'), '31500\n');
  });
  afterEach(() => {
    sysfs.remove();
    rmSync(w1, { recursive: true, force: true });
  });

  it('read() gives temperatureC and temperatureSensorFailed; a change of either notifies listeners', async () => {
    const hw = await createGpioHardware(testGpioConfig(sysfs.root, { temperatureSensor: { devicesDir: w1, failAfter: 1 } }), { Gpio: board.Gpio });
    try {
      assert.ok(hw.temperatureSensor);
      assert.deepEqual(hw.inputs.read(), { rcdTripped: false, emergencyStop: false, temperatureC: 31.5, temperatureSensorFailed: false });
      const seen: Array<[number | null, boolean]> = [];
      hw.inputs.onChange((s) => seen.push([s.temperatureC, s.temperatureSensorFailed]));
      writeFileSync(join(w1, ID, 'temperature'), '85000\n');
      await hw.temperatureSensor.pollNow();
      writeFileSync(join(w1, ID, 'temperature'), '40250\n');
      await hw.temperatureSensor.pollNow();
      assert.deepEqual(seen, [
        [null, true],
        [40.25, false],
      ]);
    } finally {
      await hw.dispose();
    }
  });

  it('an unreadable sensor is a startup error naming temperatureSensor; the outputs are left safe and released', async () => {
    writeFileSync(join(w1, ID, 'temperature'), '');
    await assert.rejects(
      createGpioHardware(testGpioConfig(sysfs.root, { temperatureSensor: { devicesDir: w1 }, ventilation: line(pins.ventilation) }), {
        Gpio: board.Gpio,
      }),
      (err: unknown) => err instanceof EvseError && /^temperatureSensor: DS18B20 28-0316a2795dff: first read of temperature failed: empty/.test(err.message),
    );
    assert.equal(board.level(pins.relay), 1, 'active-low relay inactive');
    assert.equal(board.level(pins.ventilation), 0);
    for (const [n, state] of board.lines) assert.equal(state.exported, false, `gpio${n} still exported`);
    assert.equal(sysfs.pwm('duty_cycle'), '0');
    assert.equal(sysfs.pwm('enable'), '0');
  });

  it('a missing sensor id is a startup error naming temperatureSensor.id', async () => {
    await assert.rejects(
      createGpioHardware(testGpioConfig(sysfs.root, { temperatureSensor: { devicesDir: w1, id: '28-000000000001' } }), { Gpio: board.Gpio }),
      /^EvseError: temperatureSensor\.id: DS18B20 28-000000000001 not found on the 1-wire bus; found: 28-0316a2795dff/,
    );
    assert.equal(board.level(pins.relay), 1);
    assert.equal(board.line(pins.relay).exported, false);
  });
});

describe('hal/gpio bad wiring at startup', () => {
  it('a line used twice is named, for the new lines too (ventilation, cable lock)', () => {
    const base = testGpioConfig('/sys');
    const issues = (overrides: Record<string, unknown>) => gpioConfigSchema.safeParse({ ...base, ...overrides }).error?.issues ?? [];
    const vent = issues({ ventilation: line(pins.relay) });
    assert.deepEqual(vent.map((i) => [i.path.join('.'), i.message]), [['ventilation', 'gpiochip0 line 17 is already used by contactor.relay']]);
    const lock = issues({ cableLock: { actuator: line(pins.lockActuator), feedback: line(pins.negativeLevel) } });
    assert.deepEqual(lock.map((i) => [i.path.join('.'), i.message]), [
      ['cableLock.feedback', 'gpiochip0 line 26 is already used by pilot.comparators.negativeLevel'],
    ]);
    const ventLock = issues({ ventilation: line(pins.lockActuator) });
    assert.deepEqual(ventLock.map((i) => i.path.join('.')), ['ventilation']);
  });

  it('a missing PWM chip lists the chips that exist', async () => {
    const sysfs = new FakeSysfs(undefined, { pwmChips: 2 });
    try {
      const cfg = testGpioConfig(sysfs.root);
      cfg.pilot.pwm.pwmChip = 'pwmchip5';
      const board = new FakeGpioBoard();
      await assert.rejects(
        createGpioHardware(cfg, { Gpio: board.Gpio }),
        (err: unknown) =>
          err instanceof EvseError &&
          err.code === EvseErrorCode.ChipNotFound &&
          /^pilot\.pwm: PWM chip pwmchip5 not found under .*; known: pwmchip0, pwmchip1 /.test(err.message),
      );
      assert.equal(board.level(pins.relay), 1);
      assert.equal(board.line(pins.relay).exported, false);
    } finally {
      sysfs.remove();
    }
  });

  it('pilot.negativeLevelSettleMs defaults to 10 and is an integer in 0…200', () => {
    const base = testGpioConfig('/sys');
    assert.equal(base.pilot.negativeLevelSettleMs, 10);
    for (const bad of [-1, 201, 2.5]) {
      const r = gpioConfigSchema.safeParse({ ...base, pilot: { ...base.pilot, negativeLevelSettleMs: bad } });
      assert.deepEqual(r.error?.issues[0]?.path, ['pilot', 'negativeLevelSettleMs'], String(bad));
    }
  });
});
