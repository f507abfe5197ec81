import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import sinon from 'sinon';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import type { SessionRow } from '../../src/journal/ports.js';
import { silentLogger } from '../../src/logger.js';
import { buildStatusApp } from '../../src/web/app.js';
import { openStatusPage, startStatusServer } from '../../src/web/server.js';
import { localStatusData } from '../../src/web/status-data.js';
import type { StationStatusView } from '../../src/web/status-view.js';
import { benchConfigInput } from '../../simulator/bench-config.js';
import { createSimStation, type SimStation } from '../../src/commands/sim/sim-station.js';
import { MemoryJournalReader } from '../billing/memory-reader.js';

const T0 = Date.parse('2026-11-21T21:30:00Z');

/** A stopped session of 5 kWh, 20:00–21:00 UTC, with its register samples. */
function journalFixture(): MemoryJournalReader {
  const session: SessionRow = {
    id: 7,
    connectorId: 1,
    idTag: 'CARD12345678',
    plugInAtMs: T0 - 95 * 60_000,
    authorizedAtMs: T0 - 91 * 60_000,
    startAtMs: T0 - 90 * 60_000,
    stopAtMs: T0 - 30 * 60_000,
    unplugAtMs: T0 - 29 * 60_000,
    meterStartWh: 1000,
    meterStopWh: 6000,
    stopReason: 'Local',
    csmsTransactionId: 42,
    cost: { totalMinor: 282, minorUnits: 2, currency: 'EUR' },
    clockTrusted: true,
  };
  const samples = [0, 1, 2, 3].map((i) => ({
    sessionId: 7,
    atMs: session.startAtMs + i * 20 * 60_000,
    importWh: 1000 + Math.round((5000 * i) / 3),
    totalPowerW: 5000,
    currentsA: [7.2, 7.2, 7.2],
    voltagesV: [230, 230, 230],
    signedRecord: null,
  }));
  return new MemoryJournalReader([session], samples, []);
}

describe('web: status API (fastify inject, simulated station on fake time)', function () {
  this.timeout(30_000);
  let clock: sinon.SinonFakeTimers;
  let sim: SimStation;
  let app: FastifyInstance;
  const config = parseConfig({ ...benchConfigInput, station: { id: 'Bay <1> & "A"' } });

  beforeEach(async () => {
    // Leave setImmediate and nextTick real: fastify's inject runs on them.
    clock = sinon.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance', 'hrtime'] });
    sim = await createSimStation({ config, clock: systemClock, logger: silentLogger(), meterPath: 'direct' });
    app = buildStatusApp(localStatusData({ station: sim.station, config, clock: systemClock }, journalFixture()), () => undefined);
    await clock.tickAsync(1000);
  });

  afterEach(async () => {
    await app.close();
    await sim.close();
    clock.restore();
  });

  const status = async (): Promise<StationStatusView> => {
    const res = await app.inject({ url: '/api/status' });
    assert.equal(res.statusCode, 200);
    return res.json<StationStatusView>();
  };

  it('status of a free station: guidance, price in force and its next change, no session', async () => {
    const view = await status();
    assert.equal(view.status, 'Available');
    assert.equal(view.guidance.headline, 'Ready');
    assert.equal(view.session, null);
    assert.equal(view.price.pricePerKwh, '0.39');
    assert.equal(view.price.changesAt, '2026-11-21T22:00:00.000Z');
    assert.equal(view.price.nextPricePerKwh, '0.29');
    assert.equal(view.price.source, 'local');
    assert.equal(view.uplink, null);
    assert.deepEqual(view.faults, []);
  });

  it('while charging: the running cost rises with the meter and equals the station’s own figure', async () => {
    sim.world.plug();
    await clock.tickAsync(2000);
    assert.equal(await sim.station.tap(config.simulator.idTag), 'started');
    await clock.tickAsync(10 * 60_000);
    const first = await status();
    assert.equal(first.status, 'Charging');
    assert.ok(first.session?.cost);
    const id = sim.station.controller.activeSessionId();
    assert.ok(id !== null);
    assert.equal(first.session.cost.total.text, sim.station.displayedCost(id)?.text);
    assert.equal(first.session.idTag, '****RD01');
    assert.ok(first.session.energyWh > 1000, `energy ${first.session.energyWh}`);
    const b = first.session.cost.breakdown;
    assert.equal(b.energy.minor + b.chargingTime.minor + b.idle.minor + b.flatFee.minor + b.capAdjustment.minor + b.tax.minor, b.localTotal.minor);
    await clock.tickAsync(10 * 60_000);
    const later = await status();
    assert.ok(later.session!.cost!.total.minor > first.session.cost.total.minor);
  });

  it('after the stop, car still plugged in: cost not final yet (idle time may still grow), card hidden, and when the idle fee starts', async () => {
    sim.world.plug();
    await clock.tickAsync(2000);
    await sim.station.tap(config.simulator.idTag);
    await clock.tickAsync(5 * 60_000);
    sim.station.controller.stop('Local');
    await clock.tickAsync(10_000);
    const view = await status();
    assert.equal(view.status, 'Finishing');
    assert.ok(view.session);
    assert.equal(view.session.idTag, null, 'the card is not shown once the session ended');
    // Issue 19: the bill closes at the unplug (or after closeWithoutUnplugAfterMinutes), not at the stop.
    assert.equal(view.session.cost?.final, false);
    // Bench tariff: 30 min grace, then 0.10 EUR a minute.
    assert.ok(view.session.idleFeeFrom !== null);
    assert.equal(Date.parse(view.session.idleFeeFrom) - Date.parse(view.session.stoppedAt!), 30 * 60_000);
    assert.match(view.guidance.action, /^Please unplug your car\. An idle fee applies: 0\.10 EUR per minute from 22:05\.$/);
    sim.world.unplug();
    await clock.tickAsync(2000);
    assert.equal((await status()).session, null, 'the connector is free again');
  });

  it('the EV full: "Charging complete", idle from the completion, the fee after the grace', async () => {
    await sim.close();
    const nearlyFull = parseConfig({ ...benchConfigInput, simulator: { ev: { startSocPercent: 79.5, targetSocPercent: 80 } } });
    sim = await createSimStation({ config: nearlyFull, clock: systemClock, logger: silentLogger(), meterPath: 'direct' });
    await app.close();
    app = buildStatusApp(localStatusData({ station: sim.station, config: nearlyFull, clock: systemClock }, null), () => undefined);
    sim.world.plug();
    await clock.tickAsync(2000);
    await sim.station.tap(config.simulator.idTag);
    await clock.tickAsync(15 * 60_000);
    const view = await status();
    assert.equal(view.status, 'SuspendedEV');
    assert.equal(view.guidance.headline, 'Charging complete');
    assert.ok(view.session?.chargingCompletedAt, 'charging-completed recorded');
    assert.ok(view.session.idleMs > 0);
    assert.equal(Date.parse(view.session.idleFeeFrom!) - Date.parse(view.session.chargingCompletedAt), 30 * 60_000);
    assert.match(view.guidance.action, /Please unplug to free the station\. An idle fee applies: 0\.10 EUR per minute from \d\d:\d\d\.$/);
  });

  it('a latched fault: Faulted, its plain-language message as the action, the operator text in the list', async () => {
    sim.world.inject('emergency-stop', true);
    await clock.tickAsync(500);
    const view = await status();
    assert.equal(view.status, 'Faulted');
    const fault = view.faults.find((f) => f.name === 'emergency-stop');
    assert.ok(fault);
    assert.equal(view.guidance.action, fault.driverMessage);
    assert.equal(fault.severity, 'stop');
    assert.ok(fault.operatorMessage.length > 0);
  });

  it('recent sessions from the journal, newest first, with the stored cost and the card masked', async () => {
    const res = await app.inject({ url: '/api/sessions?limit=5&days=2' });
    assert.equal(res.statusCode, 200);
    const body = res.json<{ sessions: { id: number; idTag: string; energyWh: number; total: string; stopReason: string }[] }>();
    assert.deepEqual(
      body.sessions.map((s) => [s.id, s.idTag, s.energyWh, s.total, s.stopReason]),
      [[7, '****5678', 5000, '2.82 EUR', 'Local']],
    );
  });

  it('a receipt as JSON and as text, recomputed from the journal rows', async () => {
    const json = await app.inject({ url: '/api/sessions/7/receipt' });
    assert.equal(json.statusCode, 200);
    const receipt = json.json<{ sessionId: number; meter: { energyWh: number }; idTag: string; final: boolean }>();
    assert.equal(receipt.sessionId, 7);
    assert.equal(receipt.meter.energyWh, 5000);
    assert.equal(receipt.idTag, '****5678');
    assert.equal(receipt.final, true);
    const text = await app.inject({ url: '/api/sessions/7/receipt?format=text' });
    assert.equal(text.statusCode, 200);
    assert.match(String(text.headers['content-type']), /^text\/plain/);
    assert.match(text.body, /Energy +5\.000 kWh/);
    assert.doesNotMatch(text.body, /CARD12345678/);
  });

  it('bad input is refused with 400 naming the field and the value; unknown things are 404', async () => {
    const cases: [string, number, RegExp][] = [
      ['/api/sessions?limit=abc', 400, /^limit: must be a whole number from 1 to 200, got "abc"$/],
      ['/api/sessions?limit=500', 400, /^limit: must be a whole number from 1 to 200, got "500"$/],
      ['/api/sessions?days=0', 400, /^days: must be a whole number from 1 to 3660, got "0"$/],
      ['/api/sessions?sort=desc', 400, /unknown parameter sort/],
      ['/api/sessions/x1/receipt', 400, /^id: must be a whole number/],
      ['/api/sessions/7/receipt?format=pdf', 400, /^format: .*got "pdf"$/],
      ['/api/sessions/99/receipt', 404, /^no session 99 in the journal$/],
      ['/api/nothing', 404, /^no such page: GET \/api\/nothing$/],
    ];
    for (const [url, code, message] of cases) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, code, url);
      assert.match(res.json<{ error: string }>().error, message, url);
    }
    const post = await app.inject({ method: 'POST', url: '/api/status', payload: {} });
    assert.equal(post.statusCode, 404, 'the API is read-only');
  });

  it('the page: station id escaped, a strict content security policy, nothing cached', async () => {
    const res = await app.inject({ url: '/' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.ok(res.body.includes('Bay &lt;1&gt; &amp; &quot;A&quot;'));
    assert.ok(!res.body.includes('<1>'));
    assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(res.headers['cache-control'], 'no-store');
    for (const asset of ['/app.js', '/style.css']) assert.equal((await app.inject({ url: asset })).statusCode, 200, asset);
  });

  it('without a journal, the session list and receipts say why (503) and the status still works', async () => {
    const bare = buildStatusApp(localStatusData({ station: sim.station, config, clock: systemClock }, null), () => undefined);
    try {
      assert.equal((await bare.inject({ url: '/api/status' })).statusCode, 200);
      const res = await bare.inject({ url: '/api/sessions' });
      assert.equal(res.statusCode, 503);
      assert.match(res.json<{ error: string }>().error, /no journal/);
    } finally {
      await bare.close();
    }
  });
});

describe('web: listening', () => {
  it('serves on loopback; a port in use is reported, or a free port is taken when allowed', async () => {
    const config = parseConfig({ web: { port: 0 } });
    const sim = await createSimStation({ config, clock: systemClock, logger: silentLogger(), meterPath: 'direct' });
    const sources = { station: sim.station, config, clock: systemClock };
    const first = await startStatusServer({ sources, logger: silentLogger(), host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`${first.url}api/status`);
      assert.equal(res.status, 200);
      const errors: unknown[] = [];
      const logger = { ...silentLogger(), error: (o: unknown) => errors.push(o), warn: () => undefined } as unknown as ReturnType<typeof silentLogger>;
      assert.equal(await openStatusPage({ sources, logger, port: first.port }), null, 'the daemon runs on without the page');
      assert.equal(errors.length, 1);
      const fallback = await openStatusPage({ sources, logger, port: first.port, fallbackToFreePort: true });
      assert.ok(fallback && fallback.port !== first.port);
      await fallback.close();
      const disabled = parseConfig({ web: { enabled: false } });
      assert.equal(await openStatusPage({ sources: { ...sources, config: disabled }, logger }), null);
    } finally {
      await first.close();
      await sim.close();
    }
  });
});
