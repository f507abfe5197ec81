import assert from 'node:assert/strict';
import sinon from 'sinon';
import { systemClock } from '../../src/clock.js';
import { runScenario, type ScenarioResult } from '../../src/commands/sim/run-scenario.js';
import { findScenario } from '../../src/commands/sim/scenarios.js';
import { createSimStation } from '../../src/commands/sim/sim-station.js';
import { parseConfig } from '../../src/config/load.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import type { AlertRow } from '../../src/journal/types.js';
import { silentLogger } from '../../src/logger.js';
import type { AlertSink } from '../../src/monitor/monitor.js';
import { MemoryRecorder } from '../../src/session/memory-recorder.js';
import { tempStateDir } from '../journal/support/helpers.js';

/** The real timer, captured before sinon fakes it: the journal's worker thread answers in real time. */
const realSetTimeout = globalThis.setTimeout;

/** 0.30 EUR per kWh, so a stopped session has a cost to tell the driver. */
const config = parseConfig({ tariff: { energyBands: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00', pricePerKwh: '0.30' }] } });

/** Runs a simulator scenario on fake time with `alerts` as the station's alert sink. */
async function runWith(name: string, alerts: AlertSink): Promise<ScenarioResult> {
  const scenario = findScenario(name);
  assert.ok(scenario, name);
  const clock = sinon.useFakeTimers({
    now: Date.parse('2026-03-02T08:00:00Z'),
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
  try {
    const done = runScenario({
      scenario,
      config,
      clock: systemClock,
      logger: silentLogger(),
      recorder: new MemoryRecorder(),
      meterPath: 'direct',
      createStation: (o) => createSimStation({ ...o, alerts }),
    });
    let finished = false;
    void done.finally(() => (finished = true));
    for (let i = 0; i < 20_000 && !finished; i++) {
      await clock.tickAsync(500);
      if (i % 20 === 0) await new Promise((resolve) => realSetTimeout(resolve, 1));
    }
    assert.ok(finished, `${name} did not finish`);
    return await done;
  } finally {
    clock.restore();
  }
}

const view = (r: AlertRow) => ({ code: r.code, key: r.dedupKey, audience: r.audience, severity: r.severity, state: r.state });

describe('station alerts: faults and the driver’s session events on a simulated station (real SQLite journal)', function () {
  this.timeout(120_000);
  let state: ReturnType<typeof tempStateDir>;
  let journal: Journal;
  beforeEach(async () => {
    state = tempStateDir('evse-station-alerts-');
    journal = await openJournal({ stateDir: state.dir });
  });
  afterEach(async () => {
    await journal.close();
    state.cleanup();
  });

  it('ev-full: session started, charging completed, session stopped with energy and cost; born closed, one each, no operator alert', async () => {
    const result = await runWith('ev-full', journal);
    assert.deepEqual(result.problems, []);
    const rows = [...(await journal.listAlerts({}))].reverse();
    assert.deepEqual(rows.map(view), [
      { code: 'session-started', key: 'session-started:1', audience: 'driver', severity: 'info', state: 'closed' },
      { code: 'charging-completed', key: 'charging-completed:1', audience: 'driver', severity: 'info', state: 'closed' },
      { code: 'session-stopped', key: 'session-stopped:1', audience: 'driver', severity: 'info', state: 'closed' },
    ]);
    const [started, completed, stopped] = rows;
    assert.deepEqual(started?.detail, { sessionId: 1, connectorId: 1, idTag: result.sessions[0]?.idTag ?? null });
    assert.match(completed?.message ?? '', /stopped taking power after \d+\.\d{3} kWh/);
    const energyWh = result.sessions[0]?.energyWh;
    assert.ok(energyWh !== undefined && energyWh !== null && energyWh > 0);
    assert.equal(stopped?.detail?.['energyWh'], energyWh);
    assert.equal(stopped?.detail?.['reason'], 'EVDisconnected');
    assert.equal(stopped?.detail?.['currency'], 'EUR');
    assert.ok(Number(stopped?.detail?.['costMinor']) > 0, JSON.stringify(stopped?.detail));
    assert.match(stopped?.message ?? '', /the car was unplugged\): \d+\.\d{3} kWh, \d+\.\d{2} EUR\./);
  });

  it('rcd-trip: the fault is one critical operator alert fault-rcd-trip naming the session, and the driver’s session-fault', async () => {
    const result = await runWith('rcd-trip', journal);
    assert.deepEqual(result.problems, []);
    const operator = await journal.listAlerts({ audience: 'operator' });
    assert.deepEqual(operator.map(view), [{ code: 'fault-rcd-trip', key: 'fault-rcd-trip', audience: 'operator', severity: 'critical', state: 'open' }]);
    assert.match(operator[0]?.message ?? '', /Residual current device tripped/);
    assert.equal(operator[0]?.detail?.['sessionId'], 1);
    assert.equal(operator[0]?.detail?.['vendorErrorCode'], 'E101');
    const driver = [...(await journal.listAlerts({ audience: 'driver' }))].reverse();
    assert.deepEqual(driver.map((r) => r.dedupKey), ['session-started:1', 'session-fault:1:rcd-trip', 'session-stopped:1']);
    assert.match(driver[1]?.message ?? '', /fault current to earth/);
    assert.equal(driver[2]?.detail?.['reason'], 'EmergencyStop');
  });

  it('a sink that throws or rejects never reaches the controller: the scenario runs as without alerts, no driver failure', async () => {
    let calls = 0;
    const throwing: AlertSink = {
      raiseAlert: () => {
        calls++;
        if (calls % 2 === 0) return Promise.reject(new Error('journal full'));
        throw new Error('sink bug');
      },
    };
    const result = await runWith('rcd-trip', throwing);
    assert.deepEqual(result.problems, []);
    assert.ok(calls >= 4, `alerts tried: ${calls}`);
    assert.equal(result.faultsSeen.includes('driver-failure'), false, result.faultsSeen.join());
  });
});
