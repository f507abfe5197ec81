import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import type { EventRow, SampleRow, SessionRow } from '../../src/journal/ports.js';
import { silentLogger } from '../../src/logger.js';
import { buildStatusApp } from '../../src/web/app.js';
import type { DailyEnergy, SessionSeries, UtilizationHours } from '../../src/web/chart-series.js';
import { startStatusServer } from '../../src/web/server.js';
import { localStatusData } from '../../src/web/status-data.js';
import { benchConfigInput } from '../../simulator/bench-config.js';
import { createSimStation, type SimStation } from '../../src/commands/sim/sim-station.js';
import { reportSession } from '../../src/billing/reports.js';
import { dailyEnergy } from '../../src/web/chart-series.js';
import { MemoryJournalReader } from '../billing/memory-reader.js';

/** Now: 2026-11-21 22:30 in Berlin (UTC+1). */
const NOW = Date.parse('2026-11-21T21:30:00Z');
const HOUR = 3_600_000;

function session(id: number, startAtMs: number, hours: number, energyWh: number): SessionRow {
  return {
    id,
    connectorId: 1,
    idTag: 'CARD',
    plugInAtMs: startAtMs - 60_000,
    authorizedAtMs: startAtMs - 30_000,
    startAtMs,
    stopAtMs: startAtMs + hours * HOUR,
    unplugAtMs: startAtMs + hours * HOUR + 60_000,
    meterStartWh: 10_000,
    meterStopWh: 10_000 + energyWh,
    stopReason: 'Local',
    csmsTransactionId: null,
    cost: null,
    clockTrusted: true,
  };
}

/**
 * Two sessions: #1 two days ago at 09:00 Berlin time (3 kWh in an hour), #2 today at 18:00 (1200 samples over two
 * hours at 7.2 kW, its offer changed from 16 A to 10 A after the first hour).
 */
function fixture(): MemoryJournalReader {
  const first = session(1, Date.parse('2026-11-19T08:00:00Z'), 1, 3000);
  const second = session(2, Date.parse('2026-11-21T17:00:00Z'), 2, 14_400);
  const samples: SampleRow[] = [];
  for (const [s, n] of [[first, 12], [second, 1200]] as const) {
    const energy = (s.meterStopWh ?? 0) - s.meterStartWh;
    for (let i = 0; i <= n; i++) {
      samples.push({
        sessionId: s.id,
        atMs: s.startAtMs + (i * ((s.stopAtMs ?? 0) - s.startAtMs)) / n,
        importWh: s.meterStartWh + Math.round((energy * i) / n),
        totalPowerW: i % 2 === 0 ? 7000 : 7400,
        currentsA: [10, 10, 10],
        voltagesV: [230, 230, 230],
        signedRecord: null,
      });
    }
  }
  const events: EventRow[] = [
    { sessionId: 2, kind: 'limit-changed', atMs: second.startAtMs, detail: { amps: 16, limitedBy: 'hardware' } },
    { sessionId: 2, kind: 'limit-changed', atMs: second.startAtMs + HOUR, detail: { amps: 10, limitedBy: 'external' } },
  ];
  return new MemoryJournalReader([first, second], samples, events);
}

describe('web: chart series API (/api/sessions/:id/series, /api/energy/daily, /api/utilization/hours)', function () {
  this.timeout(30_000);
  let sim: SimStation;
  let app: FastifyInstance;
  const config = parseConfig({ ...benchConfigInput, station: { timeZone: 'Europe/Berlin' } });
  const clock: Clock = { ...systemClock, nowMs: () => NOW };

  before(async () => {
    sim = await createSimStation({ config, clock: systemClock, logger: silentLogger(), meterPath: 'direct' });
    app = buildStatusApp(localStatusData({ station: sim.station, config, clock }, fixture()), () => undefined);
  });

  after(async () => {
    await app.close();
    await sim.close();
  });

  const get = async (url: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await app.inject({ url });
    return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
  };

  it("a session's curve: at most the points asked for, mean power, the offer in force, the energy", async () => {
    const { status, body } = await get('/api/sessions/2/series?points=100');
    assert.equal(status, 200);
    const series = body as unknown as SessionSeries;
    assert.equal(series.samples, 1201);
    assert.equal(series.points.length, 100);
    assert.ok(series.points.every((p) => p.powerW > 7000 && p.powerW < 7400), 'each point is the mean of its samples');
    assert.equal(series.points[0]?.offeredA, 16);
    assert.equal(series.points[series.points.length - 1]?.offeredA, 10);
    assert.equal(series.energyWh, 14_400);
    assert.equal(series.points[series.points.length - 1]?.importWh, 24_400);
    const all = (await get('/api/sessions/2/series')).body as unknown as SessionSeries;
    assert.ok(all.points.length <= 300, 'the default is 300 points');
  });

  it('energy per local day for 30 days, oldest first, empty days as zeros, with revenue', async () => {
    const { status, body } = await get('/api/energy/daily?days=30');
    assert.equal(status, 200);
    const days = (body as { days: DailyEnergy[] }).days;
    assert.equal(days.length, 30);
    assert.equal(days[29]?.date, '2026-11-21');
    assert.equal(days[0]?.date, '2026-10-23');
    const byDate = new Map(days.map((d) => [d.date, d]));
    assert.equal(byDate.get('2026-11-19')?.energyWh, 3000);
    assert.equal(byDate.get('2026-11-21')?.energyWh, 14_400);
    assert.equal(byDate.get('2026-11-20')?.energyWh, 0);
    // 3 kWh at 0.39 + 0.50 flat fee, 19 % tax: 1.67 + 0.095 → 1.99 EUR.
    assert.equal(byDate.get('2026-11-19')?.revenue[0]?.text, '1.99 EUR');
    assert.equal(days.reduce((n, d) => n + d.sessions, 0), 2);
  });

  it("a finished session's stored bill is charted without reading its samples (they would be copied to the station's thread)", async () => {
    const full = fixture();
    const context = { tariff: sim.station.tariffs.current(), timeZone: 'Europe/Berlin', nowMs: NOW };
    const first = await full.session(1);
    assert.ok(first);
    const bill = reportSession(first, await full.samples(1), await full.events(1), context).cost;
    const billed = { ...first, cost: JSON.parse(JSON.stringify({ ...bill, final: true })) as unknown };
    const second = await full.session(2);
    assert.ok(second);
    const reader = new MemoryJournalReader([billed, second], [...(await full.samples(1)), ...(await full.samples(2))], []);
    const read: number[] = [];
    const samples = reader.samples.bind(reader);
    reader.samples = (id) => (read.push(id), samples(id));
    const days = await dailyEnergy(reader, 3, context);
    assert.deepEqual(read, [2], 'only the session without a stored final bill had its samples read');
    assert.equal(days[0]?.energyWh, 3000);
    assert.equal(days[0]?.revenue[0]?.text, '1.99 EUR');
  });

  it('the peak-hours histogram of the utilization report, by local hour', async () => {
    const { status, body } = await get('/api/utilization/hours?days=7');
    assert.equal(status, 200);
    const report = body as unknown as UtilizationHours;
    assert.equal(report.hours.length, 24);
    assert.equal(report.sessions, 2);
    assert.equal(report.hours[9]?.sessionsStarted, 1);
    assert.equal(report.hours[18]?.sessionsStarted, 1);
    assert.equal(report.hours[18]?.chargingMinutes, 60);
    assert.equal(report.hours[3]?.occupiedMinutes, 0);
  });

  it('bad input: 400 naming the field; an unknown session 404', async () => {
    const cases: [string, RegExp][] = [
      ['/api/sessions/2/series?points=501', /^points: must be a whole number from 2 to 500, got "501"$/],
      ['/api/sessions/2/series?points=abc', /^points: /],
      ['/api/sessions/2/series?every=1', /unknown parameter every/],
      ['/api/sessions/x/series', /^id: /],
      ['/api/energy/daily?days=367', /^days: must be a whole number from 1 to 366, got "367"$/],
      ['/api/energy/daily?days=0', /^days: /],
      ['/api/utilization/hours?days=1000', /^days: must be a whole number from 1 to 366/],
      ['/i18n/fr.json', /^lang: /],
    ];
    for (const [url, message] of cases) {
      const { status, body } = await get(url);
      assert.equal(status, 400, url);
      assert.match(String(body['error']), message, url);
    }
    const missing = await get('/api/sessions/99/series');
    assert.equal(missing.status, 404);
  });

  it('without a journal the series answer 503', async () => {
    const bare = buildStatusApp(localStatusData({ station: sim.station, config, clock }, null), () => undefined);
    try {
      for (const url of ['/api/sessions/1/series', '/api/energy/daily', '/api/utilization/hours']) {
        assert.equal((await bare.inject({ url })).statusCode, 503, url);
      }
    } finally {
      await bare.close();
    }
  });

  it('through the page worker: the questions are relayed to the station thread and answered', async () => {
    const server = await startStatusServer({ sources: { station: sim.station, config, clock }, reader: fixture(), logger: silentLogger(), host: '127.0.0.1', port: 0 });
    try {
      const series = (await (await fetch(`${server.url}api/sessions/2/series?points=10`)).json()) as SessionSeries;
      assert.equal(series.points.length, 10);
      const daily = (await (await fetch(`${server.url}api/energy/daily?days=3`)).json()) as { days: DailyEnergy[] };
      assert.deepEqual(daily.days.map((d) => d.energyWh), [3000, 0, 14_400]);
      const hours = (await (await fetch(`${server.url}api/utilization/hours?days=1`)).json()) as UtilizationHours;
      assert.equal(hours.hours[18]?.chargingMinutes, 60);
    } finally {
      await server.close();
    }
  });
});
