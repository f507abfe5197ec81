import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { openJournal } from '../../src/journal/journal.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryRecorder } from '../../src/session/memory-recorder.js';
import { BillingRecorder } from '../../src/session/billing-recorder.js';
import { TariffHolder } from '../../src/billing/tariff-holder.js';
import { createSimStation } from '../../src/commands/sim/sim-station.js';
import { benchConfigInput } from '../../simulator/bench-config.js';

/** 0.40 EUR/kWh all day, 1 EUR flat, no tax: easy to check by hand. */
const tariff = {
  id: 'test',
  currency: 'EUR',
  energyBands: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00', pricePerKwh: '0.40' }],
  flatFee: '1.00',
};

describe('running cost of the station (billing recorder)', function () {
  this.timeout(60_000);
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.parse('2026-06-03T10:00:00Z') });
  });
  afterEach(() => clock.restore());

  it('rises with the energy while charging, never falls, and is final at the unplug (not at the stop)', async () => {
    const recorder = new MemoryRecorder();
    const sim = await createSimStation({
      config: parseConfig({ tariff }),
      clock: systemClock,
      logger: silentLogger(),
      recorder,
      meterPath: 'direct',
    });
    sim.world.plug();
    await sim.station.tap('CARD');
    await clock.tickAsync(5000);
    const id = sim.station.controller.activeSessionId();
    assert.ok(id !== null);
    let last = -1;
    for (let minute = 0; minute < 20; minute++) {
      await clock.tickAsync(60_000);
      const cost = sim.station.sessionCost(id);
      assert.ok(cost && cost.totalMinor >= last, `minute ${minute}: ${cost?.totalMinor} < ${last}`);
      last = cost.totalMinor;
    }
    await sim.station.tap('CARD');
    await clock.tickAsync(5000);
    const session = recorder.sessions[0]!;
    const energyWh = session.stop!.meterStopWh - session.start.meterStartWh;
    const stopped = sim.station.sessionCost(id);
    assert.equal(stopped?.final, false, 'issue 19: idle time may still grow until the unplug');
    sim.world.unplug();
    await clock.tickAsync(5000);
    const final = sim.station.sessionCost(id);
    assert.equal(final?.final, true);
    assert.equal(final?.energyWh, energyWh);
    assert.equal(final?.totalMinor, Math.round(energyWh * 0.04) + 100);
    await sim.close();
  });

  it('estimates the completion from the driver’s energy target while charging', async () => {
    const sim = await createSimStation({ config: parseConfig({}), clock: systemClock, logger: silentLogger(), recorder: new MemoryRecorder(), meterPath: 'direct' });
    sim.world.plug();
    await sim.station.tap('CARD');
    await clock.tickAsync(5000);
    const startedAt = Date.now();
    await clock.tickAsync(10 * 60_000);
    assert.equal(sim.station.estimatedCompletion(), null, 'no target, steady power: no estimate');
    sim.station.setEnergyTarget(5000);
    const eta = sim.station.estimatedCompletion();
    assert.equal(eta?.basis, 'energy-target');
    // 16 A × 3 × 230 V = 11.04 kW: 5 kWh take about 27 minutes from the start of charging.
    const expected = startedAt + (5000 / 11_040) * 3_600_000;
    assert.ok(Math.abs((eta?.atMs ?? 0) - expected) < 60_000, `eta ${new Date(eta?.atMs ?? 0).toISOString()} vs ${new Date(expected).toISOString()}`);
    await sim.close();
  });

  it('a start committed underneath whose follow-up throws resolves as started: the control core never leaves an open row behind', async () => {
    const inner = new MemoryRecorder();
    // The schema refuses this name now; the recorder must not turn a committed start into a failed one anyway.
    const billing = new BillingRecorder(inner, new TariffHolder(parseConfig({ tariff }).tariff), 'Europe/Berln', systemClock, silentLogger());
    const start = { connectorId: 1, idTag: 'CARD', plugInAtMs: Date.now(), authorizedAtMs: Date.now(), startAtMs: Date.now(), meterStartWh: 1000 };
    const id = await billing.startSession(start);
    assert.equal(id, 1);
    await billing.stopSession(id, { stopAtMs: Date.now() + 60_000, meterStopWh: 1500, reason: 'Local' });
    assert.notEqual(inner.sessions[0]?.stop, null, 'the committed session is stopped, not orphaned');
    assert.equal(await billing.startSession(start), 2, 'and the next one starts');
  });

  it('stores the final breakdown with the session in the journal, equal to the running figure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evse-billing-'));
    clock.restore();
    const journal = await openJournal({ stateDir: dir });
    clock = sinon.useFakeTimers({ now: Date.parse('2026-06-03T10:00:00Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    try {
      const sim = await createSimStation({
        config: parseConfig(benchConfigInput),
        clock: systemClock,
        logger: silentLogger(),
        recorder: journal,
        reader: journal,
        meterPath: 'direct',
      });
      sim.world.plug();
      await sim.station.tap('CARD');
      for (let i = 0; i < 50 && sim.station.controller.snapshot().status !== 'Charging'; i++) await clock.tickAsync(200);
      await clock.tickAsync(10 * 60_000);
      const id = sim.station.controller.activeSessionId()!;
      await sim.station.tap('CARD');
      for (let i = 0; i < 50 && sim.station.controller.snapshot().session !== 'none'; i++) await clock.tickAsync(200);
      sim.world.unplug();
      await clock.tickAsync(1000);
      await sim.station.controller.drainJournalWrites();
      const row = await journal.session(id);
      const stored = row?.cost as { totalMinor: number; final: boolean } | null;
      assert.ok(stored, 'cost stored with the session');
      assert.equal(stored.final, true);
      assert.equal(stored.totalMinor, sim.station.sessionCost(id)?.totalMinor);
      assert.ok(stored.totalMinor > 50);
      await sim.close();
    } finally {
      clock.restore();
      await journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
