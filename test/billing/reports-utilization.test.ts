import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeterSample } from '../../hal/meter.js';
import {
  energyWithin,
  loadReportSessions,
  reportSession,
  utilizationReport,
  type ReportContext,
  type ReportSession,
} from '../../src/billing/reports.js';
import { parseTariff } from '../../src/billing/tariff-schema.js';
import { startOfLocalDate } from '../../src/billing/wall-clock.js';
import { journalDeps, runReport, type BillingCommandDeps } from '../../src/commands/report.js';
import { openJournal } from '../../src/journal/journal.js';
import { journaledSession } from './fixtures.js';
import { MemoryJournalReader } from './memory-reader.js';

const BERLIN = 'Europe/Berlin';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const day1 = startOfLocalDate(BERLIN, 2026, 6, 1);
const day2 = startOfLocalDate(BERLIN, 2026, 6, 2);
const day3 = startOfLocalDate(BERLIN, 2026, 6, 3);
const firstDay = { fromMs: day1, toMs: day2 };
const secondDay = { fromMs: day2, toMs: day3 };
const context: ReportContext = {
  tariff: parseTariff({ energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: '0.40' }], idleFeePerMinute: '0.05' }),
  timeZone: BERLIN,
  nowMs: Date.UTC(2027, 0, 1),
};

/**
 * 12 kW (200 Wh a minute, sampled every minute) for 2 h from 15 s before 23:00 local on 1 June: the midnight falls
 * 60¼ minutes into charging, between two samples. Plugged in 2 min before the start; completion at 2 h, stop 20 min
 * later, unplug 10 min after that (fixture).
 */
function overnight(): ReportSession {
  const { session, samples, events } = journaledSession(1, day2 - 60 * MINUTE - 15_000, {}, { chargeMinutes: 120, powerW: 12_000 });
  return reportSession(session, samples, events, context);
}

describe('billing/reports: utilization counts every session overlapping the range', () => {
  it('a session straddling --from counts with only its part after --from (energy interpolated at the edge)', () => {
    const report = utilizationReport([overnight()], secondDay, BERLIN);
    assert.equal(report.sessions, 1);
    assert.equal(report.occupiedMinutes, 90, '150 − 60¼ minutes');
    assert.equal(report.chargingMinutes, 60, '119.75 − 60¼ → 59¾');
    assert.equal(report.idleMinutes, 30);
    assert.equal(report.energyWh, 24_000 - 12_050, 'the register at 00:00 reads 60¼ × 200 Wh, between two samples');
    assert.equal(report.averageEnergyWh, 11_950);
    assert.equal(report.averageConnectedMinutes, 90);
    assert.equal(report.peakHours.reduce((a, h) => a + h.sessionsStarted, 0), 0, 'it did not start in this range');
    assert.deepEqual(
      report.peakHours.filter((h) => h.occupiedMinutes > 0).map((h) => [h.hour, h.occupiedMinutes, h.chargingMinutes]),
      [
        [0, 60, 60],
        [1, 30, 0],
      ],
    );
  });

  it('a session straddling --to counts with only its part before --to', () => {
    const report = utilizationReport([overnight()], firstDay, BERLIN);
    assert.equal(report.sessions, 1);
    assert.equal(report.occupiedMinutes, 62, '2 + 60¼ minutes');
    assert.equal(report.chargingMinutes, 60);
    assert.equal(report.idleMinutes, 0);
    assert.equal(report.energyWh, 12_050);
    assert.deepEqual(
      report.peakHours.filter((h) => h.sessionsStarted > 0).map((h) => [h.hour, h.sessionsStarted]),
      [[22, 1]],
      'started 22:59:45 local',
    );
  });

  it('the two days add up to the whole session', () => {
    const session = overnight();
    const [a, b] = [utilizationReport([session], firstDay, BERLIN), utilizationReport([session], secondDay, BERLIN)];
    assert.equal(a.energyWh + b.energyWh, session.cost.energyWh);
    assert.equal(a.occupiedMinutes + b.occupiedMinutes, Math.round(session.timeline.connectedMs / MINUTE));
    const both = utilizationReport([session], { fromMs: day1, toMs: day3 }, BERLIN);
    assert.equal(both.energyWh, session.cost.energyWh);
    assert.equal(both.sessions, 1);
  });

  it('an open session counts from --from to now, energy up to its last sample', () => {
    const start = day2 - HOUR;
    const fixture = journaledSession(1, start, { stopAtMs: null, unplugAtMs: null, meterStopWh: null, stopReason: null }, {
      chargeMinutes: 120,
      powerW: 12_000,
    });
    const events = fixture.events.filter((e) => e.kind !== 'stopped' && e.kind !== 'unplugged');
    const session = reportSession(fixture.session, fixture.samples, events, { ...context, nowMs: day2 + 5 * HOUR });
    const report = utilizationReport([session], secondDay, BERLIN);
    assert.equal(report.sessions, 1);
    assert.equal(report.occupiedMinutes, 300, 'from 00:00 to now (05:00)');
    assert.equal(report.chargingMinutes, 60);
    assert.equal(report.idleMinutes, 240, 'completed at 01:00, still plugged in');
    assert.equal(report.energyWh, 12_000);
  });

  it('leaves out sessions that do not overlap the range', () => {
    const prepare = (f: ReturnType<typeof journaledSession>): ReportSession => reportSession(f.session, f.samples, f.events, context);
    const report = utilizationReport([prepare(journaledSession(1, day1 + 2 * HOUR)), prepare(journaledSession(2, day3 + 2 * HOUR)), overnight()], secondDay, BERLIN);
    assert.equal(report.sessions, 1);
    assert.equal(report.energyWh, 11_950);
  });

  it('energyWithin: nothing outside the readings; whole Wh, half-up at an interpolated edge', () => {
    const { register } = overnight();
    const first = register.firstAtMs ?? 0;
    const last = register.lastAtMs ?? 0;
    assert.equal(energyWithin(register, { fromMs: first - HOUR, toMs: first }), 0);
    assert.equal(energyWithin(register, { fromMs: last, toMs: last + HOUR }), 0);
    assert.equal(energyWithin(register, { fromMs: first - HOUR, toMs: last + HOUR }), 24_000);
    // 200 Wh per minute: 1.5 s is 5 Wh, 1.35 s is 4.5 Wh → 5.
    assert.equal(energyWithin(register, { fromMs: first, toMs: first + 1_350 }), 5);
  });

  it('loadReportSessions: by start by default, overlapping on request', async () => {
    const a = journaledSession(1, day2 - 60 * MINUTE - 15_000, {}, { chargeMinutes: 120, powerW: 12_000 });
    const b = journaledSession(2, day2 + 8 * HOUR);
    const reader = new MemoryJournalReader([a.session, b.session], [...a.samples, ...b.samples], [...a.events, ...b.events]);
    const byStart = await loadReportSessions(reader, secondDay, context);
    const overlapping = await loadReportSessions(reader, secondDay, context, { overlapping: true });
    assert.deepEqual(byStart.map((s) => s.session.id), [2]);
    assert.deepEqual(overlapping.map((s) => s.session.id), [1, 2]);
  });
});

describe('evse report utilization over the real SQLite journal: the car left overnight', function () {
  let dir: string;
  let configPath: string;
  // 23:00 local (CEST) on 1 June, unplugged 07:00 on 2 June; 6 kWh per hour until 03:00, a sample every 30 minutes.
  const plugAt = day2 - HOUR - MINUTE;
  const startAt = day2 - HOUR;
  const deps: BillingCommandDeps = { ...journalDeps, nowMs: () => day3 + 10 * HOUR };

  function sample(importWh: number, atMs: number, currentA: number): MeterSample {
    return {
      phases: [0, 1, 2].map(() => ({ voltageV: 230, currentA, powerW: currentA * 230 })),
      totalPowerW: currentA * 690,
      importWh,
      frequencyHz: 50,
      readAtMs: atMs,
    };
  }

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'evse-utilization-'));
    configPath = join(dir, 'config.json');
    writeFileSync(
      configPath,
      JSON.stringify({ station: { timeZone: BERLIN }, tariff: { energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: '0.40' }] } }),
    );
    const journal = await openJournal({ stateDir: dir });
    try {
      const id = await journal.startSession({ connectorId: 1, idTag: 'CARD0001', plugInAtMs: plugAt, authorizedAtMs: startAt, startAtMs: startAt, meterStartWh: 10_000 });
      await journal.recordEvent(id, { kind: 'plugged-in', atMs: plugAt });
      await journal.recordEvent(id, { kind: 'energy-flow-started', atMs: startAt });
      for (let half = 1; half <= 8; half += 1) await journal.recordSample(id, sample(10_000 + half * 3000, startAt + half * 30 * MINUTE, 8.7));
      await journal.recordEvent(id, { kind: 'charging-completed', atMs: startAt + 4 * HOUR + MINUTE });
      await journal.recordSample(id, sample(34_000, startAt + 5 * HOUR, 0));
      await journal.recordEvent(id, { kind: 'stopped', atMs: day2 + 7 * HOUR });
      await journal.stopSession(id, { stopAtMs: day2 + 7 * HOUR, meterStopWh: 34_000, reason: 'EVDisconnected' });
      await journal.recordUnplug(id, day2 + 7 * HOUR);
    } finally {
      await journal.close();
    }
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  const report = async (kind: 'utilization' | 'sessions', from: string, to: string): Promise<unknown> =>
    JSON.parse(await runReport(kind, { stateDir: dir, config: configPath, from, to, format: 'json' }, deps)) as unknown;

  it('counts the night on the day after: 7 h occupied, 3 h charging, 4 h idle, 18 kWh', async function () {
    const next = (await report('utilization', '2026-06-02', '2026-06-02')) as Record<string, number>;
    assert.equal(next.sessions, 1);
    assert.equal(next.occupiedMinutes, 7 * 60);
    assert.equal(next.chargingMinutes, 3 * 60 + 1);
    assert.equal(next.idleMinutes, 4 * 60 - 1);
    assert.equal(next.energyWh, 18_000);
    const first = (await report('utilization', '2026-06-01', '2026-06-01')) as Record<string, number>;
    assert.equal(first.occupiedMinutes, 61);
    assert.equal(first.energyWh, 6_000);
  });

  it('the sessions report keeps its rule: the session belongs to the day it started', async function () {
    assert.deepEqual(await report('sessions', '2026-06-02', '2026-06-02'), []);
    assert.equal(((await report('sessions', '2026-06-01', '2026-06-01')) as unknown[]).length, 1);
  });
});
