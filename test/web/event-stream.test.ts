import assert from 'node:assert/strict';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logger.js';
import { buildStatusApp } from '../../src/web/app.js';
import type { LiveSample } from '../../src/web/live-updates.js';
import { startStatusServer, type StatusServer } from '../../src/web/server.js';
import { localStatusData, type StatusData } from '../../src/web/status-data.js';
import type { StationStatusView } from '../../src/web/status-view.js';
import { benchConfigInput } from '../../simulator/bench-config.js';
import { createSimStation, type SimStation } from '../../src/commands/sim/sim-station.js';
import { openEventClient, type EventClient, type ReceivedEvent } from '../support/sse-client.js';

const statusOf = (e: ReceivedEvent): StationStatusView => JSON.parse(e.data ?? 'null') as StationStatusView;
const sampleOf = (e: ReceivedEvent): LiveSample => JSON.parse(e.data ?? 'null') as LiveSample;

/**
 * `GET /api/events` from the page's worker thread, against a simulated station in real time (meter read every 200 ms):
 * what a client receives first, how fast a change reaches it, the bound on streams and the cleanup when clients go.
 */
describe('web: live stream /api/events (worker thread, simulated station)', function () {
  this.timeout(30_000);
  let sim: SimStation;
  let server: StatusServer;
  const clients: EventClient[] = [];
  const config = parseConfig({ ...benchConfigInput, meter: { driver: 'sim', pollIntervalMs: 200 } });
  const open = async (): Promise<EventClient> => {
    const client = await openEventClient(`${server.url}api/events`);
    clients.push(client);
    return client;
  };

  // One station and page for the whole sequence (plug, charge, fault, many clients, close), as a driver would see it.
  before(async () => {
    sim = await createSimStation({ config, clock: systemClock, logger: silentLogger(), meterPath: 'direct' });
    server = await startStatusServer({ sources: { station: sim.station, config, clock: systemClock }, logger: silentLogger(), host: '127.0.0.1', port: 0 });
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  after(async () => {
    await server.close();
    await sim.close();
  });

  it('starts with retry and the whole status, then sends a change of state within a second of the station seeing it', async () => {
    const client = await open();
    assert.equal(client.status, 200);
    const first = await client.next(() => true);
    assert.equal(first.retry, 2000);
    const snapshot = await client.next((e) => e.event === 'status');
    assert.equal(statusOf(snapshot).status, 'Available');
    const seenBy = { station: 0 };
    const unsubscribe = sim.station.onEvent(() => {
      seenBy.station ||= performance.timeOrigin + performance.now();
    });
    sim.world.plug();
    const change = await client.next((e) => e.event === 'status' && statusOf(e).status === 'Preparing', 2000);
    unsubscribe();
    assert.ok(seenBy.station > 0, 'the station saw no event');
    const latencyMs = change.atMs - seenBy.station;
    assert.ok(latencyMs < 1000, `the change reached the client ${latencyMs.toFixed(0)} ms after the station saw it`);
  });

  it('sends every new meter reading as a sample, and a fault with its guidance as a status', async () => {
    const client = await open();
    // Plugged in by the test before.
    assert.equal(await sim.station.tap(config.simulator.idTag), 'started');
    const charging = await client.next((e) => e.event === 'sample' && sampleOf(e).powerW > 1000 && sampleOf(e).sessionId === 1, 10_000);
    const later = await client.next((e) => e.event === 'sample' && Date.parse(sampleOf(e).at) > Date.parse(sampleOf(charging).at), 2000);
    assert.ok(sampleOf(later).offeredA > 0);
    // Every reading (one per 200 ms) is pushed as it comes, not only at the 500 ms snapshot timer (2–3 in 1.2 s).
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const readings = new Set(client.received.filter((e) => e.event === 'sample' && Date.parse(sampleOf(e).at) > Date.parse(sampleOf(later).at)).map((e) => sampleOf(e).at));
    assert.ok(readings.size >= 4, `only ${readings.size} readings in 1.2 s reached the client`);
    assert.ok((sampleOf(later).energyWh ?? -1) >= 0);
    // No journal here: the running session's curve comes from what the station's thread kept of the readings.
    const series = await fetch(`${server.url}api/sessions/1/series?points=5`);
    assert.equal(series.status, 200);
    const body = (await series.json()) as { points: { powerW: number }[]; samples: number };
    assert.ok(body.points.length >= 1 && body.points.length <= 5 && body.samples >= body.points.length);
    sim.world.inject('rcd-trip', true);
    const fault = await client.next((e) => e.event === 'status' && statusOf(e).status === 'Faulted', 2000);
    assert.equal(statusOf(fault).guidance.actionKey, 'fault.rcd-trip');
    assert.match(statusOf(fault).guidance.action, /fault current to earth/);
  });

  it('refuses the 51st stream with 503, and takes new ones again once clients went away', async () => {
    const opened = await Promise.all(Array.from({ length: 50 }, () => open()));
    assert.deepEqual([...new Set(opened.map((c) => c.status))], [200]);
    const refused = await openEventClient(`${server.url}api/events`);
    assert.equal(refused.status, 503);
    for (const c of opened.slice(0, 5)) c.close();
    // The worker forgets a stream when its socket closes; poll until one is free again (a second at most).
    let again: EventClient | null = null;
    for (let i = 0; i < 50 && again === null; i++) {
      const attempt = await open();
      if (attempt.status === 200) again = attempt;
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(again !== null, 'no stream free after 5 clients closed');
    await again.next((e) => e.event === 'status');
  });

  it('ends the open streams when the server closes', async () => {
    const client = await open();
    await client.next((e) => e.event === 'status');
    await server.close();
    await client.ended;
  });
});

describe('web: live stream details (app on loopback, a fake feed)', () => {
  it('sends a heartbeat (a comment and an event), skips a snapshot that only moved its clock, and 503 without a feed', async () => {
    const config = parseConfig(benchConfigInput);
    const sim = await createSimStation({ config, clock: systemClock, logger: silentLogger(), meterPath: 'direct' });
    const local = localStatusData({ station: sim.station, config, clock: systemClock }, null);
    const listeners = new Set<(view: StationStatusView) => void>();
    const data: StatusData = { ...local, live: { subscribe: (l) => (listeners.add(l), () => listeners.delete(l)) } };
    const app = buildStatusApp(data, () => undefined, { streams: { heartbeatMs: 50 } });
    const noFeed = buildStatusApp(local, () => undefined);
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const client = await openEventClient(`http://127.0.0.1:${port}/api/events`);
      const heartbeat = await client.next((e) => e.event === 'heartbeat', 2000);
      assert.equal(heartbeat.comment, 'heartbeat');
      const view = await local.status();
      for (const l of listeners) l(view);
      for (const l of listeners) l({ ...view, at: new Date(Date.parse(view.at) + 1000).toISOString() });
      for (const l of listeners) l({ ...view, status: 'Preparing' });
      await client.next((e) => e.event === 'status' && statusOf(e).status === 'Preparing', 2000);
      const statuses = client.received.filter((e) => e.event === 'status').map((e) => statusOf(e).status);
      // The snapshot at connect, then the first pushed (its meter differs from nothing), not the clock-only one.
      assert.deepEqual(statuses.slice(-2), ['Available', 'Preparing']);
      assert.ok(statuses.length <= 3, `sent ${statuses.length} statuses for 2 changes`);
      client.close();
      const res = await noFeed.inject({ url: '/api/events' });
      assert.equal(res.statusCode, 503);
    } finally {
      await app.close();
      await noFeed.close();
      await sim.close();
    }
  });
});
