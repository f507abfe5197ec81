import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { systemClock } from '../../src/clock.js';
import { createSimStation, type SimStation } from '../../src/commands/sim/sim-station.js';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logger.js';
import { benchConfigInput } from '../../simulator/bench-config.js';
import { makeTestPki, type TestPki } from '../ocpp/support/certs.js';
import { requireTool } from '../support/tools.js';
import { requireMosquitto, startMosquitto, watch, type Broker, type Watcher } from './support/mosquitto.js';

const ID = 'T-1';
const BASE = `evse/${ID}`;
const NODE = 'evse_T-1';
const IDTAG = parseConfig({}).simulator.idTag;

/** A logger whose lines the test reads (JSON, one per line). */
function capturedLogger(): { logger: ReturnType<typeof createLogger>; lines: () => string[] } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { logger: createLogger({ level: 'debug', destination: stream }), lines: () => text.split('\n').filter((l) => l !== '') };
}

function stationConfig(mqtt: Record<string, unknown>) {
  return parseConfig({
    ...benchConfigInput,
    station: { id: ID, firmwareVersion: '9.8.7', model: 'AC-T' },
    control: { pwmChangeMinIntervalS: 0 },
    mqtt,
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('MQTT against a real mosquitto (issue 13, deliverable 3)', function () {
  this.timeout(60_000);
  let binary: string;
  let broker: Broker;
  let sim: SimStation | null = null;
  const watchers: Watcher[] = [];

  before(async function () {
    binary = requireMosquitto(this);
    broker = await startMosquitto(binary);
  });
  after(async () => {
    await broker?.stop();
  });
  afterEach(async () => {
    await sim?.close();
    sim = null;
    await Promise.all(watchers.splice(0).map((w) => w.end()));
  });

  const watcher = async (filters: string[], url = broker.url): Promise<Watcher> => {
    const w = await watch(url, filters);
    watchers.push(w);
    return w;
  };

  const start = async (mqtt: Record<string, unknown>, logger = createLogger({ level: 'silent' })): Promise<SimStation> => {
    sim = await createSimStation({ config: stationConfig(mqtt), clock: systemClock, logger, meterPath: 'direct' });
    return sim;
  };

  it('publishes one topic per value while the simulator charges, availability online retained', async () => {
    const w = await watcher([`${BASE}/#`]);
    const s = await start({ url: broker.url });
    await w.until('online', () => w.last(`${BASE}/availability`) === 'online');
    await w.until('Available', () => w.last(`${BASE}/state`) === 'Available');
    s.world.plug();
    await sleep(1500);
    assert.equal(await s.station.tap(IDTAG), 'started');
    await w.until('Charging with power', () => w.last(`${BASE}/state`) === 'Charging' && Number(w.last(`${BASE}/power`)) > 1000);
    await w.until('session energy', () => Number(w.last(`${BASE}/session_energy`)) > 0, 20_000);
    for (const l of ['l1', 'l2', 'l3']) assert.ok(Number(w.last(`${BASE}/current/${l}`)) > 5, `current ${l}: ${w.last(`${BASE}/current/${l}`)}`);
    const total = Number(w.last(`${BASE}/total_energy`));
    assert.ok(Number.isInteger(total) && total > 0, `total_energy ${total}`);
    assert.equal(Number(w.last(`${BASE}/offered_current`)), s.station.controller.snapshot().offeredA);
    await w.until('a running cost', () => Number(w.last(`${BASE}/cost`)) > 0);
    assert.deepEqual(JSON.parse(w.last(`${BASE}/faults`) ?? 'null'), []);
    // A fault reaches the fault list.
    s.world.inject('rcd-trip', true);
    await w.until('the RCD fault listed', () => (JSON.parse(w.last(`${BASE}/faults`) ?? '[]') as string[]).length > 0);
    // Values are retained: a late subscriber gets the state at once.
    const late = await watcher([`${BASE}/state`, `${BASE}/availability`]);
    await late.until('retained state', () => late.messages.some((m) => m.topic === `${BASE}/state` && m.retain));
    assert.ok(late.messages.some((m) => m.topic === `${BASE}/availability` && m.retain && m.payload === 'online'));
  });

  it('retained Home Assistant discovery with the right fields, and republished when homeassistant/status is online', async () => {
    const s = await start({ url: broker.url });
    void s;
    const probe = await watcher([`${BASE}/availability`]);
    await probe.until('online', () => probe.last(`${BASE}/availability`) === 'online');
    await sleep(300);
    const w = await watcher(['homeassistant/#']);
    await w.until('discovery', () => w.messages.filter((m) => m.topic.endsWith('/config')).length >= 10);
    const configs = new Map(w.messages.map((m) => [m.topic, { retain: m.retain, body: JSON.parse(m.payload) as Record<string, unknown> }]));
    for (const [topic, c] of configs) {
      assert.ok(c.retain, `${topic} retained`);
      assert.match(topic, new RegExp(`^homeassistant/(sensor|binary_sensor)/${NODE}/[a-z0-9_]+/config$`));
      assert.equal(c.body['availability_topic'], `${BASE}/availability`);
      assert.equal(typeof c.body['unique_id'], 'string');
      const device = c.body['device'] as Record<string, unknown>;
      assert.deepEqual(device['identifiers'], [NODE]);
      assert.equal(device['model'], 'AC-T');
      assert.equal(device['sw_version'], '9.8.7');
    }
    const total = configs.get(`homeassistant/sensor/${NODE}/total_energy/config`)?.body;
    assert.equal(total?.['state_class'], 'total_increasing');
    assert.equal(total?.['device_class'], 'energy');
    assert.equal(total?.['state_topic'], `${BASE}/total_energy`);
    const session = configs.get(`homeassistant/sensor/${NODE}/session_energy/config`)?.body;
    assert.equal(session?.['state_class'], 'total');
    assert.equal(session?.['unit_of_measurement'], 'Wh');
    assert.equal(configs.get(`homeassistant/sensor/${NODE}/power/config`)?.body['device_class'], 'power');
    assert.equal(configs.get(`homeassistant/sensor/${NODE}/current_l3/config`)?.body['device_class'], 'current');
    const ids = [...configs.values()].map((c) => c.body['unique_id']);
    assert.equal(new Set(ids).size, ids.length, 'unique ids are unique');
    assert.ok(![...configs.keys()].some((t) => t.includes('/number/') || t.includes('/switch/')), 'no command entities with commands off');

    // Home Assistant restarts: its birth message asks for the discovery again (delivered live, not as retained).
    w.messages.length = 0;
    await w.client.publishAsync('homeassistant/status', 'online');
    await w.until('republished', () => w.messages.filter((m) => m.topic.endsWith('/config') && !m.retain).length >= configs.size);
    // Anything else on the status topic is not a reason.
    w.messages.length = 0;
    await w.client.publishAsync('homeassistant/status', 'offline');
    await sleep(800);
    assert.equal(w.messages.filter((m) => m.topic.endsWith('/config')).length, 0);
  });

  it('commands on: a limit with its TTL, pause and resume; a bad payload is logged and ignored', async () => {
    const { logger, lines } = capturedLogger();
    const s = await start({ url: broker.url, commands: true, limitTtlS: 3600 }, logger);
    const w = await watcher([`${BASE}/#`, 'homeassistant/#']);
    await w.until('online', () => w.last(`${BASE}/availability`) === 'online');
    await w.until('command entities', () => w.messages.some((m) => m.topic === `homeassistant/number/${NODE}/current_limit/config`));
    assert.ok(w.messages.some((m) => m.topic === `homeassistant/switch/${NODE}/charging/config`));
    const offer = () => s.station.controller.currentOffer();
    assert.equal(offer().amps, 32);
    await w.client.publishAsync(`${BASE}/set/current_limit`, '8');
    await w.until('limit 8 A in force', () => offer().amps === 8 && w.last(`${BASE}/current_limit`) === '8');
    assert.equal(offer().limitedBy, 'external');

    await w.client.publishAsync(`${BASE}/set/current_limit`, 'eight amps');
    await w.client.publishAsync(`${BASE}/set/charging`, 'stop');
    await w.until('both bad payloads logged', () => lines().filter((l) => l.includes('mqtt command ignored')).length === 2);
    assert.equal(offer().amps, 8, 'a bad payload changes nothing');

    await w.client.publishAsync(`${BASE}/set/charging`, 'pause');
    await w.until('paused: 0 A', () => offer().amps === 0 && w.last(`${BASE}/paused`) === 'true');
    assert.equal(offer().canOffer, false);
    await w.client.publishAsync(`${BASE}/set/charging`, 'resume');
    await w.until('resumed at the limit', () => offer().amps === 8 && w.last(`${BASE}/paused`) === 'false');

    // The TTL: the limit lifts by itself.
    await w.client.publishAsync(`${BASE}/set/current_limit`, '{"amps": 10, "ttlS": 1}');
    await w.until('limit 10 A', () => offer().amps === 10);
    await w.until('TTL over: limit lifted', () => offer().amps === 32 && w.last(`${BASE}/current_limit`) === 'none', 5_000);
  });

  it('load management: mains currents, mode and surplus published and discovered; set/load_mode switches the mode', async () => {
    const { logger, lines } = capturedLogger();
    const config = parseConfig({
      ...benchConfigInput,
      station: { id: ID, firmwareVersion: '9.8.7', model: 'AC-T' },
      mqtt: { url: broker.url, commands: true },
      loadManagement: { mode: 'fuse', fuseA: 25, pvInstalled: true, meter: { driver: 'sim', model: 'sdm630', unitId: 2 } },
    });
    sim = await createSimStation({ config, clock: systemClock, logger, meterPath: 'modbus' });
    const s = sim;
    const w = await watcher([`${BASE}/#`, 'homeassistant/#']);
    await w.until('mains readings', () => w.last(`${BASE}/mains/current/l1`) !== undefined && w.last(`${BASE}/load_mode`) === 'fuse');
    // The simulated house at 07:00 (simulator.building): on L2 the base load and the heat pump, 1.5 kW: 6.5 A.
    assert.ok(Math.abs(Number(w.last(`${BASE}/mains/current/l2`)) - 6.5) < 0.2, w.last(`${BASE}/mains/current/l2`));
    assert.ok(w.last(`${BASE}/mains/power`) !== undefined && w.last(`${BASE}/mains/surplus`) === '0');
    await w.until('discovery', () => w.messages.some((m) => m.topic === `homeassistant/select/${NODE}/load_mode/config`));
    const select = JSON.parse(w.messages.find((m) => m.topic === `homeassistant/select/${NODE}/load_mode/config`)?.payload ?? '{}') as Record<string, unknown>;
    assert.deepEqual(select['options'], ['off', 'fuse', 'solar', 'solar-min']);
    assert.equal(select['command_topic'], `${BASE}/set/load_mode`);
    const sensor = JSON.parse(w.messages.find((m) => m.topic === `homeassistant/sensor/${NODE}/mains_current_l2/config`)?.payload ?? '{}') as Record<string, unknown>;
    assert.equal(sensor['device_class'], 'current');

    await w.client.publishAsync(`${BASE}/set/load_mode`, 'solar');
    await w.until('mode solar', () => w.last(`${BASE}/load_mode`) === 'solar' && s.station.load?.figures().mode === 'solar');
    await w.client.publishAsync(`${BASE}/set/load_mode`, 'turbo');
    await w.until('bad mode logged', () => lines().some((l) => l.includes('mqtt command ignored') && l.includes('load_mode')));
    assert.equal(s.station.load?.figures().mode, 'solar', 'a bad payload changes nothing');
  });

  it('commands off: set topics are not listened to', async () => {
    const { logger, lines } = capturedLogger();
    const s = await start({ url: broker.url }, logger);
    const w = await watcher([`${BASE}/#`]);
    await w.until('online', () => w.last(`${BASE}/availability`) === 'online');
    await sleep(300);
    await w.client.publishAsync(`${BASE}/set/current_limit`, '8');
    await w.client.publishAsync(`${BASE}/set/charging`, 'pause');
    await sleep(1500);
    assert.equal(s.station.controller.currentOffer().amps, 32);
    assert.equal(w.last(`${BASE}/paused`), 'false');
    assert.ok(!lines().some((l) => l.includes('mqtt current limit') || l.includes('mqtt charging command') || l.includes('ignored')));
  });

  it('the retained last will: offline once the station process is SIGKILLed (evse sim with a config file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evse-mqtt-kill-'));
    try {
      const configFile = join(dir, 'config.json');
      writeFileSync(configFile, JSON.stringify({ ...benchConfigInput, station: { id: 'KILL-1' }, mqtt: { url: broker.url } }));
      const w = await watcher(['evse/KILL-1/#', 'homeassistant/+/evse_KILL-1/+/config']);
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/cli.ts', 'sim', '--scenario', 'continuous', '--speed', '60', '--status-interval', '0', '--no-web',
          '--no-uplink', '--state-dir', join(dir, 'state'), '--config', configFile],
        { env: { ...process.env, EVSE_LOG_LEVEL: 'error' }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, sig) => resolve(sig)));
      try {
        await w.until('the station online with discovery', () => w.last('evse/KILL-1/availability') === 'online' && w.messages.some((m) => m.topic.endsWith('/config')), 40_000);
        // With a journal, the journal's alerts are published.
        await w.until('alerts topic', () => w.last('evse/KILL-1/alerts') !== undefined, 15_000);
      } catch (err) {
        child.kill('SIGKILL');
        throw new Error(`${(err as Error).message}\nstderr: ${stderr}`, { cause: err });
      }
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');
      await w.until('the will: offline', () => w.last('evse/KILL-1/availability') === 'offline', 10_000);
      const late = await watcher(['evse/KILL-1/availability']);
      await late.until('offline retained', () => late.messages.some((m) => m.retain && m.payload === 'offline'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('MQTT with a password (mosquitto_passwd -b)', function () {
  this.timeout(60_000);
  let broker: Broker;
  let sim: SimStation | null = null;

  before(async function () {
    const binary = requireMosquitto(this);
    requireTool(this, 'mosquitto_passwd', 'mosquitto');
    broker = await startMosquitto(binary, { evse: 'pa55-w0rd-x' });
  });
  after(async () => {
    await sim?.close();
    await broker?.stop();
  });

  it('connects with the right password and never logs it; a wrong one never gets online', async () => {
    const good = capturedLogger();
    sim = await createSimStation({
      config: stationConfig({ url: broker.url, username: 'evse', password: 'pa55-w0rd-x' }),
      clock: systemClock,
      logger: good.logger,
      meterPath: 'direct',
    });
    const w = await watch(broker.url, [`${BASE}/availability`], { username: 'evse', password: 'pa55-w0rd-x' });
    try {
      await w.until('online', () => w.last(`${BASE}/availability`) === 'online');
      await sim.close();
      sim = null;
      await w.until('offline on a graceful stop', () => w.last(`${BASE}/availability`) === 'offline');
      assert.ok(good.lines().some((l) => l.includes('mqtt connected')));
      assert.ok(!good.lines().some((l) => l.includes('pa55-w0rd-x')), 'the password is never logged');

      const bad = capturedLogger();
      w.messages.length = 0;
      sim = await createSimStation({
        config: stationConfig({ url: broker.url.replace('mqtt://', 'mqtt://evse:wrong@'), username: 'evse', password: 'wrong-pass' }),
        clock: systemClock,
        logger: bad.logger,
        meterPath: 'direct',
      });
      await sleep(2000);
      assert.equal(w.messages.length, 0, 'nothing published without the right password');
      assert.ok(bad.lines().some((l) => /mqtt error/.test(l)), bad.lines().join('\n'));
      assert.ok(!bad.lines().some((l) => l.includes('wrong-pass') || l.includes('evse:wrong')), 'neither form of the password is logged');
    } finally {
      await w.end();
    }
  });
});

describe('MQTT over TLS (mqtts:// and caFile)', function () {
  this.timeout(60_000);
  let broker: Broker;
  let pki: TestPki;
  let sim: SimStation | null = null;

  before(async function () {
    const binary = requireMosquitto(this);
    requireTool(this, 'openssl');
    pki = makeTestPki();
    broker = await startMosquitto(binary, undefined, { caFile: pki.caCert, certFile: pki.serverCert, keyFile: pki.serverKey });
  });
  afterEach(async () => {
    await sim?.close();
    sim = null;
  });
  after(async () => {
    await broker?.stop();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  it('connects with the CA file that signed the broker, and not with another CA', async () => {
    const w = await watch(broker.url, [`${BASE}/availability`], { ca: readFileSync(pki.caCert) });
    try {
      sim = await createSimStation({ config: stationConfig({ url: broker.url, caFile: pki.caCert }), clock: systemClock, logger: createLogger({ level: 'silent' }), meterPath: 'direct' });
      await w.until('online over TLS', () => w.last(`${BASE}/availability`) === 'online');
      await sim.close();
      sim = null;
      await w.until('offline', () => w.last(`${BASE}/availability`) === 'offline');

      const other = capturedLogger();
      w.messages.length = 0;
      sim = await createSimStation({ config: stationConfig({ url: broker.url, caFile: pki.otherCaCert }), clock: systemClock, logger: other.logger, meterPath: 'direct' });
      await sleep(2000);
      assert.equal(w.messages.length, 0, 'a broker signed by an untrusted CA gets nothing');
      assert.ok(other.lines().some((l) => /mqtt error/.test(l) && /certificate|self[- ]signed|verify/i.test(l)), other.lines().join('\n'));
    } finally {
      await w.end();
    }
  });
});

describe('MQTT with an unreachable broker', function () {
  this.timeout(30_000);
  let blackhole: Server;
  const sockets = new Set<Socket>();

  before(async () => {
    // Accepts the TCP connection and never answers CONNECT: the hardest broker to notice.
    blackhole = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => blackhole.close(r));
  });

  for (const kind of ['silent', 'refused'] as const) {
    it(`never slows the station (${kind}): it starts, charges and stops in bounded time`, async () => {
      const addr = blackhole.address();
      assert.ok(addr && typeof addr === 'object');
      const port = kind === 'silent' ? addr.port : 1; // port 1 on loopback: connection refused
      const t0 = Date.now();
      const sim = await createSimStation({
        config: stationConfig({ url: `mqtt://127.0.0.1:${port}` }),
        clock: systemClock,
        logger: createLogger({ level: 'silent' }),
        meterPath: 'direct',
      });
      try {
        assert.ok(Date.now() - t0 < 2000, `started in ${Date.now() - t0} ms`);
        sim.world.plug();
        await sleep(1500);
        assert.equal(await sim.station.tap(IDTAG), 'started');
        const deadline = Date.now() + 15_000;
        while (sim.station.controller.snapshot().status !== 'Charging') {
          assert.ok(Date.now() < deadline, 'charging without a broker');
          await sleep(100);
        }
      } finally {
        const t1 = Date.now();
        await sim.close();
        const closeMs = Date.now() - t1;
        assert.ok(closeMs < 3000, `shutdown took ${closeMs} ms`);
      }
    });
  }
});
