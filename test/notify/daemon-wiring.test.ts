import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import type { EnergyMeter, MeterSample } from '../../hal/meter.js';
import { parseConfig } from '../../src/config/load.js';
import { runStation } from '../../src/wiring/run-station.js';
import { FakeGpioBoard } from '../hal/gpio/support/fake-gpio.js';
import { FakeSysfs } from '../hal/gpio/support/fake-sysfs.js';
import { comparatorLevelsFor, pins, testGpioConfig } from '../hal/gpio/support/config.js';
import { freePort } from '../mqtt/support/mosquitto.js';
import { capturedLogger, HookServer, waitUntil } from './support/helpers.js';

class FakeProcess extends EventEmitter {
  readonly exit = sinon.spy((_code?: number) => undefined);
}

const steadyMeter = (): EnergyMeter => ({
  read: (): Promise<MeterSample> =>
    Promise.resolve({ phases: [{ voltageV: 230, currentA: 0, powerW: 0 }], totalPowerW: 0, importWh: 1000, frequencyHz: 50, readAtMs: Date.now() }),
  close: () => Promise.resolve(),
});

describe('notify: wired into the daemon (evse run)', function () {
  this.timeout(20_000);
  let sysfs: FakeSysfs;
  let board: FakeGpioBoard;
  let stateDir: string;
  let hook: HookServer;
  let proc: FakeProcess;
  let running: Promise<void> | null = null;

  beforeEach(async () => {
    sysfs = new FakeSysfs();
    sysfs.exportPwmChannel();
    board = new FakeGpioBoard();
    for (const [name, level] of Object.entries(comparatorLevelsFor('A'))) board.set(pins[name as keyof typeof pins], level);
    board.set(pins.negativeLevel, 1);
    board.set(pins.emergencyStop, 1);
    stateDir = mkdtempSync(join(tmpdir(), 'evse-notify-run-'));
    hook = new HookServer(await freePort());
    await hook.start();
  });
  afterEach(async () => {
    // A failed assertion must not leave the station running (mocha would never exit).
    if (running) {
      proc.emit('SIGTERM');
      await running;
      running = null;
    }
    await hook.stop();
    sysfs.remove();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('a fault of the running station reaches the configured webhook; SIGTERM stops the channel with the station', async () => {
    const log = capturedLogger();
    proc = new FakeProcess();
    const config = parseConfig({
      station: { id: 'RUN-1' },
      gpio: testGpioConfig(sysfs.root),
      meter: { driver: 'modbus', port: '/dev/ttyUSB0', model: 'sdm630' },
      web: { enabled: false },
      alerts: { webhook: { url: hook.url, secret: 'daemon-secret', minSeverity: 'warn' } },
    });
    running = runStation(config, 'test.json', { logger: log.logger, Gpio: board.Gpio, openMeter: () => Promise.resolve(steadyMeter()), env: {}, proc, stateDir });
    await waitUntil('the webhook channel registered', () => log.text().includes('alert channel started'));
    board.set(pins.emergencyStop, 0);
    await waitUntil('the fault alert at the webhook', () => hook.accepted.some((b) => b['code'] === 'fault-emergency-stop'), 10_000);
    const body = hook.accepted.find((b) => b['code'] === 'fault-emergency-stop')!;
    assert.equal(body['stationId'], 'RUN-1');
    assert.equal(hook.requests[0]!.headers['x-evse-delivery'], `RUN-1-${String(body['id'])}`);
    proc.emit('SIGTERM');
    await running;
    running = null;
    assert.ok(!log.text().includes('daemon-secret'));
  });
});
