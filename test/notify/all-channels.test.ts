import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { systemClock } from '../../src/clock.js';
import { createSimStation, type SimStation } from '../../src/commands/sim/sim-station.js';
import { parseConfig } from '../../src/config/load.js';
import { alertVendorId } from '../../src/notify/csms-channel.js';
import { startAlertNotifier, type Notifier } from '../../src/wiring/notify.js';
import { benchConfigInput } from '../../simulator/bench-config.js';
import { freePort, requireMosquitto, startMosquitto, watch, type Broker, type Watcher } from '../mqtt/support/mosquitto.js';
import { makeTestPki, type TestPki } from '../ocpp/support/certs.js';
import { JournalRig } from '../ocpp/support/journal-rig.js';
import { TcpForwarder } from './support/forwarder.js';
import { capturedLogger, fastTuning, HookServer, sleep, waitUntil } from './support/helpers.js';
import { SmtpListener } from './support/smtp.js';

const ID = 'ALL-1';
const SECRET = 'all-channels-secret-7Qx';
const PASSWORD = 'all-channels-smtp-pw-3Kd';

/**
 * The "done when": an alert raised while every channel is down reaches the CSMS, the webhook, email and MQTT
 * once each when they come back, and a channel still down holds none of the others back. All real: the SQLite
 * journal (alerts, cursors, outbox), the bench CSMS on a websocket, a node HTTP server, smtp-server, mosquitto, and
 * the simulated station's own MQTT link.
 */
describe('notify: all four channels down, then up (issue 13, done when)', function () {
  this.timeout(60_000);
  let pki: TestPki;
  let broker: Broker;
  let watcher: Watcher;
  let rig: JournalRig;
  let hook: HookServer;
  let smtp: SmtpListener;
  let brokerGate: TcpForwarder;
  let sim: SimStation | null = null;
  let notifier: Notifier | null = null;
  const log = capturedLogger();

  before(async function () {
    const binary = requireMosquitto(this);
    pki = makeTestPki();
    // The broker runs from the start so the test's subscriber is there before anything is published (QoS 1, not
    // retained: a subscriber that came late would miss it). The station reaches it only through `brokerGate`: while
    // the gate is closed, for the station the broker is down exactly as if mosquitto were not started.
    broker = await startMosquitto(binary);
  });
  after(async () => {
    await broker?.stop();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await notifier?.stop();
    await sim?.close();
    await watcher?.end();
    await Promise.all([hook?.stop(), smtp?.stop(), brokerGate?.stop()]);
    await rig?.close();
    assert.ok(!log.text().includes(SECRET), 'the webhook secret is never logged');
    assert.ok(!log.text().includes(PASSWORD), 'the SMTP password is never logged');
  });

  it('raised while all are down: each channel receives it exactly once when it comes back; one still down holds none back', async () => {
    rig = await JournalRig.create();
    await rig.csms.controls.goDown();
    hook = new HookServer(await freePort());
    smtp = new SmtpListener(await freePort(), { key: readFileSync(pki.serverKey, 'utf8'), cert: readFileSync(pki.serverCert, 'utf8') }, { evse: PASSWORD });
    brokerGate = new TcpForwarder(await freePort(), broker.port);
    watcher = await watch(broker.url, [`evse/${ID}/alert`]);

    const config = parseConfig({
      ...benchConfigInput,
      station: { id: ID },
      mqtt: { url: `mqtt://127.0.0.1:${brokerGate.listenPort}`, discovery: false },
      alerts: {
        csms: { minSeverity: 'info' },
        webhook: { url: hook.url, secret: SECRET, timeoutS: 2 },
        email: { host: '127.0.0.1', port: smtp.port, caFile: pki.caCert, username: 'evse', password: PASSWORD, from: 'evse@example.com', to: 'ops@example.com', digestWindowS: 0 },
        mqtt: {},
      },
    });
    sim = await createSimStation({ config, clock: systemClock, logger: log.logger, meterPath: 'direct', recorder: rig.journal, reader: rig.journal });
    assert.ok(sim.station.mqtt, 'the station has its MQTT link');
    notifier = startAlertNotifier({ config, journal: rig.journal, uplink: rig.client, mqtt: sim.station.mqtt, logger: log.logger, tuning: fastTuning });
    await waitUntil('four channels registered', () => log.text().split('alert channel started').length - 1 === 4);

    const id = await rig.journal.raiseAlert({ severity: 'critical', code: 'anomaly-over-offer', message: 'EV draws 24 A on a 16 A offer' });
    await waitUntil('every channel failing', () => ['webhook', 'email', 'mqtt'].every((c) => new RegExp(`"channel":"${c}".*alert delivery failed`).test(log.text())));
    const outboxed = (): number => rig.outboxRows().filter((r) => r.kind === 'DataTransfer').length;
    await waitUntil('the CSMS alert queued in the outbox while offline', () => outboxed() === 1);
    await sleep(300);
    assert.equal(rig.csms.callsOf('DataTransfer').length, 0);
    assert.equal(hook.requests.length, 0);
    assert.equal(smtp.mails.length, 0);
    assert.equal(watcher.messages.length, 0);

    // Three come back; the broker stays away.
    await Promise.all([hook.start(), smtp.start(), rig.csms.controls.comeBack()]);
    const csmsAlerts = () => rig.csms.callsOf('DataTransfer').filter((c) => c['vendorId'] === alertVendorId);
    await waitUntil('webhook, email and CSMS', () => hook.accepted.length === 1 && smtp.mails.length === 1 && csmsAlerts().length === 1, 15_000);
    assert.equal(watcher.messages.length, 0, 'MQTT is still down');

    await brokerGate.start();
    await watcher.until('the MQTT alert', () => watcher.messages.length === 1, 15_000);
    await sleep(500);

    assert.equal(hook.accepted.length, 1, 'webhook: once');
    assert.equal(hook.accepted[0]!['id'], id);
    assert.equal(smtp.mails.length, 1, 'email: once');
    assert.match(smtp.mails[0]!.text, new RegExp(`alert #${id}`));
    assert.equal(csmsAlerts().length, 1, 'CSMS: once');
    assert.equal((JSON.parse(String(csmsAlerts()[0]!['data'])) as Record<string, unknown>)['id'], id);
    assert.equal(watcher.messages.length, 1, 'MQTT: once');
    assert.equal(watcher.messages[0]!.topic, `evse/${ID}/alert`);
    const mqttAlert = JSON.parse(watcher.messages[0]!.payload) as Record<string, unknown>;
    assert.equal(mqttAlert['id'], id);
    assert.equal(mqttAlert['stationId'], ID);
    assert.equal(mqttAlert['code'], 'anomaly-over-offer');
    assert.equal(mqttAlert['severity'], 'critical');
    // Not retained: a subscriber that comes later gets no old alert from the broker.
    const late = await watch(broker.url, [`evse/${ID}/alert`]);
    await sleep(300);
    assert.equal(late.messages.length, 0, 'not retained');
    await late.end();
  });
});
