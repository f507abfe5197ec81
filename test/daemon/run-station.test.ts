import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import sinon from 'sinon';
import type { EnergyMeter, MeterSample } from '../../hal/meter.js';
import { parseConfig } from '../../src/config/load.js';
import { requireHardwareConfig, runStation } from '../../src/wiring/run-station.js';
import { EvseError, EvseErrorCode } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { FakeGpioBoard } from '../hal/gpio/support/fake-gpio.js';
import { FakeSysfs } from '../hal/gpio/support/fake-sysfs.js';
import { comparatorLevelsFor, pins, testGpioConfig } from '../hal/gpio/support/config.js';
import { TestNotifySocket } from './support/notify-socket.js';

class FakeProcess extends EventEmitter {
  readonly exit = sinon.spy((_code?: number) => undefined);
}

/** A meter that answers at once with a steady register. */
function steadyMeter(): EnergyMeter & { closed: boolean } {
  const m = {
    closed: false,
    read: (): Promise<MeterSample> =>
      Promise.resolve({
        phases: [{ voltageV: 230, currentA: 0, powerW: 0 }],
        totalPowerW: 0,
        importWh: 123_456,
        frequencyHz: 50,
        readAtMs: Date.now(),
      }),
    close: (): Promise<void> => {
      m.closed = true;
      return Promise.resolve();
    },
  };
  return m;
}

describe('daemon/runStation: the hardware composition root with the real station', function () {
  this.timeout(20_000);
  let sysfs: FakeSysfs;
  let board: FakeGpioBoard;
  let socket: TestNotifySocket;
  let stateDir: string;
  let proc: FakeProcess;

  beforeEach(() => {
    sysfs = new FakeSysfs();
    sysfs.exportPwmChannel();
    board = new FakeGpioBoard();
    for (const [name, level] of Object.entries(comparatorLevelsFor('A'))) board.set(pins[name as keyof typeof pins], level);
    board.set(pins.negativeLevel, 1);
    board.set(pins.emergencyStop, 1);
    socket = new TestNotifySocket();
    stateDir = mkdtempSync(join(tmpdir(), 'evse-run-state-'));
    proc = new FakeProcess();
  });
  afterEach(() => {
    socket.close();
    sysfs.remove();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const config = () =>
    parseConfig({
      gpio: testGpioConfig(sysfs.root),
      meter: { driver: 'modbus', port: '/dev/ttyUSB0', model: 'sdm630' },
    });

  it('sends READY=1 once up, WATCHDOG=1 from the control loop, and on SIGTERM goes safe, stops and exits 0', async () => {
    const meter = steadyMeter();
    const running = runStation(config(), 'test.json', {
      logger: silentLogger(),
      Gpio: board.Gpio,
      openMeter: () => Promise.resolve(meter),
      env: { NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '400000' },
      proc,
      stateDir,
    });
    await socket.until(() => socket.with('READY=1').length === 1);
    await socket.until(() => socket.with('WATCHDOG=1').length >= 3);
    assert.equal(board.level(pins.relay), 1, 'relay inactive (active low) while no EV');
    assert.equal(sysfs.pwm('enable'), '1');
    // The fallback for a hard death, in the state folder when systemd gives no RUNTIME_DIRECTORY.
    assert.match(readFileSync(join(stateDir, 'fail-safe.sh'), 'utf8'), new RegExp(`^echo 1 > '${sysfs.root}/class/gpio/gpio${pins.relay}/value'`, 'm'));

    proc.emit('SIGTERM');
    assert.equal(board.level(pins.relay), 1);
    assert.equal(sysfs.pwm('duty_cycle'), '0', 'pilot F synchronously, before the graceful part');
    await running;
    await socket.until(() => socket.with('STOPPING=1').length === 1);
    await new Promise((r) => setImmediate(r));
    assert.ok(proc.exit.calledOnceWith(0), `exit calls: ${JSON.stringify(proc.exit.args)}`);
    assert.equal(meter.closed, true);
    for (const [n, line] of board.lines) assert.equal(line.exported, false, `gpio${n} still exported`);
    assert.equal(sysfs.pwm('enable'), '0');
  });

  it('SIGHUP (systemctl reload) replaces the tariff from the config file; an invalid one is refused and the old one stays', async () => {
    const file = join(stateDir, 'config.json');
    const input = (tariffId: string, price: string) => ({
      gpio: testGpioConfig(sysfs.root),
      meter: { driver: 'modbus', port: '/dev/ttyUSB0', model: 'sdm630' },
      tariff: { id: tariffId, currency: 'EUR', energyBands: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00', pricePerKwh: price }] },
    });
    writeFileSync(file, JSON.stringify(input('v1', '0.30')));
    const lines: { msg: string; tariff?: string; reason?: string; err?: string; sections?: string[] }[] = [];
    const logger = pino({ level: 'info' }, new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
        cb();
      },
    }));
    const running = runStation(parseConfig(input('v1', '0.30')), file, {
      logger,
      Gpio: board.Gpio,
      openMeter: () => Promise.resolve(steadyMeter()),
      env: { NOTIFY_SOCKET: socket.path },
      proc,
      stateDir,
    });
    await socket.until(() => socket.with('READY=1').length === 1);
    const pwmBefore = sysfs.pwm('duty_cycle');
    // A new tariff, and a web port that only a restart applies.
    writeFileSync(file, JSON.stringify({ ...input('v2', '0.35'), web: { port: 8081 } }));
    proc.emit('SIGHUP');
    assert.ok(lines.some((l) => l.msg === 'tariff reloaded' && l.tariff === 'v2'), JSON.stringify(lines.slice(-3)));
    const restartHint = lines.find((l) => l.sections !== undefined);
    assert.deepEqual(restartHint?.sections, ['web'], 'sections that need a restart are named');
    writeFileSync(file, JSON.stringify(input('v3', '-1')));
    proc.emit('SIGHUP');
    const refused = lines.find((l) => l.msg === 'tariff reload refused; the running tariff stays');
    assert.ok(refused, 'refusal logged');
    assert.match(refused.reason ?? refused.err ?? '', /tariff\.energyBands\.0\.pricePerKwh/);
    // Each reload: RELOADING=1 then READY=1, whatever the outcome; the station was never stopped.
    await socket.until(() => socket.with('READY=1').length === 3);
    assert.equal(socket.with('RELOADING=1').length, 2);
    assert.match(socket.with('READY=1')[2] ?? '', /STATUS=.*reload refused/);
    assert.equal(socket.with('STOPPING=1').length, 0);
    assert.equal(proc.exit.callCount, 0);
    assert.ok(!lines.some((l) => l.msg === 'shutting down'), 'no shutdown');
    assert.equal(board.level(pins.relay), 1);
    assert.equal(sysfs.pwm('duty_cycle'), pwmBefore, 'the pilot untouched');
    assert.equal(sysfs.pwm('enable'), '1');
    proc.emit('SIGTERM');
    await running;
    await new Promise((r) => setImmediate(r));
    assert.ok(proc.exit.calledOnceWith(0));
  });

  it('a busy line at startup: rejects naming the pin, relay left off, nothing left exported, no READY', async () => {
    board.busy(pins.negativeLevel);
    await assert.rejects(
      runStation(config(), 'test.json', {
        logger: silentLogger(),
        Gpio: board.Gpio,
        openMeter: () => Promise.resolve(steadyMeter()),
        env: { NOTIFY_SOCKET: socket.path },
        proc,
        stateDir,
      }),
      (err: unknown) => err instanceof EvseError && /pilot\.comparators\.negativeLevel: .*EBUSY/.test(err.message),
    );
    assert.equal(board.level(pins.relay), 1);
    for (const [n, line] of board.lines) assert.equal(line.exported, false, `gpio${n} still exported`);
    assert.equal(socket.with('READY=1').length, 0);
    assert.equal(proc.listenerCount('SIGTERM'), 0, 'fail-safe handlers removed after a failed start');
  });

  it('a meter that cannot be opened: the GPIO drivers are released again and the error propagates', async () => {
    await assert.rejects(
      runStation(config(), 'test.json', {
        logger: silentLogger(),
        Gpio: board.Gpio,
        openMeter: () => Promise.reject(new Error('ENOENT: /dev/ttyUSB0')),
        env: {},
        proc,
        stateDir,
      }),
      /ENOENT: \/dev\/ttyUSB0/,
    );
    for (const [n, line] of board.lines) assert.equal(line.exported, false, `gpio${n} still exported`);
    assert.equal(sysfs.pwm('duty_cycle'), '0');
  });

  it('refuses a config without gpio, or with the simulated meter, before touching hardware (ConfigInvalid → exit 78)', () => {
    assert.throws(
      () => requireHardwareConfig(parseConfig({}), 'c.json'),
      (err: unknown) => err instanceof EvseError && err.code === EvseErrorCode.ConfigInvalid && /c\.json: gpio: required/.test(err.message),
    );
    assert.throws(
      () => requireHardwareConfig(parseConfig({ gpio: testGpioConfig('/sys') }), 'c.json'),
      /meter\.driver: evse run needs a real meter, "modbus" \(got "sim"\)/,
    );
  });
});
