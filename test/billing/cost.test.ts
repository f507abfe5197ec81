import assert from 'node:assert/strict';
import { computeCost, type CostBreakdown, type CostSession } from '../../src/billing/cost.js';
import { parseTariff, type Tariff } from '../../src/billing/tariff-schema.js';
import { startOfLocalDate } from '../../src/billing/wall-clock.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const BERLIN = 'Europe/Berlin';

/** A session with readings every `stepMs` at constant power (Wh per hour), register starting at `startWh`. */
function steadySession(startAtMs: number, durationMs: number, whPerHour: number, stepMs = HOUR, startWh = 100_000): CostSession {
  const samples = [];
  for (let t = stepMs; t < durationMs; t += stepMs) {
    samples.push({ atMs: startAtMs + t, importWh: startWh + (whPerHour * t) / HOUR });
  }
  return {
    startAtMs,
    stopAtMs: startAtMs + durationMs,
    meterStartWh: startWh,
    meterStopWh: startWh + (whPerHour * durationMs) / HOUR,
    samples,
    events: [],
  };
}

/** Every displayed line of a breakdown, in order. */
function lines(cost: CostBreakdown): number[] {
  return [
    ...cost.energy.map((s) => s.amountMinor),
    cost.time.amountMinor,
    cost.idle.amountMinor,
    cost.flatFeeMinor,
    cost.cap.adjustmentMinor,
    cost.taxMinor,
  ];
}

function whPerBand(cost: CostBreakdown): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const segment of cost.energy) totals[segment.band] = (totals[segment.band] ?? 0) + segment.wh;
  return totals;
}

const nightAndDay: Tariff = parseTariff({
  timeZone: BERLIN,
  energyBands: [
    { label: 'night', from: '00:00', to: '06:00', pricePerKwh: '0.20' },
    { label: 'day', from: '06:00', to: '24:00', pricePerKwh: '0.40' },
  ],
});

describe('billing/cost', () => {
  describe('band boundaries', () => {
    it('uses the reading at a boundary exactly and marks nothing interpolated', () => {
      // Wed 2026-06-10 04:00 local (CEST) to 08:00, readings every hour, 7 kWh per hour.
      const start = startOfLocalDate(BERLIN, 2026, 6, 10) + 4 * HOUR;
      const cost = computeCost(nightAndDay, steadySession(start, 4 * HOUR, 7000), start + 4 * HOUR);
      assert.deepEqual(
        cost.energy.map((s) => [s.band, s.wh, s.interpolated]),
        [
          ['night', 14_000, false],
          ['day', 14_000, false],
        ],
      );
      assert.equal(cost.energyWh, 28_000);
      assert.equal(cost.totalMinor, 280 + 560);
    });

    it('interpolates the register where a boundary falls between two readings, and says so', () => {
      // Readings at 05:00 and 07:00 only (plus start 04:00, stop 08:00): 06:00 lies between them.
      const start = startOfLocalDate(BERLIN, 2026, 6, 10) + 4 * HOUR;
      const session: CostSession = {
        startAtMs: start,
        stopAtMs: start + 4 * HOUR,
        meterStartWh: 0,
        meterStopWh: 10_000,
        samples: [
          { atMs: start + HOUR, importWh: 1000 },
          { atMs: start + 3 * HOUR, importWh: 9001 },
        ],
        events: [],
      };
      const cost = computeCost(nightAndDay, session, start + 4 * HOUR);
      // Halfway between 1000 and 9001 is 5000.5 Wh, rounded half-up to 5001.
      assert.deepEqual(
        cost.energy.map((s) => [s.band, s.fromWh, s.toWh, s.interpolated]),
        [
          ['night', 0, 5001, true],
          ['day', 5001, 10_000, true],
        ],
      );
      assert.equal(cost.energyWh, 10_000, 'interpolation moves energy between bands, never creates or loses any');
    });

    it('prices a session across midnight into a weekend band', () => {
      const tariff = parseTariff({
        timeZone: BERLIN,
        energyBands: [
          { label: 'weekday', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '00:00', to: '24:00', pricePerKwh: '0.50' },
          { label: 'weekend', days: ['sat', 'sun'], from: '00:00', to: '24:00', pricePerKwh: '0.30' },
        ],
      });
      // Friday 2026-07-03 22:00 to Saturday 01:30 local, 11 kWh per hour, readings every 30 minutes.
      const start = startOfLocalDate(BERLIN, 2026, 7, 3) + 22 * HOUR;
      const cost = computeCost(tariff, steadySession(start, 3.5 * HOUR, 11_000, 30 * MINUTE), start + 4 * HOUR);
      assert.deepEqual(whPerBand(cost), { weekday: 22_000, weekend: 16_500 });
      assert.equal(cost.totalMinor, 1100 + 495);
    });

    it('follows the station time zone when the tariff names none', () => {
      const tariff = parseTariff({ energyBands: nightAndDay.energyBands });
      const start = Date.UTC(2026, 5, 10, 4); // 04:00 UTC = 06:00 in Berlin (CEST)
      const inUtc = computeCost(tariff, steadySession(start, HOUR, 1000), start + HOUR, 'UTC');
      const inBerlin = computeCost(tariff, steadySession(start, HOUR, 1000), start + HOUR, BERLIN);
      assert.deepEqual(Object.keys(whPerBand(inUtc)), ['night']);
      assert.deepEqual(Object.keys(whPerBand(inBerlin)), ['day']);
    });
  });

  describe('daylight-saving days in Europe/Berlin 2026', () => {
    it('29 March (clocks jump 02:00 → 03:00): the night band 00:00–06:00 lasts 5 real hours', () => {
      const start = startOfLocalDate(BERLIN, 2026, 3, 29); // 00:00 CET = 23:00 UTC the day before
      assert.equal(start, Date.UTC(2026, 2, 28, 23));
      // Until 08:00 CEST = 06:00 UTC: 7 real hours at 7 kWh per hour.
      const cost = computeCost(nightAndDay, steadySession(start, 7 * HOUR, 7000), start + 7 * HOUR);
      assert.deepEqual(whPerBand(cost), { night: 35_000, day: 14_000 });
      assert.equal(cost.energy[0]?.toMs, Date.UTC(2026, 2, 29, 4), 'night ends at 06:00 CEST = 04:00 UTC');
      assert.equal(cost.totalMinor, 700 + 560);
    });

    it('25 October (clocks fall back 03:00 → 02:00): the night band 00:00–06:00 lasts 7 real hours', () => {
      const start = startOfLocalDate(BERLIN, 2026, 10, 25); // 00:00 CEST = 22:00 UTC the day before
      assert.equal(start, Date.UTC(2026, 9, 24, 22));
      // Until 08:00 CET = 07:00 UTC: 9 real hours.
      const cost = computeCost(nightAndDay, steadySession(start, 9 * HOUR, 7000), start + 9 * HOUR);
      assert.deepEqual(whPerBand(cost), { night: 49_000, day: 14_000 });
      assert.equal(cost.energy[0]?.toMs, Date.UTC(2026, 9, 25, 5), 'night ends at 06:00 CET = 05:00 UTC');
      assert.equal(cost.totalMinor, 980 + 560);
    });

    it('25 October: a band inside the repeated hour applies to both passes of the wall clock', () => {
      const tariff = parseTariff({
        timeZone: BERLIN,
        energyBands: [
          { label: 'base', from: '00:00', to: '02:00', pricePerKwh: '0.30' },
          { label: 'happy', from: '02:00', to: '03:00', pricePerKwh: '0.10' },
          { label: 'base', from: '03:00', to: '24:00', pricePerKwh: '0.30' },
        ],
      });
      const start = Date.UTC(2026, 9, 24, 23); // 01:00 CEST
      const cost = computeCost(tariff, steadySession(start, 3 * HOUR, 6000, 15 * MINUTE), start + 3 * HOUR);
      // 01:00–02:00 CEST base, 02:00 CEST–02:00 CET … 03:00 CET happy (2 real hours).
      assert.deepEqual(whPerBand(cost), { base: 6000, happy: 12_000 });
      assert.equal(cost.energy.length, 2, 'the two passes of 02:00–03:00 form one stretch');
    });
  });

  describe('components, caps, tax and rounding', () => {
    const start = Date.UTC(2026, 5, 10, 10);

    it('charges time while energy flows and idle minutes after the grace period', () => {
      const tariff = parseTariff({
        energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: '0.30' }],
        pricePerChargingHour: '1.20',
        idleFeePerMinute: '0.10',
        idleGraceMinutes: 30,
        flatFee: '0.50',
      });
      const session: CostSession = {
        ...steadySession(start, 3 * HOUR, 5000),
        unplugAtMs: start + 3 * HOUR + 15 * MINUTE,
        events: [
          { kind: 'energy-flow-started', atMs: start + 5 * MINUTE },
          { kind: 'charging-completed', atMs: start + 2 * HOUR + 5 * MINUTE },
        ],
      };
      const cost = computeCost(tariff, session, start + 4 * HOUR);
      assert.equal(cost.time.chargingMs, 2 * HOUR);
      assert.equal(cost.time.amountMinor, 240);
      // Idle from charging completed (2:05) to unplug (3:15) = 70 min, 40 billable.
      assert.equal(cost.idle.idleMs, 70 * MINUTE);
      assert.equal(cost.idle.billableMs, 40 * MINUTE);
      assert.equal(cost.idle.amountMinor, 400);
      assert.equal(cost.flatFeeMinor, 50);
      assert.equal(cost.energyWh, 15_000);
      assert.equal(cost.totalMinor, 450 + 240 + 400 + 50);
    });

    it('raises a cheap session to the minimum price and caps an expensive one at the maximum, before tax', () => {
      const tariff = parseTariff({
        energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: '0.50' }],
        minPrice: '2',
        maxPrice: '10',
        taxRatePercent: '10',
      });
      const cheap = computeCost(tariff, steadySession(start, HOUR, 1000), start + HOUR);
      assert.deepEqual([cheap.cap.applied, cheap.cap.adjustmentMinor, cheap.netMinor, cheap.taxMinor, cheap.totalMinor], ['min', 150, 200, 20, 220]);
      const dear = computeCost(tariff, steadySession(start, 4 * HOUR, 11_000), start + 4 * HOUR);
      assert.deepEqual([dear.cap.applied, dear.cap.adjustmentMinor, dear.netMinor, dear.taxMinor, dear.totalMinor], ['max', -1200, 1000, 100, 1100]);
      const between = computeCost(tariff, steadySession(start, HOUR, 10_000), start + HOUR);
      assert.deepEqual([between.cap.applied, between.cap.adjustmentMinor, between.totalMinor], [null, 0, 550]);
    });

    it('rounds once at the end, half-up: lines that would each round to zero still add up', () => {
      // Three bands of 4 Wh at 1.00/kWh: 0.004 each, 0.012 in all → 0.01 (per-line rounding would give 0.00).
      const tariff = parseTariff({
        energyBands: [
          { from: '00:00', to: '08:00', pricePerKwh: '1' },
          { from: '08:00', to: '16:00', pricePerKwh: '1' },
          { from: '16:00', to: '24:00', pricePerKwh: '1' },
        ],
      });
      const session: CostSession = {
        startAtMs: Date.UTC(2026, 5, 10, 7),
        stopAtMs: Date.UTC(2026, 5, 11, 1),
        meterStartWh: 0,
        meterStopWh: 12,
        samples: [
          { atMs: Date.UTC(2026, 5, 10, 8), importWh: 4 },
          { atMs: Date.UTC(2026, 5, 10, 16), importWh: 8 },
        ],
        events: [],
      };
      const cost = computeCost(tariff, session, Date.UTC(2026, 5, 11, 2));
      assert.equal(cost.totalMinor, 1);
      assert.equal(lines(cost).reduce((a, b) => a + b, 0), 1);
    });

    it('rounds half-up at exactly half a minor unit, after tax on the exact net', () => {
      // Net 0.10 + 5 % tax = 0.105 → 0.11; net 0.005 → 0.01 (no tax).
      const withTax = parseTariff({ flatFee: '0.10', taxRatePercent: '5' });
      const session: CostSession = { startAtMs: start, stopAtMs: start + HOUR, meterStartWh: 0, meterStopWh: 0, samples: [], events: [] };
      const taxed = computeCost(withTax, session, start + HOUR);
      assert.deepEqual([taxed.netMinor, taxed.taxMinor, taxed.totalMinor], [10, 1, 11]);
      const half = computeCost(parseTariff({ flatFee: '0.005' }), session, start + HOUR);
      assert.equal(half.totalMinor, 1);
      const below = computeCost(parseTariff({ flatFee: '0.004999' }), session, start + HOUR);
      assert.equal(below.totalMinor, 0);
    });

    it('taxes the exact net, not the rounded lines (19 % VAT on 33.3 Wh-priced energy)', () => {
      // 10 kWh at 0.333333 = 3.33333 net; ×1.19 = 3.9666627 → 3.97 total, 3.33 net, 0.64 tax.
      const tariff = parseTariff({ energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: '0.333333' }], taxRatePercent: '19' });
      const cost = computeCost(tariff, steadySession(start, HOUR, 10_000), start + HOUR);
      assert.deepEqual([cost.netMinor, cost.taxMinor, cost.totalMinor], [333, 64, 397]);
    });

    it('uses the minor units of the currency (JPY has none, KWD three)', () => {
      const session = steadySession(start, HOUR, 10_000);
      const yen = computeCost(parseTariff({ currency: 'JPY', energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: '31.25' }] }), session, start + HOUR);
      assert.deepEqual([yen.minorUnits, yen.totalMinor], [0, 313]);
      const dinar = computeCost(parseTariff({ currency: 'KWD', energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: '0.0125' }] }), session, start + HOUR);
      assert.deepEqual([dinar.minorUnits, dinar.totalMinor], [3, 125]);
    });
  });

  describe('journal data', () => {
    it('holds a register that runs backwards and ignores readings out of order, counting both', () => {
      const start = Date.UTC(2026, 5, 10, 10);
      const session: CostSession = {
        startAtMs: start,
        stopAtMs: null,
        meterStartWh: 1000,
        samples: [
          { atMs: start + 2 * MINUTE, importWh: 1200 },
          { atMs: start + MINUTE, importWh: 1100 },
          { atMs: start + 3 * MINUTE, importWh: 900 },
          { atMs: start + 4 * MINUTE, importWh: 1300 },
        ],
        events: [],
      };
      const cost = computeCost(parseTariff({ energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: '1' }] }), session, start + 5 * MINUTE);
      assert.equal(cost.energyWh, 300);
      assert.equal(cost.readingAnomalies, 1);
      assert.equal(cost.final, false);
    });

    it('is JSON-serialisable and carries the tariff, so it can be stored and recomputed', () => {
      const start = Date.UTC(2026, 5, 10, 10);
      const session = steadySession(start, HOUR, 1000);
      const cost = computeCost(nightAndDay, session, start + HOUR);
      const stored = JSON.parse(JSON.stringify(cost)) as CostBreakdown;
      assert.deepEqual(computeCost(stored.tariff, session, start + HOUR), cost);
    });
  });
});
