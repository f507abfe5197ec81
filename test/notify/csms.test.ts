import assert from 'node:assert/strict';
import { silentLogger } from '../../src/logger.js';
import { alertMessageId, alertVendorId, CsmsAlertChannel, tamperEventType } from '../../src/notify/csms-channel.js';
import { ChannelDispatcher } from '../../src/notify/dispatcher.js';
import { JournalRig } from '../ocpp/support/journal-rig.js';
import { fastTuning, sleep, waitUntil } from './support/helpers.js';

describe('notify: CSMS channel through the journal outbox, against the bench CSMS', function () {
  this.timeout(20_000);
  let rig: JournalRig;
  let dispatcher: ChannelDispatcher;

  beforeEach(async () => {
    rig = await JournalRig.create();
    await rig.waitRegistered();
    const channel = new CsmsAlertChannel({ outbox: rig.journal, outboxChanged: () => rig.client.outboxChanged(), isUnsupported: (k) => rig.client.isUnsupported(k) });
    dispatcher = new ChannelDispatcher({ queue: rig.journal, channel, filter: { minSeverity: 'info', driverEvents: false }, log: silentLogger(), ...fastTuning });
    dispatcher.start();
    await waitUntil('registered', async () => (await rig.journal.pendingAlerts('csms', 1).then(() => true, () => false)));
    await sleep(30);
  });
  afterEach(async () => {
    await dispatcher.stop();
    await rig.close();
  });

  /** Raises an alert in the journal, as the monitor does. */
  const raise = (a: { severity: 'info' | 'warn' | 'critical'; code: string; message: string; detail?: Record<string, string> }): Promise<number> => rig.journal.raiseAlert(a);
  /** True once the channel's cursor in the journal is at or past `id`. */
  const confirmed = async (id: number): Promise<boolean> => (await rig.journal.pendingAlerts('csms', 100)).alerts.every((a) => a.id > id);
  const dataTransfers = () => rig.csms.callsOf('DataTransfer').filter((c) => c['vendorId'] === alertVendorId);

  it('an alert raised while the CSMS is down reaches it as one DataTransfer once it is back', async () => {
    await rig.csms.controls.goDown();
    const id = await raise({ severity: 'warn', code: 'anomaly-over-offer', message: 'EV draws 20 A on a 16 A offer', detail: { threshold: '2 A' } });
    await waitUntil('queued in the outbox', () => confirmed(id));
    assert.deepEqual(
      rig.outboxRows().filter((r) => r.kind === 'DataTransfer').map((r) => r.state),
      ['pending'],
      'durable in the journal while offline',
    );
    await rig.csms.controls.comeBack();
    await waitUntil('the DataTransfer', () => dataTransfers().length === 1);
    await rig.waitDrained();
    await sleep(100);
    assert.equal(dataTransfers().length, 1, 'once');
    const call = dataTransfers()[0]!;
    assert.equal(call['messageId'], alertMessageId);
    const data = JSON.parse(String(call['data'])) as Record<string, unknown>;
    assert.equal(data['id'], id);
    assert.equal(data['code'], 'anomaly-over-offer');
    assert.equal(data['severity'], 'warn');
    assert.equal(data['count'], 1);
    assert.equal(data['audience'], 'operator');
    assert.equal(data['dedupKey'], 'anomaly-over-offer');
    assert.deepEqual(data['evidence'], { threshold: '2 A' });
    assert.equal(typeof data['atMs'], 'number');
  });

  it('tampering and unauthorized use go as SecurityEventNotification (TamperDetectionActivated)', async () => {
    const open = await raise({ severity: 'critical', code: 'anomaly-energy-while-open', message: 'Energy counted with the contactor open' });
    await raise({ severity: 'critical', code: 'anomaly-energy-without-session', message: 'Energy counted with no session' });
    await waitUntil('two security events', () => rig.csms.callsOf('SecurityEventNotification').filter((c) => c['type'] === tamperEventType).length === 2);
    const [first] = rig.csms.callsOf('SecurityEventNotification').filter((c) => c['type'] === tamperEventType);
    assert.equal(first!['techInfo'], `anomaly-energy-while-open #${open}: Energy counted with the contactor open`);
    assert.equal(typeof first!['timestamp'], 'string');
    assert.equal(dataTransfers().length, 0, 'not also as DataTransfer');
  });

  it('faults (already StatusNotification error codes) and the outbox’s own alerts are not sent', async () => {
    await raise({ severity: 'critical', code: 'fault-rcd-trip', message: 'RCD tripped' });
    await raise({ severity: 'critical', code: 'outbox-dead-letter', message: 'a message was given up' });
    const last = await raise({ severity: 'warn', code: 'anomaly-frozen-meter', message: 'frozen' });
    await waitUntil('the last one', () => dataTransfers().length === 1);
    assert.equal((JSON.parse(String(dataTransfers()[0]!['data'])) as Record<string, unknown>)['id'], last);
    assert.ok(await confirmed(last));
  });

  it('a CSMS that answers NotImplemented: nothing blocks (later alerts and transactions go on), the kind is not sent again', async () => {
    rig.csms.controls.failNext('DataTransfer', 1000, 'NotImplemented');
    rig.csms.controls.failNext('SecurityEventNotification', 1000, 'NotImplemented');
    await raise({ severity: 'warn', code: 'anomaly-over-offer', message: 'first' });
    await waitUntil('refused once', () => rig.csms.messages.some((m) => m.type === 'CALLERROR' && m.method === 'DataTransfer'));
    await rig.waitDrained();
    const session = await rig.startSession('TAG1', 1000);
    const last = await raise({ severity: 'warn', code: 'anomaly-phase-imbalance', message: 'second' });
    await waitUntil('cursor past the second', () => confirmed(last));
    await waitUntil('the StartTransaction', () => rig.csms.callsOf('StartTransaction').length === 1);
    await rig.stopSession(session, 2000);
    await rig.waitDrained();
    assert.equal(rig.csms.callsOf('DataTransfer').length, 1, 'the second alert was not sent to a CSMS that does not implement it');
    assert.equal(rig.dead.length, 0, 'no dead letter');
    assert.equal(rig.csms.callsOf('StopTransaction').length, 1);
  });

  it('a CSMS without the security whitepaper: once it said NotImplemented, tamper alerts go to it as DataTransfer', async () => {
    rig.csms.controls.failNext('SecurityEventNotification', 1000, 'NotImplemented');
    await raise({ severity: 'critical', code: 'anomaly-energy-while-open', message: 'first tamper' });
    await waitUntil('security event refused', () => rig.csms.messages.some((m) => m.type === 'CALLERROR' && m.method === 'SecurityEventNotification'));
    await rig.waitDrained();
    const second = await raise({ severity: 'critical', code: 'anomaly-energy-without-session', message: 'second tamper' });
    await waitUntil('as DataTransfer', () => dataTransfers().length === 1);
    const data = JSON.parse(String(dataTransfers()[0]!['data'])) as Record<string, unknown>;
    assert.equal(data['id'], second);
    assert.equal(data['code'], 'anomaly-energy-without-session');
    assert.equal(rig.csms.callsOf('SecurityEventNotification').filter((c) => c['type'] === tamperEventType).length, 1, 'not offered again');
  });
});
