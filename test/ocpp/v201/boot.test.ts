import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/load.js';
import { EvseError } from '../../../src/errors.js';
import { connectorStatus201 } from '../../../src/ocpp/v201/status-mapping.js';
import { STATION } from '../support/harness.js';
import { Rig201, sleep, waitFor } from './rig.js';

describe('OCPP 2.0.1 boot (B01–B04), heartbeat, clock and StatusNotification on loopback', function () {
  this.timeout(20_000);
  let rig: Rig201 | null = null;
  afterEach(async () => {
    await rig?.close();
    rig = null;
  });

  it('ocpp.version is 1.6 by default, 2.0.1 when asked, anything else refused naming the field', () => {
    assert.equal(parseConfig({}).ocpp.version, '1.6');
    assert.equal(parseConfig({ ocpp: { version: '2.0.1' } }).ocpp.version, '2.0.1');
    assert.throws(() => parseConfig({ ocpp: { version: '2.0' } }), (e: unknown) => e instanceof EvseError && /ocpp\.version/.test(e.message) && /"2\.0"/.test(e.message));
  });

  it('Accepted: a schema-valid BootNotification with reason PowerUp, then StatusNotification of EVSE 1 / connector 1', async () => {
    rig = await Rig201.create({ csms: { heartbeatIntervalS: 77 } });
    const r = rig;
    await r.waitRegistered();
    assert.equal(r.csms.protocolOf(STATION.id), 'ocpp2.0.1');
    const [boot] = r.csms.callsOf('BootNotification');
    assert.deepEqual(boot, {
      reason: 'PowerUp',
      chargingStation: { vendorName: STATION.vendor, model: STATION.model, serialNumber: STATION.serialNumber, firmwareVersion: STATION.firmwareVersion },
    });
    await r.csms.waitFor(() => r.csms.callsOf('StatusNotification').length === 1, 3000, 'StatusNotification');
    const status = r.csms.callsOf('StatusNotification')[0] ?? {};
    assert.deepEqual({ ...status, timestamp: typeof status['timestamp'] }, { connectorStatus: 'Available', evseId: 1, connectorId: 1, timestamp: 'string' });
    // The boot's interval is the heartbeat interval now, as a CSMS reads it back.
    assert.equal(r.client.deviceModel.int('OCPPCommCtrlr', 'HeartbeatInterval'), 77);
    const got = (await r.call('GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] })) as {
      getVariableResult: { attributeValue: string }[];
    };
    assert.equal(got.getVariableResult[0]?.attributeValue, '77');
    // Nothing failed strict validation on either side.
    assert.ok(r.csms.messages.every((m) => m.type !== 'CALLERROR' && m.type !== 'BAD'));
  });

  it('Pending: only the boot leaves (CSMS calls are answered), retried after the interval, then everything flows', async () => {
    rig = await Rig201.create({ csms: { heartbeatIntervalS: 1, bootStatus: 'Pending' } });
    const r = rig;
    await waitFor(() => r.client.registration.status() === 'Pending', 3000, 'Pending');
    const from = r.csms.messages.length;
    const got = (await r.call('GetVariables', { getVariableData: [{ component: { name: 'TxCtrlr' }, variable: { name: 'TxStartPoint' } }] })) as {
      getVariableResult: { attributeStatus: string }[];
    };
    assert.equal(got.getVariableResult[0]?.attributeStatus, 'Accepted', 'the CSMS may configure a Pending station');
    r.station.setStatus(1, 'Preparing');
    await r.client.securityEvents.record('SettingSystemTime', 'while pending');
    await sleep(300);
    assert.deepEqual(r.callsSince(from).map((m) => m.method), [], 'nothing but the boot while Pending');
    await waitFor(() => r.callsSince(from).some((m) => m.method === 'BootNotification'), 3000, 'the boot retried after the 1 s interval');
    r.csms.answers.bootStatus = 'Accepted';
    await r.waitRegistered(3000);
    await r.csms.waitFor(() => r.callsSince(from).some((m) => m.method === 'SecurityEventNotification' && (m.payload as { type: string }).type === 'SettingSystemTime'), 3000, 'the queued security event');
    await r.csms.waitFor(() => r.callsSince(from).some((m) => m.method === 'StatusNotification' && (m.payload as { connectorStatus: string }).connectorStatus === 'Occupied'), 3000, 'status');
  });

  it('Rejected: nothing else leaves, not even the heartbeat; retried after the interval until Accepted', async () => {
    rig = await Rig201.create({ csms: { heartbeatIntervalS: 1, bootStatus: 'Rejected' }, config: { initialKeys: { 'OCPPCommCtrlr/HeartbeatInterval': '1' } } });
    const r = rig;
    await waitFor(() => r.client.registration.status() === 'Rejected', 3000, 'Rejected');
    const from = r.csms.messages.length;
    r.station.setStatus(0, 'Unavailable');
    await sleep(1200);
    const sent = r.callsSince(from).map((m) => m.method);
    assert.ok(sent.length >= 1, 'the boot was retried');
    assert.ok(sent.every((m) => m === 'BootNotification'), `only BootNotification, got ${sent.join(',')}`);
    r.csms.answers.bootStatus = 'Accepted';
    await r.waitRegistered(3000);
    // The station as a whole is Unavailable: its connector reports Unavailable.
    await r.csms.waitFor(() => r.callsSince(from).some((m) => m.method === 'StatusNotification' && (m.payload as { connectorStatus: string }).connectorStatus === 'Unavailable'), 3000, 'status');
  });

  it('takes the clock from BootNotification and Heartbeat, heartbeats at HeartbeatInterval', async () => {
    rig = await Rig201.create({ csms: { heartbeatIntervalS: 1 } });
    const r = rig;
    await r.waitRegistered();
    assert.ok(Math.abs((r.csmsTimes[0] ?? 0) - Date.now()) < 5000, 'boot time from the CSMS');
    r.csms.controls.respondWith('Heartbeat', () => ({ currentTime: '2031-05-06T07:08:09.000Z' }));
    await r.csms.waitFor((m) => m.some((f) => f.method === 'Heartbeat' && f.type === 'CALL'), 2500, 'a heartbeat at 1 s');
    const bootAnsweredAt = r.csms.messages.find((f) => f.method === 'BootNotification' && f.type === 'CALLRESULT')?.atMs ?? 0;
    const heartbeatAt = r.csms.messages.find((f) => f.method === 'Heartbeat' && f.type === 'CALL')?.atMs ?? 0;
    assert.ok(heartbeatAt - bootAnsweredAt >= 900, `the first heartbeat ${heartbeatAt - bootAnsweredAt} ms after the boot, not before the interval`);
    await waitFor(() => r.csmsTimes.at(-1) === Date.parse('2031-05-06T07:08:09.000Z'), 2000, 'the heartbeat time taken');
  });

  it('reports the mapped status on every change of it, not on changes inside Occupied', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    await r.csms.waitFor(() => r.csms.callsOf('StatusNotification').length === 1, 3000, 'first status');
    for (const s of ['Preparing', 'Charging', 'SuspendedEV', 'Charging', 'Finishing', 'Available', 'Faulted', 'Available'] as const) {
      r.station.setStatus(1, s);
      await sleep(20);
    }
    const expected = ['Available', 'Occupied', 'Available', 'Faulted', 'Available'];
    await r.csms.waitFor(() => r.csms.callsOf('StatusNotification').length >= expected.length, 3000, 'statuses');
    await sleep(100);
    assert.deepEqual(r.csms.callsOf('StatusNotification').map((s) => s['connectorStatus']), expected);
    assert.equal(connectorStatus201('Reserved'), 'Reserved');
    assert.equal(connectorStatus201('SuspendedEVSE'), 'Occupied');
  });

  it('B04: back after more than OfflineThreshold the status is reported again; after a shorter outage only changes are', async () => {
    rig = await Rig201.create({ config: { initialKeys: { 'OCPPCommCtrlr/OfflineThreshold': '1' } } });
    const r = rig;
    await r.waitRegistered();
    await r.csms.waitFor(() => r.csms.callsOf('StatusNotification').length === 1, 3000, 'first status');
    await r.csms.controls.goDown();
    await waitFor(() => !r.client.connection.isOpen(), 2000, 'offline');
    await sleep(1200);
    await r.csms.controls.comeBack();
    await r.csms.waitFor(() => r.csms.callsOf('StatusNotification').length === 2, 3000, 'the status again');
    assert.deepEqual(r.csms.callsOf('StatusNotification').map((s) => s['connectorStatus']), ['Available', 'Available']);

    r.csms.controls.dropConnections();
    await waitFor(() => !r.client.connection.isOpen(), 2000, 'offline briefly');
    await r.waitRegistered();
    await sleep(200);
    assert.equal(r.csms.callsOf('StatusNotification').length, 2, 'a short outage with no change: nothing to report');
    assert.equal(r.csms.callsOf('BootNotification').length, 1, 'reconnects are not reboots');
  });

  it('a CSMS call that breaks the schema gets the 2.0.1 CALLERROR code and changes nothing', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    r.csms.controls.sendRaw(STATION.id, JSON.stringify([2, 'bad-1', 'SetVariables', { setVariableData: 'HeartbeatInterval=1' }]));
    r.csms.controls.sendRaw(STATION.id, JSON.stringify([2, 'bad-2', 'SetVariables', {}]));
    await r.csms.waitFor((m) => m.filter((f) => f.type === 'CALLERROR' && !f.outbound).length === 2, 3000, 'two CALLERRORs');
    const codes = r.csms.messages.filter((f) => f.type === 'CALLERROR' && !f.outbound).map((f) => [f.messageId, (f.payload as { code: string }).code]);
    // 1.6 would respell the second as OccurenceConstraintViolation; 2.0.1 keeps the spec's spelling.
    assert.deepEqual(codes, [
      ['bad-1', 'TypeConstraintViolation'],
      ['bad-2', 'OccurrenceConstraintViolation'],
    ]);
    assert.equal(r.client.deviceModel.int('OCPPCommCtrlr', 'HeartbeatInterval'), 300);
    assert.ok(r.client.connection.isOpen(), 'the link stays');
  });
});
