import assert from 'node:assert/strict';
import { silentLogger } from '../../src/logger.js';
import { alertMessageId, alertVendorId, CsmsAlertChannel, tamperEventType } from '../../src/notify/csms-channel.js';
import { ChannelDispatcher } from '../../src/notify/dispatcher.js';
import { csmsChannelDeps } from '../../src/wiring/notify.js';
import { Rig201 } from '../ocpp/v201/rig.js';
import { assertSchema } from '../ocpp/v201/schemas.js';
import { fastTuning, waitUntil } from './support/helpers.js';

/**
 * The CSMS alert channel on an OCPP 2.0.1 uplink, wired as the station wires it (`csmsChannelDeps`): tampering as
 * SecurityEventNotification, other alerts as NotifyEvent, and the vendor DataTransfer at a CSMS that does not
 * implement NotifyEvent; checked by the bench CSMS's strict 2.0.1 schemas, on the real journal.
 */
describe('notify: CSMS channel over OCPP 2.0.1 (bench CSMS, strict schemas, real journal)', function () {
  this.timeout(20_000);
  let rig: Rig201;
  let dispatcher: ChannelDispatcher;

  beforeEach(async () => {
    rig = await Rig201.create();
    await rig.waitRegistered();
    // As createUplink201 does: the station's DataTransfers leave over 2.0.1 too.
    rig.client.deliverOutboxKind('DataTransfer');
    const channel = new CsmsAlertChannel(csmsChannelDeps(rig.journal, rig.client));
    dispatcher = new ChannelDispatcher({ queue: rig.journal, channel, filter: { minSeverity: 'info', driverEvents: false }, log: silentLogger(), ...fastTuning });
    dispatcher.start();
    await waitUntil('registered', async () => (await rig.journal.pendingAlerts('csms', 1).then(() => true, () => false)));
  });
  afterEach(async () => {
    await dispatcher.stop();
    await rig.close();
  });

  const calls = (method: string) => rig.csms.messages.filter((m) => m.type === 'CALL' && !m.outbound && m.method === method).map((m) => m.payload as Record<string, unknown>);
  type EventData = { eventId: number; trigger: string; actualValue: string; component: { name: string }; variable: { name: string }; techCode: string; techInfo: string; eventNotificationType: string };

  it('anomalies reach the CSMS as NotifyEvent (Problem of the component they are about, techCode = their code), tampering as SecurityEventNotification, each once', async () => {
    const id = await rig.journal.raiseAlert({ severity: 'warn', code: 'anomaly-over-offer', message: 'EV draws 20 A on a 16 A offer' });
    await rig.journal.raiseAlert({ severity: 'warn', code: 'anomaly-short-sessions', message: 'five sessions under a minute' });
    await rig.journal.raiseAlert({ severity: 'critical', code: 'anomaly-energy-while-open', message: 'Energy counted with the contactor open' });
    await waitUntil('all at the CSMS', () => calls('NotifyEvent').length === 2 && calls('SecurityEventNotification').some((c) => c['type'] === tamperEventType));
    for (const message of calls('NotifyEvent')) {
      assertSchema('NotifyEvent', 'req', message);
      assert.equal(message['seqNo'], 0);
      assert.equal(message['tbc'], false);
    }
    const [event, other] = calls('NotifyEvent').flatMap((m) => m['eventData'] as EventData[]);
    assert.deepEqual(
      { trigger: event?.trigger, actualValue: event?.actualValue, component: event?.component, variable: event?.variable, techCode: event?.techCode, type: event?.eventNotificationType },
      { trigger: 'Alerting', actualValue: 'true', component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Problem' }, techCode: 'anomaly-over-offer', type: 'HardWiredNotification' },
    );
    assert.equal(event?.techInfo, `#${id}: EV draws 20 A on a 16 A offer`);
    assert.deepEqual([other?.component, other?.techCode], [{ name: 'ChargingStation' }, 'anomaly-short-sessions']);
    assert.notEqual(event?.eventId, other?.eventId);
    assert.deepEqual(calls('DataTransfer'), [], 'no vendor DataTransfer at a CSMS that takes NotifyEvent');
    // Nothing refused by the strict schemas on either side, nothing dead.
    assert.deepEqual(rig.csms.messages.filter((m) => m.type === 'CALLERROR').map((m) => m.raw), []);
  });

  it('a CSMS that answers NotImplemented to NotifyEvent gets the alert as DataTransfer (that one and the next), and the StatusNotification behind it still leaves', async () => {
    rig.csms.controls.failNext('NotifyEvent', 100, 'NotImplemented');
    const first = await rig.journal.raiseAlert({ severity: 'warn', code: 'anomaly-over-offer', message: 'EV draws 20 A on a 16 A offer' });
    await waitUntil('the first as DataTransfer', () => calls('DataTransfer').length === 1);
    assert.equal((JSON.parse(String(calls('DataTransfer')[0]!['data'])) as Record<string, unknown>)['id'], first);
    assert.equal(rig.client.isUnsupported('NotifyEvent'), true, 'remembered');
    const second = await rig.journal.raiseAlert({ severity: 'warn', code: 'meter-drift', message: 'meter and EV disagree' });
    rig.station.setStatus(1, 'Charging');
    await waitUntil('the second as DataTransfer and the status', () => calls('DataTransfer').length === 2 && calls('StatusNotification').some((c) => c['connectorStatus'] === 'Occupied'));
    const dt = calls('DataTransfer')[1]!;
    assert.equal(dt['vendorId'], alertVendorId);
    assert.equal(dt['messageId'], alertMessageId);
    assert.equal((JSON.parse(String(dt['data'])) as Record<string, unknown>)['id'], second);
    assert.equal(calls('NotifyEvent').length, 1, 'NotifyEvent was tried once, then never again at this CSMS');
  });
});
