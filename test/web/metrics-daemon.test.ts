import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import sinon from 'sinon';
import { MeterReadError, type EnergyMeter, type MeterSample } from '../../hal/meter.js';
import { parseConfig } from '../../src/config/load.js';
import { runStation } from '../../src/wiring/run-station.js';
import { FakeGpioBoard } from '../hal/gpio/support/fake-gpio.js';
import { FakeSysfs } from '../hal/gpio/support/fake-sysfs.js';
import { comparatorLevelsFor, pins, testGpioConfig } from '../hal/gpio/support/config.js';
import { parsePrometheusText } from '../support/prometheus-text.js';

class FakeProcess extends EventEmitter {
  readonly exit = sinon.spy((_code?: number) => undefined);
}

/** A meter whose every third read fails its CRC, as a noisy RS-485 line does. */
function noisyMeter(): EnergyMeter {
  let reads = 0;
  return {
    read: (): Promise<MeterSample> => {
      reads += 1;
      if (reads % 3 === 0) return Promise.reject(new MeterReadError('crc', 'CRC mismatch'));
      return Promise.resolve({ phases: [{ voltageV: 230, currentA: 0, powerW: 0 }], totalPowerW: 0, importWh: 5_000, frequencyHz: 50, readAtMs: Date.now() });
    },
    close: () => Promise.resolve(),
  };
}

/**
 * `evse run`'s wiring of `/metrics` (src/wiring/run-station.ts): the daemon on fake GPIO, its journal in a real state
 * folder, scraped over HTTP: the journal's size and alert log and the meter's errors reach the page's worker.
 */
describe('web: /metrics of the daemon (evse run)', function () {
  this.timeout(30_000);

  it('serves the journal size, the alert families and meter errors by kind, and stops cleanly', async () => {
    const sysfs = new FakeSysfs();
    sysfs.exportPwmChannel();
    const board = new FakeGpioBoard();
    for (const [name, level] of Object.entries(comparatorLevelsFor('A'))) board.set(pins[name as keyof typeof pins], level);
    board.set(pins.negativeLevel, 1);
    board.set(pins.emergencyStop, 1);
    const stateDir = mkdtempSync(join(tmpdir(), 'evse-metrics-run-'));
    const proc = new FakeProcess();
    const lines: { msg?: string; url?: string }[] = [];
    const logger = pino({ level: 'info' }, new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
        cb();
      },
    }));
    const config = parseConfig({
      gpio: testGpioConfig(sysfs.root),
      meter: { driver: 'modbus', port: '/dev/ttyUSB0', model: 'sdm630', pollIntervalMs: 200 },
      web: { port: 0 },
    });
    const running = runStation(config, 'test.json', { logger, Gpio: board.Gpio, openMeter: () => Promise.resolve(noisyMeter()), env: {}, proc, stateDir });
    try {
      let url: string | undefined;
      for (let i = 0; i < 200 && url === undefined; i++) {
        url = lines.find((l) => l.msg === 'status page listening')?.url;
        if (url === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(url, 'the status page started');
      let crc = 0;
      let scrape = parsePrometheusText('');
      for (let i = 0; i < 100 && crc < 2; i++) {
        const res = await fetch(`${url}metrics`);
        assert.equal(res.status, 200);
        scrape = parsePrometheusText(await res.text());
        crc = scrape.get('evse_meter_errors_total')?.samples.find((s) => s.labels['kind'] === 'crc')?.value ?? 0;
        if (crc < 2) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(crc >= 2, `CRC errors counted: ${crc}`);
      assert.ok((scrape.get('evse_journal_size_bytes')?.samples[0]?.value ?? 0) > 0, 'journal.db and its log have bytes');
      assert.equal(scrape.get('evse_alerts_total')?.type, 'counter', 'the alert log is read');
      assert.equal(scrape.get('evse_status')?.samples.find((s) => s.labels['status'] === 'Available')?.value, 1);
      assert.equal(scrape.get('evse_energy_imported_joules_total')?.samples[0]?.value, 5_000 * 3600);
    } finally {
      proc.emit('SIGTERM');
      await running;
      sysfs.remove();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
