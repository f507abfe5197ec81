import assert from 'node:assert/strict';
import { silentLogger } from '../../src/logger.js';
import { alertMessageId, alertVendorId, CsmsAlertChannel, tamperEventType } from '../../src/notify/csms-channel.js';
import { ChannelDispatcher } from '../../src/notify/dispatcher.js';
import { Rig201 } from '../ocpp/v201/rig.js';
import { fastTuning, waitUntil } from './support/helpers.js';

/**
 * The CSMS alert channel on an OCPP 2.0.1 uplink: the same outbox rows, delivered by the 2.0.1 client once it is told
 * DataTransfer is one of its kinds (as the wiring does), checked by the bench CSMS's strict 2.0.1 schemas.
 */
describe('notify: CSMS channel over OCPP 2.0.1 (bench CSMS, strict schemas, real journal)', function () {
  this.timeout(20_000);
  let rig: Rig201;
  let dispatcher: ChannelDispatcher;

  beforeEach(async () => {
    rig = await Rig201.create();
    await rig.waitRegistered();
    rig.client.deliverOutboxKind('DataTransfer');
    const channel = new CsmsAlertChannel({ outbox: rig.journal, outboxChanged: () => rig.client.outboxChanged(), isUnsupported: (k) => rig.client.isUnsupported(k) });
    dispatcher = new ChannelDispatcher({ queue: rig.journal, channel, filter: { minSeverity: 'info', driverEvents: false }, log: silentLogger(), ...fastTuning });
    dispatcher.start();
    await waitUntil('registered', async () => (await rig.journal.pendingAlerts('csms', 1).then(() => true, () => false)));
  });
  afterEach(async () => {
    await dispatcher.stop();
    await rig.close();
  });

  const calls = (method: string) => rig.csms.messages.filter((m) => m.type === 'CALL' && !m.outbound && m.method === method).map((m) => m.payload as Record<string, unknown>);

  it('an anomaly reaches the CSMS as DataTransfer, tampering as SecurityEventNotification, each once', async () => {
    const id = await rig.journal.raiseAlert({ severity: 'warn', code: 'anomaly-over-offer', message: 'EV draws 20 A on a 16 A offer' });
    await rig.journal.raiseAlert({ severity: 'critical', code: 'anomaly-energy-while-open', message: 'Energy counted with the contactor open' });
    await waitUntil('both at the CSMS', () => calls('DataTransfer').length === 1 && calls('SecurityEventNotification').some((c) => c['type'] === tamperEventType));
    const dt = calls('DataTransfer')[0]!;
    assert.equal(dt['vendorId'], alertVendorId);
    assert.equal(dt['messageId'], alertMessageId);
    assert.equal((JSON.parse(String(dt['data'])) as Record<string, unknown>)['id'], id);
    // Nothing refused by the strict schemas on either side, nothing dead.
    assert.deepEqual(rig.csms.messages.filter((m) => m.type === 'CALLERROR').map((m) => m.raw), []);
  });
});
