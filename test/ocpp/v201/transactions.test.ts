import assert from 'node:assert/strict';
import type { TransactionEventRequest } from '../../../src/ocpp/v201/transactions/types.js';
import { sleep, waitFor } from './rig.js';
import { BenchRig } from './support/bench-rig.js';
import { assertSchema } from './schemas.js';

const summary = (events: TransactionEventRequest[]): string[] =>
  events.map((e) => `${e.seqNo} ${e.eventType} ${e.triggerReason}${e.transactionInfo.chargingState ? ` ${e.transactionInfo.chargingState}` : ''}${e.offline === true ? ' offline' : ''}`);

describe('OCPP 2.0.1 transactions against the bench CSMS (strict 2.0.1, real journal, loopback)', function () {
  let rig: BenchRig;

  afterEach(async function () {
    await rig.close();
  });

  it('E02 cable first: Started (Authorized), ChargingStateChanged, MeterValuePeriodic, Ended (StopAuthorized) with seqNo 0, 1, 2, 3 under one id', async function () {
    rig = await BenchRig.create({ config: { initialKeys: { 'SampledDataCtrlr/TxUpdatedInterval': '1' } } });
    await rig.waitRegistered();
    rig.station.meter(0);
    rig.station.plugIn();
    assert.equal(rig.station.authorizeStart('CARD0001', 'local'), 'Accepted');
    await rig.waitEvents(2);
    rig.station.meter(250);
    await waitFor(() => rig.events().some((e) => e.triggerReason === 'MeterValuePeriodic'), 4000, 'a periodic sample');
    rig.station.tapStop('CARD0001');
    await waitFor(() => rig.events().some((e) => e.eventType === 'Ended'), 4000, 'Ended');
    const events = rig.events();
    for (const e of events) assertSchema('TransactionEvent', 'req', e);
    const periodic = events.filter((e) => e.triggerReason === 'MeterValuePeriodic');
    assert.deepEqual(summary(events.filter((e) => e.triggerReason !== 'MeterValuePeriodic' || e === periodic[0])).slice(0, 3), [
      '0 Started Authorized EVConnected',
      '1 Updated ChargingStateChanged Charging',
      '2 Updated MeterValuePeriodic',
    ]);
    assert.deepEqual(events.map((e) => e.seqNo), events.map((_, i) => i), 'seqNo 0, 1, 2 … without gap');
    const ended = events[events.length - 1];
    assert.deepEqual([ended?.eventType, ended?.triggerReason, ended?.transactionInfo.stoppedReason, ended?.idToken?.idToken], ['Ended', 'StopAuthorized', 'Local', 'CARD0001']);
    assert.equal(new Set(events.map((e) => e.transactionInfo.transactionId)).size, 1);
    assert.equal(periodic[0]?.meterValue?.[0]?.sampledValue[0]?.context, 'Sample.Periodic');
  });

  it('E03 authorization first, then E09 the EV leaves: Started on the plug (CablePluggedIn), Ended EVDisconnected', async function () {
    rig = await BenchRig.create();
    await rig.waitRegistered();
    rig.station.authorizeStart('CARD0002', 'local');
    await sleep(30);
    rig.station.plugIn();
    await rig.waitEvents(2);
    rig.station.unplug();
    await waitFor(() => rig.events().some((e) => e.eventType === 'Ended'), 4000, 'Ended');
    assert.deepEqual(summary(rig.events()), ['0 Started CablePluggedIn EVConnected', '1 Updated ChargingStateChanged Charging', '2 Ended EVCommunicationLost Idle']);
    assert.equal(rig.events()[2]?.transactionInfo.stoppedReason, 'EVDisconnected');
  });

  it('a session that ran while the CSMS was away arrives later in order, flagged offline: true, with the right seqNos', async function () {
    rig = await BenchRig.create();
    await rig.waitRegistered();
    await rig.csms.controls.goDown();
    await waitFor(() => !rig.client.connection.isOpen(), 3000, 'link down');
    rig.station.plugIn();
    rig.station.authorizeStart('CARD0003', 'local');
    await rig.station.committed();
    await sleep(50);
    rig.station.tapStop('CARD0003');
    await rig.station.committed();
    await sleep(100);
    assert.equal(rig.events().length, 0);
    await rig.csms.controls.comeBack();
    const events = await rig.waitEvents(3);
    assert.deepEqual(summary(events), ['0 Started Authorized EVConnected offline', '1 Updated ChargingStateChanged Charging offline', '2 Ended StopAuthorized EVConnected offline']);
    // Online again: the next session's events are not flagged.
    rig.station.authorizeStart('CARD0004', 'local');
    const next = await rig.waitEvents(4);
    assert.equal(next[3]?.offline, undefined);
    assert.equal(next[3]?.seqNo, 0);
  });

  it('a reboot mid-transaction continues the same transactionId and seqNo: Ended (PowerLoss) follows what was sent', async function () {
    rig = await BenchRig.create();
    await rig.waitRegistered();
    rig.station.plugIn();
    rig.station.authorizeStart('CARD0005', 'local');
    const before = await rig.waitEvents(2);
    // Killed once both are answered: a kill between the CSMS holding a message and its answer reaching the station
    // makes the station send it again (at-least-once, as it must), which this test is not about.
    const deadline = Date.now() + 5000;
    while ((await rig.journal.depth()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await rig.crashAndRestart();
    await rig.waitRegistered();
    const events = await rig.waitEvents(3);
    assert.deepEqual(summary(events), ['0 Started Authorized EVConnected', '1 Updated ChargingStateChanged Charging', '2 Ended AbnormalCondition EVConnected offline']);
    assert.equal(events[2]?.transactionInfo.transactionId, before[0]?.transactionInfo.transactionId);
    assert.equal(events[2]?.transactionInfo.stoppedReason, 'PowerLoss');
  });

  it('F01/F02 remote start (authorized first, remoteStartId on Started) and F03 remote stop by transactionId; E14 status; F05 refused while charging', async function () {
    rig = await BenchRig.create();
    await rig.waitRegistered();
    rig.station.plugIn();
    const answer = await rig.call('RequestStartTransaction', { remoteStartId: 77, idToken: { idToken: 'APP-USER-1', type: 'Central' } });
    assert.equal(answer['status'], 'Accepted');
    const [started] = await rig.waitEvents(2);
    assert.deepEqual([started?.triggerReason, started?.transactionInfo.remoteStartId, started?.idToken], ['RemoteStart', 77, { idToken: 'APP-USER-1', type: 'Central' }]);
    assert.deepEqual(rig.csms.callsOf('Authorize').map((p) => p['idToken']), [{ idToken: 'APP-USER-1', type: 'Central' }], 'AuthorizeRemoteStart: authorized first');
    const transactionId = started?.transactionInfo.transactionId ?? '';
    // The CSMS holds the two events a moment before their answers are journaled at the station: E14 asked after that.
    await waitFor(async () => (await rig.journal.depth()) === 0, 3000, 'both events answered');
    assert.deepEqual(await rig.call('GetTransactionStatus', { transactionId }), { ongoingIndicator: true, messagesInQueue: false });
    assert.deepEqual(await rig.call('UnlockConnector', { evseId: 1, connectorId: 1 }), { status: 'OngoingAuthorizedTransaction' });
    assert.deepEqual(await rig.call('RequestStopTransaction', { transactionId: 'not-this-one' }), { status: 'Rejected' });
    assert.deepEqual(await rig.call('RequestStartTransaction', { remoteStartId: 78, idToken: { idToken: 'X', type: 'Central' } }), { status: 'Rejected', statusInfo: { reasonCode: 'TxInProgress' } });
    assert.deepEqual(await rig.call('RequestStopTransaction', { transactionId }), { status: 'Accepted' });
    await waitFor(() => rig.events().some((e) => e.eventType === 'Ended'), 4000, 'Ended');
    const ended = rig.events().find((e) => e.eventType === 'Ended');
    assert.deepEqual([ended?.triggerReason, ended?.transactionInfo.stoppedReason, ended?.transactionInfo.transactionId], ['RemoteStop', 'Remote', transactionId]);
    // The CSMS has the Ended once the station journaled its answer.
    await waitFor(async () => (await rig.journal.depth()) === 0, 3000, 'outbox drained');
    assert.deepEqual(await rig.call('GetTransactionStatus', { transactionId }), { ongoingIndicator: false, messagesInQueue: false });
    assert.deepEqual(await rig.call('UnlockConnector', { evseId: 1, connectorId: 1 }), { status: 'Unlocked' });
    assert.deepEqual(await rig.call('UnlockConnector', { evseId: 2, connectorId: 1 }), { status: 'UnknownConnector', statusInfo: { reasonCode: 'UnknownEvse', additionalInfo: 'this station has EVSE 1 with connector 1 only' } });
  });

  it('a remote start whose token the CSMS refuses (Authorize Blocked) starts nothing', async function () {
    rig = await BenchRig.create();
    await rig.waitRegistered();
    rig.csms.answers.rejectedIdTags.add('BLOCKED-1');
    rig.station.plugIn();
    assert.deepEqual(await rig.call('RequestStartTransaction', { remoteStartId: 5, idToken: { idToken: 'BLOCKED-1', type: 'Central' } }), { status: 'Accepted' });
    await waitFor(() => rig.csms.callsOf('Authorize').length === 1, 3000, 'Authorize');
    await sleep(100);
    assert.equal(rig.station.activeSession(), null);
    assert.equal(rig.events().length, 0);
  });

  it('StopTxOnInvalidId: a Started answered Blocked ends the transaction with DeAuthorized', async function () {
    rig = await BenchRig.create();
    await rig.waitRegistered();
    rig.csms.answers.rejectedIdTags.add('CARD-BLOCKED');
    rig.station.plugIn();
    rig.station.authorizeStart('CARD-BLOCKED', 'local');
    await waitFor(() => rig.events().some((e) => e.eventType === 'Ended'), 4000, 'Ended');
    const ended = rig.events().find((e) => e.eventType === 'Ended');
    assert.deepEqual([ended?.triggerReason, ended?.transactionInfo.stoppedReason], ['Deauthorized', 'DeAuthorized']);
  });

  it('F06 TriggerMessage: TransactionEvent (Updated, Trigger) during a transaction, MeterValues, Heartbeat; BootNotification refused once accepted', async function () {
    rig = await BenchRig.create();
    await rig.waitRegistered();
    assert.deepEqual(await rig.call('TriggerMessage', { requestedMessage: 'TransactionEvent' }), { status: 'Rejected', statusInfo: { reasonCode: 'NoTransaction' } });
    rig.station.meter(0);
    rig.station.plugIn();
    rig.station.authorizeStart('CARD0006', 'local');
    await rig.waitEvents(2);
    assert.deepEqual(await rig.call('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 1 } }), { status: 'Accepted' });
    const events = await rig.waitEvents(3);
    assert.deepEqual([events[2]?.triggerReason, events[2]?.seqNo, events[2]?.meterValue?.[0]?.sampledValue[0]?.context], ['Trigger', 2, 'Trigger']);
    assert.deepEqual(await rig.call('TriggerMessage', { requestedMessage: 'MeterValues' }), { status: 'Accepted' });
    await waitFor(() => rig.csms.callsOf('MeterValues').length === 1, 3000, 'MeterValues');
    assertSchema('MeterValues', 'req', rig.csms.callsOf('MeterValues')[0]);
    const heartbeats = rig.csms.callsOf('Heartbeat').length;
    assert.deepEqual(await rig.call('TriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'Accepted' });
    await waitFor(() => rig.csms.callsOf('Heartbeat').length === heartbeats + 1, 3000, 'Heartbeat');
    assert.deepEqual(await rig.call('TriggerMessage', { requestedMessage: 'BootNotification' }), { status: 'Rejected' });
    assert.deepEqual(await rig.call('TriggerMessage', { requestedMessage: 'PublishFirmwareStatusNotification' }), { status: 'NotImplemented' });
  });

  it('C16 master pass through the client: the running transaction ends with stoppedReason MasterPass, the pass starts nothing', async function () {
    rig = await BenchRig.create({ config: { initialKeys: { 'AuthCtrlr/MasterPassGroupId': 'MASTERS' } } });
    await rig.waitRegistered();
    rig.csms.controls.respondWith('Authorize', (p) => {
      const token = (p['idToken'] as { idToken: string }).idToken;
      return { idTokenInfo: token === 'MASTER' ? { status: 'Accepted', groupIdToken: { idToken: 'MASTERS', type: 'Central' } } : { status: 'Accepted' } };
    });
    rig.station.plugIn();
    assert.deepEqual(await rig.client.authorize('CARD0007'), { status: 'Accepted' });
    rig.station.authorizeStart('CARD0007', 'local');
    await rig.waitEvents(2);
    assert.deepEqual(await rig.client.authorize('MASTER'), { status: 'Invalid' });
    await waitFor(() => rig.events().some((e) => e.eventType === 'Ended'), 4000, 'Ended');
    const ended = rig.events().find((e) => e.eventType === 'Ended');
    assert.deepEqual([ended?.triggerReason, ended?.transactionInfo.stoppedReason], ['StopAuthorized', 'MasterPass']);
  });

  it('the running cost: CostUpdated and the Ended answer\'s totalCost with its personal message reach the display; an unknown id changes nothing', async function () {
    const costs: [number, number, string | undefined][] = [];
    rig = await BenchRig.create({ client: { onCost: (sessionId, totalCost, text) => costs.push([sessionId, totalCost, text]) } });
    await rig.waitRegistered();
    rig.csms.controls.respondWith('TransactionEvent', (p) =>
      p['eventType'] === 'Ended' ? { totalCost: 4.2, updatedPersonalMessage: { format: 'UTF8', content: '4.20 EUR, thank you' } } : {},
    );
    rig.station.plugIn();
    rig.station.authorizeStart('CARD0008', 'local');
    const [started] = await rig.waitEvents(2);
    const sessionId = rig.station.activeSession()?.sessionId;
    assert.deepEqual(await rig.call('CostUpdated', { totalCost: 1.5, transactionId: started?.transactionInfo.transactionId ?? '' }), {});
    assert.deepEqual(await rig.call('CostUpdated', { totalCost: 99, transactionId: 'unknown-transaction' }), {});
    rig.station.tapStop('CARD0008');
    await waitFor(() => costs.length === 2, 4000, 'the final cost');
    assert.deepEqual(costs, [
      [sessionId, 1.5, undefined],
      [sessionId, 4.2, '4.20 EUR, thank you'],
    ]);
  });

  it('J01 clock-aligned values: Updated MeterValueClock during a transaction, a MeterValuesRequest outside one', async function () {
    rig = await BenchRig.create({ config: { initialKeys: { 'AlignedDataCtrlr/Interval': '1', 'SampledDataCtrlr/TxUpdatedInterval': '0' } } });
    await rig.waitRegistered();
    rig.station.meter(0);
    await rig.csms.waitFor(() => rig.csms.callsOf('MeterValues').length >= 1, 4000, 'an idle aligned MeterValues');
    const idle = rig.csms.callsOf('MeterValues')[0];
    assertSchema('MeterValues', 'req', idle);
    assert.equal((idle?.['meterValue'] as { sampledValue: { context: string }[] }[])[0]?.sampledValue[0]?.context, 'Sample.Clock');
    rig.station.plugIn();
    rig.station.authorizeStart('CARD0009', 'local');
    await waitFor(() => rig.events().some((e) => e.triggerReason === 'MeterValueClock'), 4000, 'an aligned Updated');
    const clock = rig.events().find((e) => e.triggerReason === 'MeterValueClock');
    assert.equal(clock?.meterValue?.[0]?.sampledValue[0]?.context, 'Sample.Clock');
  });

  it('E14: while the CSMS refuses the Ended (retry in 30 s), GetTransactionStatus says its messages are queued', async function () {
    rig = await BenchRig.create({ config: { initialKeys: { 'OCPPCommCtrlr/MessageAttemptInterval[TransactionEvent]': '30' } } });
    await rig.waitRegistered();
    rig.station.plugIn();
    rig.station.authorizeStart('CARD0010', 'local');
    const [started] = await rig.waitEvents(2);
    await waitFor(async () => (await rig.journal.depth()) === 0, 3000, 'drained');
    rig.csms.controls.failNext('TransactionEvent', 1);
    rig.station.tapStop('CARD0010');
    await waitFor(() => rig.events().length === 3, 3000, 'the refused Ended');
    const transactionId = started?.transactionInfo.transactionId ?? '';
    assert.deepEqual(await rig.call('GetTransactionStatus', { transactionId }), { ongoingIndicator: false, messagesInQueue: true });
    assert.deepEqual(await rig.call('GetTransactionStatus', {}), { messagesInQueue: true });
  });

  it('F06 TriggerMessage(BootNotification) while Pending: Accepted, and the boot goes with reason Triggered', async function () {
    rig = await BenchRig.create({ csms: { bootStatus: 'Pending' } });
    await rig.csms.waitFor(() => rig.csms.callsOf('BootNotification').length === 1, 4000, 'the first boot');
    await sleep(50);
    assert.deepEqual(await rig.call('TriggerMessage', { requestedMessage: 'BootNotification' }), { status: 'Accepted' });
    await rig.csms.waitFor(() => rig.csms.callsOf('BootNotification').length === 2, 4000, 'the triggered boot');
    assert.equal(rig.csms.callsOf('BootNotification')[1]?.['reason'], 'Triggered');
  });
});
