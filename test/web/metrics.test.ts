import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceleratedClock, systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { allFaults } from '../../src/control/faults.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import { journalPath } from '../../src/journal/open.js';
import { silentLogger } from '../../src/logger.js';
import { buildStatusApp } from '../../src/web/app.js';
import { startStatusServer, type StatusServer } from '../../src/web/server.js';
import { localStatusData } from '../../src/web/status-data.js';
import type { StationStatusView } from '../../src/web/status-view.js';
import { journalFigures } from '../../src/wiring/journal-figures.js';
import { createSimStation, type SimStation } from '../../src/commands/sim/sim-station.js';
import { benchConfigInput } from '../../simulator/bench-config.js';
import { parsePrometheusText, type Family, type MetricType } from '../support/prometheus-text.js';

type Scrape = Map<string, Family>;

/** The families of docs/METRICS.md, with their type and label names. */
const expected: Readonly<Record<string, { type: MetricType; labels: readonly string[] }>> = {
  evse_status: { type: 'gauge', labels: ['status'] },
  evse_power_watts: { type: 'gauge', labels: [] },
  evse_energy_imported_joules_total: { type: 'counter', labels: [] },
  evse_offered_current_amperes: { type: 'gauge', labels: [] },
  evse_pilot_offered_current_amperes: { type: 'gauge', labels: [] },
  evse_offer_limited_by: { type: 'gauge', labels: ['source'] },
  evse_fault_active: { type: 'gauge', labels: ['fault', 'severity'] },
  evse_faults_raised_total: { type: 'counter', labels: ['fault'] },
  evse_meter_errors_total: { type: 'counter', labels: ['kind'] },
  evse_uplink_connected: { type: 'gauge', labels: [] },
  evse_outbox_messages: { type: 'gauge', labels: [] },
  evse_outbox_dead_letters_total: { type: 'counter', labels: [] },
  evse_alerts_total: { type: 'counter', labels: ['code', 'severity'] },
  evse_anomalies_total: { type: 'counter', labels: ['detector', 'severity'] },
  evse_journal_size_bytes: { type: 'gauge', labels: [] },
  evse_event_loop_lag_mean_seconds: { type: 'gauge', labels: [] },
  evse_event_loop_lag_p99_seconds: { type: 'gauge', labels: [] },
  evse_event_loop_lag_max_seconds: { type: 'gauge', labels: [] },
  evse_resident_memory_bytes: { type: 'gauge', labels: [] },
};

/** The value of the one series of `name` whose labels include `labels`. */
function value(scrape: Scrape, name: string, labels: Readonly<Record<string, string>> = {}): number {
  const family = scrape.get(name);
  assert.ok(family, `family ${name} missing`);
  const found = family.samples.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.equal(found.length, 1, `${name}${JSON.stringify(labels)}: ${found.length} series`);
  return found[0]!.value;
}

/** Every counter series of `before` is still there in `after`, and not lower. */
function assertCountersMonotonic(before: Scrape, after: Scrape): void {
  for (const family of before.values()) {
    if (family.type !== 'counter') continue;
    for (const s of family.samples) {
      const later = after.get(family.name)?.samples.find((t) => JSON.stringify(t.labels) === JSON.stringify(s.labels));
      assert.ok(later, `counter ${s.name}${JSON.stringify(s.labels)} disappeared`);
      assert.ok(later.value >= s.value, `counter ${s.name}${JSON.stringify(s.labels)} went down: ${s.value} → ${later.value}`);
    }
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * `/metrics` over real HTTP from the status page's worker, for a station on the simulator (×60, the real Modbus
 * driver on a virtual RTU line, a real SQLite journal), parsed by a strict Prometheus text-format parser.
 */
describe('web: /metrics (Prometheus text format, real station on the simulator)', function () {
  this.timeout(90_000);
  let dir: string;
  let journal: Journal;
  let sim: SimStation;
  let server: StatusServer;
  const config = parseConfig(benchConfigInput);
  const scrapes: Scrape[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'evse-metrics-'));
    const clock = acceleratedClock(60);
    journal = await openJournal({ ...config.journal, stateDir: dir, clock });
    sim = await createSimStation({ config, clock, ioClock: systemClock, logger: silentLogger(), recorder: journal, reader: journal });
    const opened = journal;
    server = await startStatusServer({
      sources: {
        station: sim.station,
        config,
        clock,
        // Read at every scrape here, so an alert shows at the next one.
        journalFigures: journalFigures(journal, journalPath(dir), { minReadIntervalMs: 0 }),
        // No CSMS here: the uplink's report as it would be while offline, its depth from the real outbox.
        uplinkStatus: async () => ({
          connected: false,
          registration: 'not sent',
          lastAnswerAtMs: null,
          connectedSinceMs: null,
          outboxDepth: await opened.depth(),
          deadLetters: 0,
        }),
      },
      reader: journal,
      logger: silentLogger(),
      host: '127.0.0.1',
      port: 0,
    });
  });

  after(async () => {
    await server?.close();
    await sim?.close();
    await journal?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const scrape = async (): Promise<Scrape> => {
    const res = await fetch(`${server.url}metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4(; charset=utf-8)?$/);
    const parsed = parsePrometheusText(await res.text());
    const previous = scrapes.at(-1);
    if (previous) assertCountersMonotonic(previous, parsed);
    scrapes.push(parsed);
    return parsed;
  };
  const apiStatus = async (): Promise<StationStatusView> => (await (await fetch(`${server.url}api/status`)).json()) as StationStatusView;

  it('every family, with its TYPE, HELP and label names; a free station: Available, no fault active', async () => {
    await until('a first meter sample', async () => (await apiStatus()).meter !== null);
    const m = await scrape();
    for (const [name, { type, labels }] of Object.entries(expected)) {
      const family = m.get(name);
      assert.ok(family, `family ${name} missing`);
      assert.equal(family.type, type, `${name} type`);
      assert.ok(family.help !== null && family.help.length > 0, `${name} has no HELP`);
      // Alert families have a series per code seen: none before the first alert.
      if (!name.startsWith('evse_alerts') && !name.startsWith('evse_anomalies')) assert.ok(family.samples.length > 0, `${name} has no sample`);
      for (const s of family.samples) assert.deepEqual(Object.keys(s.labels).sort(), [...labels].sort(), `${name} labels`);
    }
    for (const name of m.keys()) assert.ok(name.startsWith('evse_'), `${name} lacks the evse_ prefix`);
    assert.equal(value(m, 'evse_status', { status: 'Available' }), 1);
    assert.equal(m.get('evse_status')!.samples.reduce((sum, s) => sum + s.value, 0), 1, 'exactly one status');
    assert.equal(m.get('evse_fault_active')!.samples.length, allFaults().length);
    assert.ok(m.get('evse_fault_active')!.samples.every((s) => s.value === 0));
    assert.equal(m.get('evse_offer_limited_by')!.samples.reduce((sum, s) => sum + s.value, 0), 1, 'exactly one limiting source');
    assert.ok(value(m, 'evse_energy_imported_joules_total') >= 0);
    assert.equal(value(m, 'evse_journal_size_bytes') > 0, true);
    assert.ok(value(m, 'evse_resident_memory_bytes') > 20e6, 'RSS of a Node process is tens of MB');
    for (const q of ['mean', 'p99', 'max']) {
      const lag = value(m, `evse_event_loop_lag_${q}_seconds`);
      assert.ok(Number.isFinite(lag) && lag >= 0 && lag < 5, `lag ${q} ${lag}`);
    }
  });

  it('while charging: status Charging, power > 0, the register counting, the offer and the outbox', async () => {
    sim.world.plug();
    assert.equal(await sim.station.tap(config.simulator.idTag), 'started');
    await until('charging with power', async () => {
      const s = await apiStatus();
      return s.status === 'Charging' && (s.meter?.powerW ?? 0) > 1000;
    });
    const first = await scrape();
    assert.equal(value(first, 'evse_status', { status: 'Charging' }), 1);
    assert.equal(value(first, 'evse_status', { status: 'Available' }), 0);
    assert.ok(value(first, 'evse_power_watts') > 1000, `power ${value(first, 'evse_power_watts')}`);
    const offered = value(first, 'evse_offered_current_amperes');
    assert.ok(offered >= 6 && offered <= config.limits.configuredMaxA, `offered ${offered} A`);
    assert.ok(value(first, 'evse_pilot_offered_current_amperes') >= 6, 'the PWM offers at least 6 A while charging');
    assert.ok(value(first, 'evse_outbox_messages') >= 1, 'StartTransaction waits in the outbox (no CSMS)');
    const registerBefore = value(first, 'evse_energy_imported_joules_total');
    await until('the register to count on', async () => {
      const s = await apiStatus();
      return (s.meter?.importWh ?? 0) * 3600 > registerBefore + 3600 * 100;
    });
    const later = await scrape();
    assert.ok(value(later, 'evse_energy_imported_joules_total') > registerBefore);
    assert.equal(value(later, 'evse_energy_imported_joules_total') % 3600, 0, 'whole Wh in joules');
  });

  it('meter errors are counted by kind (a CRC-corrupting meter on the RTU line)', async () => {
    assert.ok(sim.meterSlave, 'the Modbus path');
    const before = value(await scrape(), 'evse_meter_errors_total', { kind: 'crc' });
    sim.meterSlave.setFault('bad-crc');
    await until('CRC errors counted', async () => value(await scrape(), 'evse_meter_errors_total', { kind: 'crc' }) >= before + 2);
    sim.meterSlave.setFault(null);
    await until('good samples again', async () => (await apiStatus()).faults.every((f) => f.name !== 'meter-lost'));
  });

  it('alerts by code and severity, anomalies by detector, from the journal whatever raised them', async () => {
    await journal.raiseAlert({ severity: 'warn', code: 'anomaly-frozen-meter', message: 'the register stood still' });
    await journal.raiseAlert({ severity: 'critical', code: 'energy-while-open', message: 'energy with the contactor open', detail: { detector: 'energyWhileOpen' } });
    await journal.raiseAlert({ severity: 'warn', code: 'anomaly-frozen-meter', message: 'again' });
    await journal.raiseAlert({ severity: 'info', code: 'outbox-store-recovered', message: 'not an anomaly' });
    const m = await scrape();
    assert.equal(value(m, 'evse_alerts_total', { code: 'anomaly-frozen-meter', severity: 'warn' }), 2);
    assert.equal(value(m, 'evse_alerts_total', { code: 'energy-while-open', severity: 'critical' }), 1);
    assert.equal(value(m, 'evse_alerts_total', { code: 'outbox-store-recovered', severity: 'info' }), 1);
    assert.equal(value(m, 'evse_anomalies_total', { detector: 'frozen-meter' }), 2);
    assert.equal(value(m, 'evse_anomalies_total', { detector: 'energyWhileOpen' }), 1);
    assert.equal(m.get('evse_anomalies_total')!.samples.length, 2, 'other alerts are no anomalies');
  });

  it("event-loop lag is the station's thread's: a 300 ms stall on it shows, though the page's worker never stalled", async () => {
    const before = value(await scrape(), 'evse_event_loop_lag_max_seconds');
    assert.ok(before < 0.25, `no stall yet, max ${before}`);
    const end = Date.now() + 300;
    while (Date.now() < end) {
      // The station's thread is this one: busy, as a runaway computation would keep it.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = value(await scrape(), 'evse_event_loop_lag_max_seconds');
    assert.ok(after >= 0.25 && after < 1, `max lag ${after} s after a 300 ms stall`);
  });

  it('after a fault: Faulted, the fault active and counted once; the counters never went down', async () => {
    const before = value(await scrape(), 'evse_faults_raised_total', { fault: 'emergency-stop' });
    sim.world.inject('emergency-stop', true);
    await until('Faulted, the contactor open and no power metered', async () => {
      const s = await apiStatus();
      return s.status === 'Faulted' && s.contactor === 'open' && (s.meter?.powerW ?? 0) < 100;
    });
    const m = await scrape();
    assert.equal(value(m, 'evse_status', { status: 'Faulted' }), 1);
    assert.equal(value(m, 'evse_status', { status: 'Charging' }), 0);
    assert.equal(value(m, 'evse_fault_active', { fault: 'emergency-stop', severity: 'stop' }), 1);
    assert.equal(value(m, 'evse_faults_raised_total', { fault: 'emergency-stop' }), before + 1);
    assert.ok(value(m, 'evse_power_watts') < 100, 'no power with the contactor open');
    sim.world.inject('emergency-stop', false);
    sim.station.controller.resetFaults();
    assert.ok(scrapes.length >= 6);
  });
});

describe('web: /metrics with load management', function () {
  this.timeout(30_000);
  it('serves the mains current per phase, mains power, PV surplus, the mode and the meter state', async () => {
    const config = parseConfig({
      ...benchConfigInput,
      loadManagement: { mode: 'solar-min', pvInstalled: true, meter: { driver: 'sim', model: 'sdm630', unitId: 2 } },
      simulator: { building: { profile: 'solar-day', startHour: 12 } },
    });
    const sim = await createSimStation({ config, clock: systemClock, logger: silentLogger(), meterPath: 'modbus' });
    const app = buildStatusApp(localStatusData({ station: sim.station, config, clock: systemClock }, null), () => undefined);
    try {
      for (let i = 0; i < 100 && sim.station.load?.figures().mainsA === null; i++) await new Promise((r) => setTimeout(r, 50));
      const res = await app.inject({ url: '/metrics' });
      assert.equal(res.statusCode, 200);
      const families = parsePrometheusText(res.body);
      const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
        families.get(name)?.samples.find((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;
      assert.equal(value('evse_load_mode', { mode: 'solar-min' }), 1);
      assert.equal(value('evse_load_mode', { mode: 'fuse' }), 0);
      assert.equal(value('evse_mains_fuse_amperes'), 25);
      assert.equal(value('evse_mains_meter_lost'), 0);
      // Noon on the solar day: 8.2 kW of PV against 250 W per phase (no EV yet): export on every phase.
      for (const phase of ['L1', 'L2', 'L3']) assert.ok((value('evse_mains_current_amperes', { phase }) ?? 0) < -5, `${phase} exports`);
      assert.ok((value('evse_mains_power_watts') ?? 0) < -5000);
      assert.ok((value('evse_solar_surplus_watts') ?? 0) > 5000);
    } finally {
      await app.close();
      await sim.close();
    }
  });
});

describe('web: /metrics switched off', () => {
  it('web.metrics: false serves no /metrics (404); the status API still answers', async () => {
    const config = parseConfig({ ...benchConfigInput, web: { metrics: false } });
    const sim = await createSimStation({ config, clock: systemClock, logger: silentLogger(), meterPath: 'direct' });
    const app = buildStatusApp(localStatusData({ station: sim.station, config, clock: systemClock }, null), () => undefined);
    try {
      assert.equal((await app.inject({ url: '/metrics' })).statusCode, 404);
      assert.equal((await app.inject({ url: '/api/status' })).statusCode, 200);
    } finally {
      await app.close();
      await sim.close();
    }
  });
});

describe('test support: the Prometheus text parser is strict', () => {
  const bad: Record<string, string> = {
    'no final newline': '# TYPE a gauge\na 1',
    'bad name': '# TYPE 1a gauge\n1a 1\n',
    'bad value': '# TYPE a gauge\na one\n',
    'unquoted label': '# TYPE a gauge\na{x=1} 1\n',
    'bad escape': '# TYPE a gauge\na{x="\\t"} 1\n',
    'duplicate label': '# TYPE a gauge\na{x="1",x="2"} 1\n',
    'duplicate series': '# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n',
    'TYPE after samples': 'a 1\n# TYPE a gauge\n',
    'second TYPE': '# TYPE a gauge\n# TYPE a counter\n',
    'family split': '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="2"} 1\n',
    'negative counter': '# TYPE a_total counter\na_total -1\n',
    'unknown type': '# TYPE a meter\na 1\n',
  };
  for (const [why, body] of Object.entries(bad)) {
    it(`refuses: ${why}`, () => assert.throws(() => parsePrometheusText(body)));
  }
  it('reads labels with escapes, HELP text, special values and a timestamp', () => {
    const m = parsePrometheusText('# HELP a The \\\\ help\\n.\n# TYPE a gauge\na{x="q\\"\\\\\\n",y="2",} +Inf 1700000000000\nb NaN\n');
    assert.equal(m.get('a')?.help, 'The \\ help\n.');
    assert.deepEqual(m.get('a')?.samples[0], { name: 'a', labels: { x: 'q"\\\n', y: '2' }, value: Infinity, timestampMs: 1700000000000 });
    assert.equal(m.get('b')?.type, 'untyped');
    assert.ok(Number.isNaN(m.get('b')?.samples[0]?.value));
  });
});
