import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeterSample } from '../../hal/meter.js';
import { parseTariff } from '../../src/billing/tariff-schema.js';
import { TariffHolder } from '../../src/billing/tariff-holder.js';
import type { Clock, TimerHandle } from '../../src/clock.js';
import { runReceipt } from '../../src/commands/receipt.js';
import { journalDeps, runReport, type BillingCommandDeps } from '../../src/commands/report.js';
import { openJournal } from '../../src/journal/journal.js';
import { silentLogger } from '../../src/logger.js';
import { BillingRecorder } from '../../src/session/billing-recorder.js';

const MINUTE = 60_000;
/** Monday 2026-06-01, 06:30 in Berlin (04:30 UTC): the session straddles Berlin's 07:00 band boundary. */
const t0 = Date.UTC(2026, 5, 1, 4, 30);

const berlinTariff = {
  id: 'berlin-2026',
  currency: 'EUR',
  energyBands: [
    { label: 'night', from: '00:00', to: '07:00', pricePerKwh: '0.29' },
    { label: 'day', from: '07:00', to: '24:00', pricePerKwh: '0.49' },
  ],
  pricePerChargingHour: '0.40',
  idleFeePerMinute: '0.10',
  idleGraceMinutes: 5,
  flatFee: '0.35',
  taxRatePercent: '19',
};
/** Three configs that would each price and date the session differently if they were asked. */
const configs = {
  none: undefined,
  berlin: { station: { id: 'EVSE-1', timeZone: 'Europe/Berlin' }, tariff: berlinTariff },
  tokyo: {
    station: { id: 'EVSE-1', timeZone: 'Asia/Tokyo' },
    tariff: { id: 'tokyo', currency: 'JPY', timeZone: 'Asia/Tokyo', energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: '40' }] },
  },
} as const;

/** The station's clock as the billing recorder sees it: wall time set by the test; timers kept, not run. */
class TestClock implements Clock {
  now = t0;
  readonly timers: { fn: () => void; ms: number }[] = [];
  nowMs(): number {
    return this.now;
  }
  monotonicMs(): number {
    return this.now;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    this.timers.push({ fn, ms });
    return this.timers.length as unknown as TimerHandle;
  }
  clearTimeout(): void {}
  setInterval(): TimerHandle {
    throw new Error('not used');
  }
  clearInterval(): void {}
}

function sample(importWh: number, atMs: number): MeterSample {
  return { phases: [0, 1, 2].map(() => ({ voltageV: 230, currentA: 16, powerW: 3680 })), totalPowerW: 11_040, importWh, frequencyHz: 50, readAtMs: atMs };
}

describe('billing: a session prints the same under any config (real SQLite journal)', function () {
  this.timeout(30_000);
  let dir: string;
  const paths: Record<keyof typeof configs, string | undefined> = { none: undefined, berlin: undefined, tokyo: undefined };
  const deps: BillingCommandDeps = { ...journalDeps, nowMs: () => t0 + 3 * 60 * MINUTE };

  /** Charges 60 min at 11 kW as the Berlin station bills it, stops; unplugs after `unplugAfterMin` unless null. */
  async function billSession(unplugAfterMin: number | null, closeByTimer = false): Promise<number> {
    const journal = await openJournal({ stateDir: dir });
    const clock = new TestClock();
    try {
      const billing = new BillingRecorder(journal, new TariffHolder(parseTariff(berlinTariff)), 'Europe/Berlin', clock, silentLogger(), journal);
      const id = await billing.startSession({ connectorId: 1, idTag: 'CARD0001', plugInAtMs: t0, authorizedAtMs: t0, startAtMs: t0, meterStartWh: 10_000 });
      await billing.recordEvent(id, { kind: 'energy-flow-started', atMs: t0 });
      for (let m = 1; m < 60; m += 1) await billing.recordSample(id, sample(10_000 + Math.round((11_000 * m) / 60), t0 + m * MINUTE));
      clock.now = t0 + 60 * MINUTE;
      await billing.stopSession(id, { stopAtMs: clock.now, meterStopWh: 21_000, reason: 'Local' });
      if (closeByTimer) {
        // No unplug journaled: the bill closes when the tariff's closeWithoutUnplugAfterMinutes (default a day) ran out.
        const [timer] = clock.timers;
        assert.ok(timer, 'a close timer is set at the stop');
        assert.equal(timer.ms, 1440 * MINUTE);
        clock.now += timer.ms;
        timer.fn();
        for (let i = 0; i < 100 && !(await isFinal(journal, id)); i++) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        assert.equal(await isFinal(journal, id), true, 'closed by the timer');
      }
      if (unplugAfterMin !== null) {
        clock.now += unplugAfterMin * MINUTE;
        await billing.recordUnplug(id, clock.now);
      }
      billing.dispose();
      return id;
    } finally {
      await journal.close();
    }
  }

  async function isFinal(journal: { session(id: number): Promise<{ cost: unknown } | null> }, id: number): Promise<boolean> {
    const cost = (await journal.session(id))?.cost as { final?: boolean } | null | undefined;
    return cost?.final === true;
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'evse-any-config-'));
    for (const name of ['berlin', 'tokyo'] as const) {
      const path = join(dir, `${name}.json`);
      writeFileSync(path, JSON.stringify({ ...configs[name], journal: { stateDir: dir } }));
      paths[name] = path;
    }
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const withoutStationLine = (text: string): string =>
    text
      .split('\n')
      .filter((l) => !/^(Station|Connector) /.test(l))
      .join('\n');

  async function printEverywhere(session: number): Promise<{ texts: string[]; json: { total: string; currency: string; basis: { source: string }; timeZone: string }[] }> {
    const texts: string[] = [];
    const json: { total: string; currency: string; basis: { source: string }; timeZone: string }[] = [];
    for (const name of ['none', 'berlin', 'tokyo'] as const) {
      const config = paths[name];
      const opts = { stateDir: dir, ...(config !== undefined ? { config } : {}) };
      // The station line names the printing config's station id (not journaled); everything else is the journal's.
      texts.push(withoutStationLine(await runReceipt(String(session), { ...opts, format: 'text' }, deps)));
      json.push(JSON.parse(await runReceipt(String(session), { ...opts, format: 'json' }, deps)) as (typeof json)[number]);
    }
    return { texts, json };
  }

  it('a closed bill prints from its stored breakdown: same receipt and report rows without a config, in Berlin and in Tokyo', async () => {
    const id = await billSession(20);
    const { texts, json } = await printEverywhere(id);
    assert.equal(texts[1], texts[0]);
    assert.equal(texts[2], texts[0]);
    // Energy 5.5 kWh night + 5.5 kWh day, 1 h × 0.40, 15 min idle × 0.10, 0.35 fee = 6.54 net, 7.78 gross.
    assert.deepEqual(json.map((r) => [r.total, r.currency, r.basis.source, r.timeZone]), Array(3).fill(['7.78', 'EUR', 'stored', 'Europe/Berlin']));
    assert.match(texts[0] ?? '', /Started +2026-06-01 06:30:00 \+02:00/);
    assert.match(texts[0] ?? '', /Amounts +as billed/);

    for (const kind of ['sessions', 'energy'] as const) {
      const outputs: string[] = [];
      for (const name of ['none', 'berlin', 'tokyo'] as const) {
        const config = paths[name];
        const range = { from: '2026-06-01T00:00:00Z', to: '2026-06-02T00:00:00Z' };
        outputs.push(await runReport(kind, { stateDir: dir, ...range, format: 'csv', ...(config !== undefined ? { config } : {}) }, deps));
      }
      assert.equal(outputs[1], outputs[0], kind);
      assert.equal(outputs[2], outputs[0], kind);
      assert.match(outputs[0] ?? '', kind === 'sessions' ? /2026-06-01 06:30:00 \+02:00/ : /day,2026-06-01,EUR,1,11000,654,124,778,7\.78/);
    }
  });

  it('an open bill (stopped, not yet unplugged) is recomputed in the zone and with the tariff stored at the start, and says so', async () => {
    const id = await billSession(null);
    const { texts, json } = await printEverywhere(id);
    assert.equal(texts[1], texts[0]);
    assert.equal(texts[2], texts[0]);
    assert.deepEqual(json.map((r) => [r.currency, r.basis.source, r.timeZone]), Array(3).fill(['EUR', 'recomputed', 'Europe/Berlin']));
    assert.match(texts[0] ?? '', /recomputed from the journal .*tariff stored with the session, zone stored with the session/);
    assert.match(texts[0] ?? '', /RUNNING, not final|not final/);
  });

  it('a bill without an unplug closes after closeWithoutUnplugAfterMinutes, without idle after the stop; a late unplug does not reopen it', async () => {
    const id = await billSession(25 * 60, true);
    const { texts, json } = await printEverywhere(id);
    assert.equal(texts[2], texts[0]);
    // As the closed bill above less its 15 billable idle minutes (no unplug when it closed): 5.04 net, 6.00 gross.
    assert.deepEqual(json.map((r) => [r.total, r.basis.source]), Array(3).fill(['6.00', 'stored']));
    assert.match(texts[0] ?? '', /Unplugged +2026-06-03 08:30:00 \+02:00/);
  });
});
