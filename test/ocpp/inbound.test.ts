import assert from 'node:assert/strict';
import { AUTH_CACHE_NAMESPACE } from '../../src/ocpp/authorizer.js';
import { CONFIG_NAMESPACE } from '../../src/ocpp/config-keys.js';
import { Rig, sleep, waitUntil } from './support/harness.js';
import { answeredCalls } from './support/ledger.js';

describe('CSMS-initiated calls on loopback', function () {
  this.timeout(20_000);
  let rig: Rig;
  const call = (method: string, params: Record<string, unknown>): Promise<unknown> => rig.csms.controls.call('CP1', method, params);
  let rawId = 0;
  /** Sends a raw CALL (the bench CSMS's own strict mode would refuse to send a bad one) and returns the CALLERROR code. */
  const rejectsWith = async (method: string, params: unknown, code: RegExp): Promise<void> => {
    const messageId = `raw-${rawId++}`;
    rig.csms.controls.sendRaw('CP1', JSON.stringify([2, messageId, method, params]));
    await rig.csms.waitFor((ms) => ms.some((m) => !m.outbound && m.messageId === messageId), 3000, `answer to ${messageId}`);
    const answer = rig.csms.messages.find((m) => !m.outbound && m.messageId === messageId);
    assert.equal(answer?.type, 'CALLERROR', `${method} ${JSON.stringify(params)} must get a CALLERROR`);
    const got = String((answer?.payload as { code: unknown }).code);
    assert.match(got, code, `${method} ${JSON.stringify(params)}`);
  };

  beforeEach(async () => {
    rig = await Rig.create();
    await rig.waitRegistered();
    await rig.waitDrained();
  });
  afterEach(async () => {
    await rig.close();
  });

  it('GetConfiguration and ChangeConfiguration (persisted; read-only Rejected; unknown NotSupported; invalid Rejected)', async () => {
    const all = (await call('GetConfiguration', {})) as { configurationKey: { key: string }[] };
    assert.ok(all.configurationKey.length >= 30);
    assert.deepEqual(await call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '15' }), { status: 'Accepted' });
    assert.equal(rig.kv.data.get(CONFIG_NAMESPACE)?.get('MeterValueSampleInterval'), '"15"');
    assert.deepEqual(await call('ChangeConfiguration', { key: 'NumberOfConnectors', value: '2' }), { status: 'Rejected' });
    assert.deepEqual(await call('ChangeConfiguration', { key: 'FooBar', value: '2' }), { status: 'NotSupported' });
    assert.deepEqual(await call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: 'often' }), { status: 'Rejected' });
    const one = (await call('GetConfiguration', { key: ['MeterValueSampleInterval', 'Nope'] })) as Record<string, unknown>;
    assert.deepEqual(one, { configurationKey: [{ key: 'MeterValueSampleInterval', readonly: false, value: '15' }], unknownKey: ['Nope'] });
  });

  it('a call that breaks the schema gets the right CALLERROR and changes nothing', async () => {
    const writes = rig.kv.writes;
    await rejectsWith('ChangeConfiguration', { key: 'HeartbeatInterval' }, /^Occurr?enceConstraintViolation$/);
    await rejectsWith('ChangeConfiguration', { key: 5, value: '1' }, /^TypeConstraintViolation$/);
    await rejectsWith('ChangeAvailability', { connectorId: 1, type: 'Sideways' }, /^FormationViolation$/);
    await rejectsWith('Reset', { type: 'Soft', extra: true }, /^PropertyConstraintViolation$/);
    await rejectsWith('NoSuchAction', {}, /^NotImplemented$/);
    assert.equal(rig.kv.writes, writes);
    assert.equal(rig.station.requests.length, 0);
  });

  it('a flood of bad frames neither crashes nor stalls the uplink', async () => {
    for (let i = 0; i < 300; i += 1) {
      rig.csms.controls.sendRaw('CP1', i % 3 === 0 ? 'not json' : i % 3 === 1 ? '[2,"x"]' : JSON.stringify([2, `bad${i}`, 'Reset', { type: 42 }]));
    }
    assert.deepEqual(await call('GetLocalListVersion', {}), { listVersion: 0 });
    const session = rig.station.startSession('TAG-FLOOD');
    assert.equal(session, 1);
    await rig.waitDrained();
    assert.equal(answeredCalls(rig.csms.messages, 'StartTransaction').length, 1);
  });

  it('RemoteStartTransaction goes to the station as a remote authorization; another connector is Rejected', async () => {
    assert.deepEqual(await call('RemoteStartTransaction', { idTag: 'REMOTE-1' }), { status: 'Accepted' });
    assert.deepEqual(rig.station.requests.at(-1), { what: 'authorizeStart', detail: { idTag: 'REMOTE-1', origin: 'remote' } });
    assert.deepEqual(await call('RemoteStartTransaction', { idTag: 'REMOTE-1', connectorId: 2 }), { status: 'Rejected' });
  });

  it('RemoteStopTransaction stops only the running transaction with its CSMS id', async () => {
    rig.station.startSession('TAG-RS');
    await rig.waitDrained();
    const tx = answeredCalls(rig.csms.messages, 'StartTransaction')[0]?.result['transactionId'] as number;
    assert.deepEqual(await call('RemoteStopTransaction', { transactionId: tx + 1 }), { status: 'Rejected' });
    assert.deepEqual(await call('RemoteStopTransaction', { transactionId: tx }), { status: 'Accepted' });
    await rig.waitDrained();
    const stop = rig.csms.callsOf('StopTransaction')[0];
    assert.equal(stop?.['reason'], 'Remote');
    assert.equal(stop?.['transactionId'], tx);
  });

  it('ChangeAvailability passes the station answer (Scheduled while charging); connector 2 is Rejected', async () => {
    rig.station.availabilityAnswer = 'Scheduled';
    assert.deepEqual(await call('ChangeAvailability', { connectorId: 0, type: 'Inoperative' }), { status: 'Scheduled' });
    assert.deepEqual(rig.station.requests.at(-1), { what: 'changeAvailability', detail: false });
    assert.deepEqual(await call('ChangeAvailability', { connectorId: 2, type: 'Operative' }), { status: 'Rejected' });
  });

  it('Reset is answered first, then the station resets (stopping the session with SoftReset)', async () => {
    rig.station.startSession('TAG-RESET');
    assert.deepEqual(await call('Reset', { type: 'Soft' }), { status: 'Accepted' });
    await waitUntil(() => rig.station.requests.some((r) => r.what === 'reset'), 2000, 'reset');
    await rig.waitDrained();
    assert.equal(rig.csms.callsOf('StopTransaction')[0]?.['reason'], 'SoftReset');
  });

  it('ChangeConfiguration of ConnectionTimeOut and UnlockConnectorOnEVSideDisconnect reaches the station (stored value at startup)', async () => {
    assert.deepEqual(rig.station.connectionTimeoutsS, [60], 'the stored default at startup');
    assert.deepEqual(rig.station.unlockOnEvSideDisconnect, [true]);
    assert.deepEqual(await call('ChangeConfiguration', { key: 'ConnectionTimeOut', value: '90' }), { status: 'Accepted' });
    assert.deepEqual(await call('ChangeConfiguration', { key: 'ConnectionTimeOut', value: 'soon' }), { status: 'Rejected' });
    assert.deepEqual(await call('ChangeConfiguration', { key: 'UnlockConnectorOnEVSideDisconnect', value: 'false' }), { status: 'Accepted' });
    assert.deepEqual(rig.station.connectionTimeoutsS, [60, 90], 'a rejected value never reaches the station');
    assert.deepEqual(rig.station.unlockOnEvSideDisconnect, [true, false]);
    await rig.reboot();
    assert.deepEqual(rig.station.connectionTimeoutsS, [60, 90, 90], 'the stored value after a restart');
    assert.deepEqual(rig.station.unlockOnEvSideDisconnect, [true, false, false]);
  });

  it('ChangeConfiguration of StopTransactionOnEVSideDisconnect reaches the station (stored value at startup and after a restart)', async () => {
    assert.deepEqual(rig.station.stopOnEvSideDisconnect, [true], 'the stored default at startup');
    assert.deepEqual(await call('ChangeConfiguration', { key: 'StopTransactionOnEVSideDisconnect', value: 'maybe' }), { status: 'Rejected' });
    assert.deepEqual(await call('ChangeConfiguration', { key: 'StopTransactionOnEVSideDisconnect', value: 'false' }), { status: 'Accepted' });
    assert.deepEqual(rig.station.stopOnEvSideDisconnect, [true, false], 'a rejected value never reaches the station');
    await rig.reboot();
    assert.deepEqual(rig.station.stopOnEvSideDisconnect, [true, false, false]);
  });

  it('UnlockConnector: a running session stops with UnlockCommand; Unlocked only when the lock confirmed', async () => {
    rig.station.startSession('TAG-UNLOCK');
    await rig.waitDrained();
    rig.station.unlockDelayMs = 300;
    const started = Date.now();
    assert.deepEqual(await call('UnlockConnector', { connectorId: 1 }), { status: 'Unlocked' });
    assert.ok(Date.now() - started >= 290, 'answered only after the lock confirmed');
    await rig.waitDrained();
    assert.equal(rig.csms.callsOf('StopTransaction')[0]?.['reason'], 'UnlockCommand');
  });

  it('UnlockConnector: UnlockFailed when the lock does not confirm, NotSupported on a fixed cable or another connector', async () => {
    rig.station.lockFitted = 'fails';
    assert.deepEqual(await call('UnlockConnector', { connectorId: 1 }), { status: 'UnlockFailed' });
    rig.station.lockFitted = 'none';
    assert.deepEqual(await call('UnlockConnector', { connectorId: 1 }), { status: 'NotSupported' });
    const asked = rig.station.requests.filter((r) => r.what === 'unlockConnector').length;
    assert.deepEqual(await call('UnlockConnector', { connectorId: 3 }), { status: 'NotSupported' });
    assert.equal(rig.station.requests.filter((r) => r.what === 'unlockConnector').length, asked, 'connector 3 never reaches the station');
  });

  it('UnlockConnector, ClearCache, DataTransfer, GetLocalListVersion', async () => {
    assert.deepEqual(await call('UnlockConnector', { connectorId: 1 }), { status: 'Unlocked' });
    assert.deepEqual(await call('UnlockConnector', { connectorId: 3 }), { status: 'NotSupported' });
    await rig.kv.set(AUTH_CACHE_NAMESPACE, 'T', { status: 'Accepted' });
    assert.deepEqual(await call('ClearCache', {}), { status: 'Accepted' });
    assert.equal((await rig.kv.list(AUTH_CACHE_NAMESPACE)).size, 0);
    assert.deepEqual(await call('DataTransfer', { vendorId: 'com.example' }), { status: 'UnknownVendorId' });
    assert.deepEqual(await call('GetLocalListVersion', {}), { listVersion: 0 });
  });

  it('TriggerMessage: StatusNotification, Heartbeat, BootNotification, MeterValues, Diagnostics/Firmware status', async () => {
    const count = (m: string): number => rig.csms.callsOf(m).length;
    const before = { status: count('StatusNotification'), heartbeat: count('Heartbeat'), boot: count('BootNotification') };
    assert.deepEqual(await call('TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 1 }), { status: 'Accepted' });
    assert.deepEqual(await call('TriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'Accepted' });
    assert.deepEqual(await call('TriggerMessage', { requestedMessage: 'BootNotification' }), { status: 'Accepted' });
    assert.deepEqual(await call('TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 }), { status: 'Rejected' }, 'no sample yet');
    rig.station.meter(10);
    assert.deepEqual(await call('TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 }), { status: 'Accepted' });
    assert.deepEqual(await call('TriggerMessage', { requestedMessage: 'DiagnosticsStatusNotification' }), { status: 'Accepted' });
    assert.deepEqual(await call('TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }), { status: 'Accepted' });
    assert.deepEqual(await call('TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 4 }), { status: 'Rejected' });
    await rig.csms.waitFor(() => count('FirmwareStatusNotification') === 1 && count('MeterValues') === 1 && count('DiagnosticsStatusNotification') === 1, 3000, 'triggered messages');
    await sleep(50);
    assert.equal(count('StatusNotification'), before.status + 1);
    assert.equal(count('Heartbeat'), before.heartbeat + 1);
    assert.equal(count('BootNotification'), before.boot + 1);
    const mv = rig.csms.callsOf('MeterValues')[0] as { meterValue: { sampledValue: { context: string; value: string }[] }[] };
    assert.equal(mv.meterValue[0]?.sampledValue[0]?.context, 'Trigger');
    assert.equal(mv.meterValue[0]?.sampledValue[0]?.value, String(rig.station.importWh));
  });
});

describe('SecurityProfile key', function () {
  this.timeout(10_000);
  it('reports the configured profile and refuses a remote switch', async () => {
    const rig = await Rig.create();
    try {
      await rig.waitRegistered();
      const conf = (await rig.csms.controls.call('CP1', 'GetConfiguration', { key: ['SecurityProfile'] })) as { configurationKey: { value: string }[] };
      assert.equal(conf.configurationKey[0]?.value, '0');
      assert.deepEqual(await rig.csms.controls.call('CP1', 'ChangeConfiguration', { key: 'SecurityProfile', value: '2' }), { status: 'Rejected' });
    } finally {
      await rig.close();
    }
  });
});
