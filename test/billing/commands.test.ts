import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerReceiptCommand } from '../../src/commands/receipt.js';
import { registerReportCommands, type BillingCommandDeps } from '../../src/commands/report.js';
import { EvseError, EvseErrorCode } from '../../src/errors.js';
import { journaledSession } from './fixtures.js';
import { MemoryJournalReader } from './memory-reader.js';

const configJson = {
  station: { id: 'EVSE-TEST-1', timeZone: 'Europe/Berlin' },
  tariff: {
    id: 'test-tariff',
    energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: '0.40' }],
    taxRatePercent: '19',
  },
};

describe('billing/commands (report, receipt)', () => {
  let dir: string;
  let configPath: string;
  let output: string;
  let openedDirs: string[];
  let closed: number;
  let deps: BillingCommandDeps;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'evse-billing-'));
    configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify(configJson));
    output = '';
    openedDirs = [];
    closed = 0;
    const a = journaledSession(1, Date.UTC(2026, 5, 1, 6));
    const b = journaledSession(2, Date.UTC(2026, 5, 2, 21, 30), {}, { chargeMinutes: 60, signed: true });
    const c = journaledSession(3, Date.UTC(2026, 5, 10, 6));
    const reader = new MemoryJournalReader([a.session, b.session, c.session], [...a.samples, ...b.samples, ...c.samples], [
      ...a.events,
      ...b.events,
      ...c.events,
    ]);
    deps = {
      openReader: (stateDir) => {
        openedDirs.push(stateDir);
        return Promise.resolve({
          reader,
          close: () => {
            closed += 1;
            return Promise.resolve();
          },
        });
      },
      nowMs: () => Date.UTC(2026, 6, 1),
      write: (text) => {
        output += text;
      },
    };
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(...args: string[]): Promise<void> {
    const program = new Command('evse').exitOverride();
    registerReportCommands(program, deps);
    registerReceiptCommand(program, deps);
    await program.parseAsync(args, { from: 'user' });
  }

  it('report sessions lists the sessions that started in the local date range, as CSV', async () => {
    await run('report', 'sessions', '--config', configPath, '--state-dir', dir, '--from', '2026-06-01', '--to', '2026-06-02', '--format', 'csv');
    const lines = output.trim().split('\r\n');
    assert.equal(lines[0], 'id,connectorId,idTag,start,stop,stopReason,connectedMinutes,chargingMinutes,idleMinutes,energyWh,currency,totalMinor,total,clockTrusted');
    // 22 kWh × 0.40 × 1.19 = 10.472 → 10.47; 11 kWh → 5.236 → 5.24. --to includes 2 June (session 2 starts 23:30 local).
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(',').slice(0, 4).concat(l.split(',').slice(-5))),
      [
        ['1', '1', '****1234', '2026-06-01 08:00:00 +02:00', '22000', 'EUR', '1047', '10.47', 'true'],
        ['2', '1', '****1234', '2026-06-02 23:30:00 +02:00', '11000', 'EUR', '524', '5.24', 'true'],
      ],
    );
    assert.deepEqual(openedDirs, [dir]);
    assert.equal(closed, 1, 'the journal is closed after reading');
  });

  it('report energy gives per-period sums as JSON', async () => {
    await run('report', 'energy', '--config', configPath, '--from', '2026-06-01', '--to', '2026-06-30', '--format', 'json', '--period', 'month');
    const rows = JSON.parse(output) as { key: string; sessions: number; energyWh: number; revenueMinor: number }[];
    assert.deepEqual(rows, [
      { period: 'month', key: '2026-06', currency: 'EUR', sessions: 3, energyWh: 55_000, netMinor: 2200, taxMinor: 418, revenueMinor: 2618, revenue: '26.18' },
    ]);
  });

  it('report utilization prints a summary and the peak-hours table', async () => {
    await run('report', 'utilization', '--config', configPath, '--from', '2026-06-01', '--to', '2026-06-01');
    assert.match(output, /occupiedMinutes\s+152/);
    assert.match(output, /chargingShare\s+0\.0833/);
    assert.match(output, /Peak hours \(local time\)/);
    assert.match(output, /\n\s+8\s+60\s+60\s+1\n/);
  });

  it('receipt prints one session as text, with the station id from the config', async () => {
    await run('receipt', '2', '--config', configPath);
    assert.match(output, /Charging receipt — session 2/);
    assert.match(output, /EVSE-TEST-1, connector 1/);
    assert.match(output, /TOTAL\s+5\.24 EUR/);
    assert.match(output, /OCMF\|/);
  });

  it('receipt as JSON carries the breakdown and the tariff', async () => {
    await run('receipt', '1', '--config', configPath, '--format', 'json');
    const receipt = JSON.parse(output) as { totalMinor: number; tariff: { id: string }; meter: { energyWh: number } };
    assert.equal(receipt.totalMinor, 1047);
    assert.equal(receipt.tariff.id, 'test-tariff');
    assert.equal(receipt.meter.energyWh, 22_000);
  });

  it('names a bad date, a reversed range and an unknown session', async () => {
    const isInvalidArgument = (fragment: string) => (err: unknown) =>
      err instanceof EvseError && err.code === EvseErrorCode.InvalidArgument && err.message.includes(fragment);
    await assert.rejects(run('report', 'sessions', '--from', '2026-02-30', '--to', '2026-03-01'), isInvalidArgument('--from must be a date YYYY-MM-DD'));
    await assert.rejects(run('report', 'sessions', '--from', '2026-06-10', '--to', '2026-06-01'), isInvalidArgument('must be after --from'));
    await assert.rejects(run('receipt', '99', '--config', configPath), isInvalidArgument('no session 99'));
    await assert.rejects(run('receipt', 'abc'), isInvalidArgument('(got "abc")'));
    assert.equal(closed, 1, 'the journal opened for the unknown session was closed again');
  });

  it('rejects an invalid tariff in the config with its path', async () => {
    writeFileSync(configPath, JSON.stringify({ tariff: { currency: 'EURO' } }));
    await assert.rejects(
      run('report', 'sessions', '--config', configPath, '--from', '2026-06-01', '--to', '2026-06-02'),
      (err: unknown) => err instanceof EvseError && err.code === EvseErrorCode.ConfigInvalid && err.message.includes('tariff.currency'),
    );
  });
});
