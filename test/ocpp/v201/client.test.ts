import assert from 'node:assert/strict';
import { STATION } from '../support/harness.js';
import { Rig201, sleep, waitFor } from './rig.js';

describe('OCPP 2.0.1 client: the registry other use cases plug into', function () {
  this.timeout(20_000);
  let rig: Rig201 | null = null;
  afterEach(async () => {
    await rig?.close();
    rig = null;
  });

  it('handle() installs a CSMS action at once on the open link; call() sends a validated call and returns the answer', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    await assert.rejects(r.call('GetLocalListVersion', {}), (e: unknown) => (e as { rpcErrorCode?: string }).rpcErrorCode === 'NotImplemented');
    const connections = r.csms.acceptedConnections();
    r.client.handle('GetLocalListVersion', () => ({ versionNumber: 0 }));
    assert.deepEqual(await r.call('GetLocalListVersion', {}), { versionNumber: 0 });
    assert.equal(r.csms.acceptedConnections(), connections, 'no reconnect needed');
    assert.ok(r.client.handledActions().includes('GetLocalListVersion'));
    // An answer that breaks the schema never leaves as such: the CSMS gets InternalError.
    r.client.handle('GetLocalListVersion', () => ({ versionNumber: 'no' }));
    await assert.rejects(r.call('GetLocalListVersion', {}), (e: unknown) => (e as { rpcErrorCode?: string }).rpcErrorCode === 'InternalError');

    const answer = await r.client.call<{ idTokenInfo: { status: string } }>('Authorize', { idToken: { idToken: 'TAG-1', type: 'ISO14443' } });
    assert.equal(answer.idTokenInfo.status, 'Accepted');
    // A call that breaks the 2.0.1 schema is refused before it leaves.
    const before = r.csms.messages.length;
    await assert.rejects(r.client.call('Authorize', { idTag: 'TAG-1' }));
    await sleep(50);
    assert.equal(r.csms.messages.slice(before).filter((m) => m.method === 'Authorize').length, 0);
  });

  it('the journal’s transaction rows leave as TransactionEvent, never 1.6-shaped; a 1.6 leftover in the optional lane is dead-lettered, not a plug', async () => {
    const dead: string[] = [];
    rig = await Rig201.create({ client: { onDeadLetter: (d) => dead.push(d.message.kind) } });
    const r = rig;
    await r.waitRegistered();
    const now = Date.now();
    await r.journal.startSession({ connectorId: 1, idTag: 'TAG-1', plugInAtMs: now - 1000, authorizedAtMs: now - 500, startAtMs: now, meterStartWh: 100 });
    // A 1.6 vendor message left in the optional lane (a station switched from 1.6 with it undelivered).
    await r.journal.enqueue('DataTransfer', null, { vendorId: 'org.openchargealliance.costmsg', messageId: 'ConnectorUnplugged', timestamp: new Date(now).toISOString() });
    r.station.setStatus(1, 'Charging');
    r.client.outboxChanged();
    await r.csms.waitFor(() => r.csms.callsOf('StatusNotification').some((s) => s['connectorStatus'] === 'Occupied'), 3000, 'Occupied behind the leftover');
    await waitFor(() => dead.length === 1, 3000, 'the leftover dead-lettered');
    assert.deepEqual(dead, ['DataTransfer']);
    assert.deepEqual(r.csms.callsOf('DataTransfer'), [], 'refused by the station, never sent');
    assert.deepEqual(r.csms.callsOf('StartTransaction'), [], 'nothing 1.6-shaped on a 2.0.1 link');

    const meterValues = { evseId: 1, meterValue: [{ timestamp: new Date(now).toISOString(), sampledValue: [{ value: 100, measurand: 'Energy.Active.Import.Register' }] }] };
    await r.journal.enqueue('MeterValues', null, meterValues);
    r.client.outboxChanged();
    await r.csms.waitFor(() => r.csms.callsOf('MeterValues').length === 1, 3000, 'MeterValues');
    assert.deepEqual(r.csms.callsOf('MeterValues')[0], meterValues);
    // The journal's StartTransaction row went out as TransactionEvent Started (src/ocpp/v201/transactions).
    await waitFor(async () => (await r.journal.depth()) === 0, 2000, 'everything delivered');
    assert.deepEqual(r.csms.callsOf('TransactionEvent').map((e) => [e['eventType'], e['seqNo']]), [['Started', 0]]);
    assert.equal(r.csms.protocolOf(STATION.id), 'ocpp2.0.1');
  });

  it('the bench CSMS answers every default 2.0.1 action within the schema', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    const ts = new Date().toISOString();
    const calls: [string, Record<string, unknown>][] = [
      ['Heartbeat', {}],
      ['Authorize', { idToken: { idToken: 'T', type: 'ISO14443' } }],
      ['TransactionEvent', { eventType: 'Started', timestamp: ts, triggerReason: 'Authorized', seqNo: 0, transactionInfo: { transactionId: 'tx-1' }, idToken: { idToken: 'T', type: 'ISO14443' } }],
      ['TransactionEvent', { eventType: 'Updated', timestamp: ts, triggerReason: 'MeterValuePeriodic', seqNo: 1, transactionInfo: { transactionId: 'tx-1' } }],
      ['MeterValues', { evseId: 1, meterValue: [{ timestamp: ts, sampledValue: [{ value: 1 }] }] }],
      ['NotifyEvent', { generatedAt: ts, seqNo: 0, eventData: [{ eventId: 1, timestamp: ts, trigger: 'Alerting', actualValue: 'x', eventNotificationType: 'HardWiredNotification', component: { name: 'EVSE' }, variable: { name: 'Problem' } }] }],
      ['SecurityEventNotification', { type: 'StartupOfTheDevice', timestamp: ts }],
      ['FirmwareStatusNotification', { status: 'Idle' }],
      ['LogStatusNotification', { status: 'Idle' }],
      ['DataTransfer', { vendorId: 'x' }],
    ];
    r.csms.answers.rejectedIdTags.add('BLOCKED');
    for (const [action, payload] of calls) await r.client.call(action, payload);
    const blocked = await r.client.call<{ idTokenInfo: { status: string } }>('Authorize', { idToken: { idToken: 'BLOCKED', type: 'ISO14443' } });
    assert.equal(blocked.idTokenInfo.status, 'Blocked');
    const started = r.csms.messages.find((m) => m.type === 'CALLRESULT' && m.method === 'TransactionEvent')?.payload;
    assert.deepEqual(started, { idTokenInfo: { status: 'Accepted' } });
    await waitFor(() => r.csms.messages.every((m) => m.type !== 'CALLERROR'), 1000, 'no CALLERROR');
  });
});
