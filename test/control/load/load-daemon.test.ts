import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import type { MeterSample } from '../../../hal/meter.js';
import { builtInMaps } from '../../../hal/modbus/maps/index.js';
import { openSerialLink } from '../../../hal/modbus/serial-link.js';
import { parseConfig } from '../../../src/config/load.js';
import { runStation } from '../../../src/wiring/run-station.js';
import { multidrop } from '../../../simulator/modbus/multidrop.js';
import { openPtyPair, type PtyPair } from '../../../simulator/modbus/pty-pair.js';
import { ModbusRtuSlave } from '../../../simulator/modbus/rtu-slave.js';
import { FakeGpioBoard } from '../../hal/gpio/support/fake-gpio.js';
import { FakeSysfs } from '../../hal/gpio/support/fake-sysfs.js';
import { comparatorLevelsFor, pins, testGpioConfig } from '../../hal/gpio/support/config.js';
import { freePort } from '../../mqtt/support/mosquitto.js';
import { capturedLogger, waitUntil } from '../../notify/support/helpers.js';
import { requireTool } from '../../support/tools.js';
import { parsePrometheusText } from '../../support/prometheus-text.js';

class FakeProcess extends EventEmitter {
  readonly exit = sinon.spy((_code?: number) => undefined);
}

const phase = (currentA: number, powerW: number) => ({ voltageV: 230, currentA, powerW });
const evSample = (): MeterSample => ({ phases: [phase(0, 0), phase(0, 0), phase(0, 0)], totalPowerW: 0, importWh: 1000, frequencyHz: 50, readAtMs: Date.now() });
/** The house: 3.45 kW on L1 (15 A), 1.15 kW on L2 and L3 (5 A). */
const mainsSample = (): MeterSample => ({ phases: [phase(15, 3450), phase(5, 1150), phase(5, 1150)], totalPowerW: 5750, importWh: 9_000_000, frequencyHz: 50, readAtMs: Date.now() });

/**
 * `evse run` with load management: the EV meter and the mains meter on one serial port (a real socat pty pair, two
 * simulated meters with unit ids 1 and 2 on the far end), opened by the daemon as it opens them on a station.
 */
describe('load management in the daemon (evse run): both meters on one real serial port', function () {
  this.timeout(30_000);
  let sysfs: FakeSysfs;
  let board: FakeGpioBoard;
  let stateDir: string;
  let pty: PtyPair | undefined;
  let slaves: ModbusRtuSlave[] = [];
  let proc: FakeProcess;
  let running: Promise<void> | null = null;

  beforeEach(async function () {
    requireTool(this, 'socat');
    pty = await openPtyPair();
    const line = await openSerialLink({ path: pty.a, baudRate: 9600, parity: 'none', stopBits: 1 });
    const [evLink, mainsLink] = multidrop(line, 2);
    if (evLink === undefined || mainsLink === undefined) throw new Error('multidrop gave no links');
    slaves = [
      new ModbusRtuSlave(evLink, { map: builtInMaps.sdm630, unitId: 1, source: evSample, answerDelayMs: 10 }),
      new ModbusRtuSlave(mainsLink, { map: builtInMaps.sdm630, unitId: 2, source: mainsSample, answerDelayMs: 10 }),
    ];
    sysfs = new FakeSysfs();
    sysfs.exportPwmChannel();
    board = new FakeGpioBoard();
    for (const [name, level] of Object.entries(comparatorLevelsFor('A'))) board.set(pins[name as keyof typeof pins], level);
    board.set(pins.negativeLevel, 1);
    board.set(pins.emergencyStop, 1);
    stateDir = mkdtempSync(join(tmpdir(), 'evse-load-run-'));
  });
  afterEach(async () => {
    if (running) {
      proc.emit('SIGTERM');
      await running;
      running = null;
    }
    for (const s of slaves) await s.close();
    slaves = [];
    await pty?.close();
    sysfs?.remove();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('reads the mains meter on the EV meter line, limits the offer by the fuse, and says when the mains meter is lost', async () => {
    if (pty === undefined) return;
    const port = await freePort();
    const log = capturedLogger();
    proc = new FakeProcess();
    const config = parseConfig({
      station: { id: 'RUN-LOAD' },
      gpio: testGpioConfig(sysfs.root),
      meter: { driver: 'modbus', port: pty.b, model: 'sdm630', unitId: 1, timeoutMs: 200, retries: 0 },
      web: { port },
      loadManagement: { mode: 'fuse', fuseA: 25, marginA: 2, meter: { driver: 'modbus', port: pty.b, model: 'sdm630', unitId: 2, timeoutMs: 200, retries: 0 } },
    });
    running = runStation(config, 'test.json', { logger: log.logger, Gpio: board.Gpio, env: {}, proc, stateDir });
    const scrape = async () => parsePrometheusText(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    const value = (m: Awaited<ReturnType<typeof scrape>>, name: string, labels: Record<string, string> = {}) =>
      m.get(name)?.samples.find((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;
    await waitUntil('the mains reading in /metrics', async () => {
      try {
        return value(await scrape(), 'evse_mains_current_amperes', { phase: 'L1' }) === 15;
      } catch {
        return false;
      }
    });
    const m = await scrape();
    assert.equal(value(m, 'evse_mains_current_amperes', { phase: 'L2' }), 5);
    // The fuse leaves 25 − 2 − 15 = 8 A on L1: the offer is the mains' (no EV drawing, so the room as it is).
    assert.equal(value(m, 'evse_offer_limited_by', { source: 'load' }), 1);
    assert.equal(value(m, 'evse_offered_current_amperes'), 8);
    assert.equal(value(m, 'evse_meter_errors_total', { kind: 'timeout' }) ?? 0, 0, 'the EV meter read cleanly beside the mains meter');

    slaves[1]?.setFault('no-answer');
    await waitUntil('the mains meter lost', async () => value(await scrape(), 'evse_mains_meter_lost') === 1);
    const lost = await scrape();
    assert.equal(value(lost, 'evse_fault_active', { fault: 'mains-meter-lost', severity: 'warn' }), 1);
    assert.equal(value(lost, 'evse_offered_current_amperes'), 6, 'the safe current, never "the building is idle"');
    proc.emit('SIGTERM');
    await running;
    running = null;
  });
});
