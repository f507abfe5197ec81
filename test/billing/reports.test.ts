import assert from 'node:assert/strict';
import fc from 'fast-check';
import { renderCsv, renderTable, tableOf } from '../../src/billing/render.js';
import {
  energyReport,
  periodKey,
  reportSession,
  sessionsReport,
  utilizationReport,
  type ReportContext,
  type ReportSession,
} from '../../src/billing/reports.js';
import { parseTariff } from '../../src/billing/tariff-schema.js';
import { startOfLocalDate } from '../../src/billing/wall-clock.js';
import { journaledSession } from './fixtures.js';

const BERLIN = 'Europe/Berlin';
const HOUR = 3_600_000;
const MINUTE = 60_000;
const context: ReportContext = {
  tariff: parseTariff({
    energyBands: [
      { from: '00:00', to: '07:00', pricePerKwh: '0.2777' },
      { from: '07:00', to: '24:00', pricePerKwh: '0.4913' },
    ],
    pricePerChargingHour: '0.33',
    idleFeePerMinute: '0.05',
    idleGraceMinutes: 10,
    flatFee: '0.15',
    taxRatePercent: '19',
  }),
  timeZone: BERLIN,
  nowMs: Date.UTC(2027, 0, 1),
};

function prepared(id: number, startAtMs: number, chargeMinutes = 120, powerW = 11_000): ReportSession {
  const { session, samples, events } = journaledSession(id, startAtMs, {}, { chargeMinutes, powerW });
  return reportSession(session, samples, events, context);
}

describe('billing/reports', () => {
  it('lists sessions with local times, masked tags, durations, energy and totals', () => {
    const rows = sessionsReport([prepared(2, Date.UTC(2026, 5, 2, 16)), prepared(1, Date.UTC(2026, 5, 1, 16))], BERLIN);
    assert.deepEqual(
      rows.map((r) => [r.id, r.idTag, r.start, r.stop, r.stopReason, r.connectedMinutes, r.chargingMinutes, r.idleMinutes, r.energyWh]),
      [
        [1, '****1234', '2026-06-01 18:00:00 +02:00', '2026-06-01 20:20:00 +02:00', 'Local', 152, 120, 30, 22_000],
        [2, '****1234', '2026-06-02 18:00:00 +02:00', '2026-06-02 20:20:00 +02:00', 'Local', 152, 120, 30, 22_000],
      ],
    );
    assert.equal(rows[0]?.total, (Number(rows[0]?.totalMinor) / 100).toFixed(2));
  });

  it('buckets energy and revenue by the local day, ISO week and month of the start', () => {
    // 23:30 UTC on 28 March is already 29 March in Berlin (and a Sunday: ISO week 13).
    const lateNight = prepared(1, Date.UTC(2026, 2, 28, 23, 30), 60);
    const nextDay = prepared(2, Date.UTC(2026, 2, 30, 6), 60);
    const rows = energyReport([lateNight, nextDay], BERLIN);
    assert.deepEqual(
      rows.map((r) => [r.period, r.key, r.sessions, r.energyWh]),
      [
        ['day', '2026-03-29', 1, 11_000],
        ['day', '2026-03-30', 1, 11_000],
        ['week', '2026-W13', 1, 11_000],
        ['week', '2026-W14', 1, 11_000],
        ['month', '2026-03', 2, 22_000],
      ],
    );
    const month = rows.find((r) => r.period === 'month');
    assert.equal(month?.revenueMinor, lateNight.cost.totalMinor + nextDay.cost.totalMinor);
    assert.equal(month?.netMinor, lateNight.cost.netMinor + nextDay.cost.netMinor);
  });

  it('numbers ISO weeks across the turn of the year', () => {
    assert.equal(periodKey('week', 'UTC', Date.UTC(2026, 0, 1)), '2026-W01');
    assert.equal(periodKey('week', 'UTC', Date.UTC(2026, 11, 31)), '2026-W53');
    assert.equal(periodKey('week', 'UTC', Date.UTC(2027, 0, 3)), '2026-W53');
    assert.equal(periodKey('week', 'UTC', Date.UTC(2027, 0, 4)), '2027-W01');
    assert.equal(periodKey('week', 'UTC', Date.UTC(2024, 11, 30)), '2025-W01');
  });

  it('measures utilization as shares of the range, with a peak-hours histogram on the wall clock', () => {
    const day = startOfLocalDate(BERLIN, 2026, 6, 1);
    const range = { fromMs: day, toMs: day + 24 * HOUR };
    // Plugged 17:58–20:30 local, charging 18:00–20:00.
    const report = utilizationReport([prepared(1, day + 18 * HOUR)], range, BERLIN);
    assert.equal(report.availableMinutes, 1440);
    assert.equal(report.occupiedMinutes, 152);
    assert.equal(report.chargingMinutes, 120);
    assert.equal(report.idleMinutes, 30);
    assert.equal(report.occupiedShare, Math.round((152 / 1440) * 10_000) / 10_000);
    assert.deepEqual(
      report.peakHours.filter((h) => h.occupiedMinutes > 0).map((h) => [h.hour, h.occupiedMinutes, h.chargingMinutes, h.sessionsStarted]),
      [
        [17, 2, 0, 0],
        [18, 60, 60, 1],
        [19, 60, 60, 0],
        [20, 30, 0, 0],
      ],
    );
    assert.equal(report.averageEnergyWh, 22_000);
    assert.equal(report.averageConnectedMinutes, 152);
  });

  it('clips utilization to the range', () => {
    const day = startOfLocalDate(BERLIN, 2026, 6, 1);
    const report = utilizationReport([prepared(1, day + 23 * HOUR)], { fromMs: day, toMs: day + 24 * HOUR }, BERLIN);
    assert.equal(report.occupiedMinutes, 62);
    assert.equal(report.chargingMinutes, 60);
  });

  it('report totals equal the sum of their sessions; utilization of two adjoining ranges adds up (property)', () => {
    const sessionArb = fc.record({
      startAtMs: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }),
      chargeMinutes: fc.integer({ min: 1, max: 300 }),
      powerW: fc.integer({ min: 0, max: 22_000 }),
    });
    const splitArb = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) });
    fc.assert(
      fc.property(fc.array(sessionArb, { maxLength: 12 }), splitArb, (specs, splitAtMs) => {
        const sessions = specs.map((s, i) => prepared(i + 1, s.startAtMs, s.chargeMinutes, s.powerW));
        const energy = sessions.reduce((a, s) => a + s.cost.energyWh, 0);
        const revenue = sessions.reduce((a, s) => a + s.cost.totalMinor, 0);
        const rows = energyReport(sessions, BERLIN);
        for (const period of ['day', 'week', 'month'] as const) {
          const ofPeriod = rows.filter((r) => r.period === period);
          assert.equal(ofPeriod.reduce((a, r) => a + r.energyWh, 0), energy);
          assert.equal(ofPeriod.reduce((a, r) => a + r.revenueMinor, 0), revenue);
          assert.equal(ofPeriod.reduce((a, r) => a + r.netMinor + r.taxMinor, 0), revenue);
          assert.equal(ofPeriod.reduce((a, r) => a + r.sessions, 0), sessions.length);
        }
        const listed = sessionsReport(sessions, BERLIN);
        assert.equal(listed.reduce((a, r) => a + r.totalMinor, 0), revenue);
        const year = { fromMs: Date.UTC(2025, 11, 31), toMs: Date.UTC(2027, 0, 2) };
        const utilization = utilizationReport(sessions, year, BERLIN);
        assert.equal(utilization.energyWh, energy);
        const exactCharging = sessions.reduce((a, s) => a + s.timeline.chargingMs, 0);
        assert.equal(utilization.chargingMinutes, Math.round(exactCharging / MINUTE));
        const histogramCharging = utilization.peakHours.reduce((a, h) => a + h.chargingMinutes, 0);
        assert.ok(Math.abs(histogramCharging - utilization.chargingMinutes) <= 12, 'histogram within per-hour rounding');
        // Split the year anywhere: each session counts with its in-range part on both sides, energy to the Wh.
        const before = utilizationReport(sessions, { fromMs: year.fromMs, toMs: splitAtMs }, BERLIN);
        const after = utilizationReport(sessions, { fromMs: splitAtMs, toMs: year.toMs }, BERLIN);
        assert.equal(before.energyWh + after.energyWh, energy);
        assert.ok(Math.abs(before.chargingMinutes + after.chargingMinutes - utilization.chargingMinutes) <= 1, 'per-side rounding');
        assert.ok(Math.abs(before.occupiedMinutes + after.occupiedMinutes - utilization.occupiedMinutes) <= 1, 'per-side rounding');
        assert.ok(before.sessions + after.sessions >= sessions.length, 'a session across the split counts on both sides');
        assert.ok(before.sessions <= sessions.length && after.sessions <= sessions.length);
        const started = (r: typeof before): number => r.peakHours.reduce((a, h) => a + h.sessionsStarted, 0);
        assert.equal(started(before) + started(after), sessions.length, 'each session started on one side only');
      }),
      { numRuns: 25 },
    );
  });

  describe('renderers', () => {
    const table = tableOf([
      { id: 1, note: 'plain', total: '12.41' },
      { id: 22, note: 'has, comma and "quotes"', total: '3.00' },
    ]);

    it('writes RFC 4180 CSV with a header', () => {
      assert.equal(renderCsv(table), 'id,note,total\r\n1,plain,12.41\r\n22,"has, comma and ""quotes""",3.00\r\n');
    });

    it('aligns a text table, numbers to the right', () => {
      assert.equal(
        renderTable(table),
        ['id  note                     total', '--  -----------------------  -----', ' 1  plain                    12.41', '22  has, comma and "quotes"  3.00', ''].join('\n'),
      );
    });
  });
});
