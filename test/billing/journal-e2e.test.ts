import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeterSample } from '../../hal/meter.js';
import { computeCost, costSessionFromJournal } from '../../src/billing/cost.js';
import { parseTariff } from '../../src/billing/tariff-schema.js';
import { runReceipt } from '../../src/commands/receipt.js';
import { journalDeps, runReport, type BillingCommandDeps } from '../../src/commands/report.js';
import { EvseError, EvseErrorCode } from '../../src/errors.js';
import { openJournal } from '../../src/journal/journal.js';
import { main } from '../../src/cli.js';
import sinon from 'sinon';

const MINUTE = 60_000;

function sample(importWh: number, atMs: number, signedRecord?: string): MeterSample {
  return {
    phases: [0, 1, 2].map(() => ({ voltageV: 230, currentA: 16, powerW: 3680 })),
    totalPowerW: 11_040,
    importWh,
    frequencyHz: 50,
    readAtMs: atMs,
    ...(signedRecord === undefined ? {} : { signedRecord }),
  };
}

describe('billing over the real SQLite journal', function () {
  let dir: string;
  let configPath: string;
  const t0 = Date.UTC(2026, 2, 28, 22, 0); // 23:00 CET on 28 March, across the spring-forward night
  const tariff = {
    id: 'night-day',
    timeZone: 'Europe/Berlin',
    energyBands: [
      { label: 'night', from: '00:00', to: '06:00', pricePerKwh: '0.20' },
      { label: 'day', from: '06:00', to: '24:00', pricePerKwh: '0.40' },
    ],
    taxRatePercent: '19',
  };

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'evse-billing-journal-'));
    configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify({ station: { id: 'EVSE-E2E', timeZone: 'Europe/Berlin' }, tariff }));
    const journal = await openJournal({ stateDir: dir });
    try {
      const id = await journal.startSession({
        connectorId: 1,
        idTag: 'RFID00009876',
        plugInAtMs: t0 - 2 * MINUTE,
        authorizedAtMs: t0 - MINUTE,
        startAtMs: t0,
        meterStartWh: 50_000,
      });
      await journal.recordEvent(id, { kind: 'energy-flow-started', atMs: t0 });
      // 6 kWh per hour, a reading every 30 minutes for 8 real hours (23:00 CET → 08:00 CEST).
      for (let half = 1; half < 16; half += 1) {
        await journal.recordSample(id, sample(50_000 + half * 3000, t0 + half * 30 * MINUTE, `OCMF|{"RV":${50_000 + half * 3000}}|{"SD":"${half}"}`));
      }
      await journal.recordEvent(id, { kind: 'charging-completed', atMs: t0 + 8 * 60 * MINUTE });
      await journal.stopSession(id, { stopAtMs: t0 + 8 * 60 * MINUTE, meterStopWh: 98_000, reason: 'EVDisconnected' });
      await journal.recordUnplug(id, t0 + 8 * 60 * MINUTE);
    } finally {
      await journal.close();
    }
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  const deps: BillingCommandDeps = { ...journalDeps, nowMs: () => t0 + 24 * 60 * MINUTE };

  it('prices the journaled session across the DST night and stores the breakdown for recomputation', async function () {
    const journal = await openJournal({ stateDir: dir });
    try {
      const [session] = await journal.sessions({ fromMs: t0 - 1, toMs: t0 + 1 });
      assert.ok(session);
      const cost = computeCost(
        parseTariff(tariff),
        costSessionFromJournal(session, await journal.samples(session.id), await journal.events(session.id)),
        t0 + 9 * 60 * MINUTE,
        'Europe/Berlin', // the station's zone, stored with the breakdown as the station does
      );
      // Day 23:00–24:00 CET (1 h), night 00:00 CET → 06:00 CEST (5 real hours: 02:00 is skipped), day to 08:00 CEST (2 h).
      const night = cost.energy.filter((s) => s.band === 'night').reduce((a, s) => a + s.wh, 0);
      const day = cost.energy.filter((s) => s.band === 'day').reduce((a, s) => a + s.wh, 0);
      assert.deepEqual({ night, day }, { night: 30_000, day: 18_000 });
      assert.equal(cost.energyWh, 48_000);
      await journal.saveCost(session.id, cost);
      const stored = await journal.session(session.id);
      assert.deepEqual(stored?.cost, JSON.parse(JSON.stringify(cost)));
    } finally {
      await journal.close();
    }
  });

  it('evse report sessions reads it back through openJournal', async function () {
    const json = await runReport('sessions', { stateDir: dir, config: configPath, from: '2026-03-28', to: '2026-03-29', format: 'json' }, deps);
    const rows = JSON.parse(json) as { id: number; energyWh: number; totalMinor: number; start: string; stopReason: string }[];
    assert.equal(rows.length, 1);
    // 30 kWh × 0.20 + 18 kWh × 0.40 = 13.20 net, × 1.19 = 15.708 → 15.71.
    assert.deepEqual(
      rows.map((r) => [r.energyWh, r.totalMinor, r.start, r.stopReason]),
      [[48_000, 1571, '2026-03-28 23:00:00 +01:00', 'EVDisconnected']],
    );
  });

  it('evse receipt prints the journaled facts and the last signed record', async function () {
    const text = await runReceipt('1', { stateDir: dir, config: configPath, format: 'text' }, deps);
    for (const fragment of ['EVSE-E2E', '****9876', 'Meter start   50000 Wh', 'Meter stop    98000 Wh', 'TOTAL', '15.71 EUR', 'OCMF|{"RV":95000}|{"SD":"15"}']) {
      assert.ok(text.includes(fragment), `"${fragment}" in:\n${text}`);
    }
  });

  it('is wired into the evse command: output on stdout, exit 0; a bad date exits 64 naming it', async function () {
    let stdout = '';
    let stderr = '';
    const out = sinon.stub(process.stdout, 'write').callsFake((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    const err = sinon.stub(process.stderr, 'write').callsFake((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    let ok: number;
    let bad: number;
    try {
      ok = await main(['report', 'energy', '--state-dir', dir, '--config', configPath, '--from', '2026-03-01', '--to', '2026-03-31', '--format', 'csv', '--period', 'month']);
      bad = await main(['report', 'energy', '--state-dir', dir, '--from', '2026-13-01', '--to', '2026-03-31']);
    } finally {
      out.restore();
      err.restore();
    }
    assert.equal(ok, 0);
    assert.equal(stdout, 'period,key,currency,sessions,energyWh,netMinor,taxMinor,revenueMinor,revenue\r\nmonth,2026-03,EUR,1,48000,1320,251,1571,15.71\r\n');
    assert.equal(bad, 64);
    assert.match(stderr, /--from must be a date YYYY-MM-DD .*\(got "2026-13-01"\)/);
  });

  it('refuses a folder without a journal instead of creating one', async function () {
    const empty = mkdtempSync(join(tmpdir(), 'evse-billing-empty-'));
    try {
      await assert.rejects(
        runReport('energy', { stateDir: empty, from: '2026-03-01', to: '2026-03-31', format: 'table' }, deps),
        (err: unknown) => err instanceof EvseError && err.code === EvseErrorCode.JournalUnavailable && err.message.includes(empty),
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
