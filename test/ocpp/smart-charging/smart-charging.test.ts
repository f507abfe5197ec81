import assert from 'node:assert/strict';
import { Rig, waitUntil } from '../support/harness.js';
import { PROFILES_NAMESPACE } from '../../../src/ocpp/smart-charging/smart-charging.js';

const past = (): string => new Date(Date.now() - 60_000).toISOString();

function txDefault(id: number, limit: number, stackLevel = 0, unit: 'A' | 'W' = 'A', connectorId = 0): Record<string, unknown> {
  return {
    connectorId,
    csChargingProfiles: {
      chargingProfileId: id,
      stackLevel,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: { startSchedule: past(), chargingRateUnit: unit, chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
    },
  };
}

describe('smart charging on loopback', function () {
  this.timeout(20_000);
  let rig: Rig;
  const call = (method: string, params: Record<string, unknown>): Promise<unknown> => rig.csms.controls.call('CP1', method, params);
  const lastLimit = (): number | null | undefined => rig.station.limits.at(-1);

  beforeEach(async () => {
    rig = await Rig.create({ client: { electrical: { phases: 3, nominalVoltageV: 230, maxCurrentA: 32 } } });
    await rig.waitRegistered();
  });
  afterEach(async () => {
    await rig.close();
  });

  it('TxDefaultProfile and ChargePointMaxProfile set the external limit; clearing lifts it', async () => {
    assert.deepEqual(await call('SetChargingProfile', txDefault(1, 16)), { status: 'Accepted' });
    assert.equal(lastLimit(), 16);
    const max = txDefault(2, 10);
    (max['csChargingProfiles'] as Record<string, unknown>)['chargingProfilePurpose'] = 'ChargePointMaxProfile';
    assert.deepEqual(await call('SetChargingProfile', max), { status: 'Accepted' });
    assert.equal(lastLimit(), 10);
    assert.deepEqual(await call('ClearChargingProfile', { chargingProfilePurpose: 'ChargePointMaxProfile' }), { status: 'Accepted' });
    assert.equal(lastLimit(), 16);
    assert.deepEqual(await call('ClearChargingProfile', { id: 1 }), { status: 'Accepted' });
    assert.equal(lastLimit(), null);
    assert.deepEqual(await call('ClearChargingProfile', { id: 99 }), { status: 'Unknown' });
  });

  it('W limits become A with phases and voltage; the same stack level and purpose replaces', async () => {
    await call('SetChargingProfile', txDefault(1, 16));
    assert.deepEqual(await call('SetChargingProfile', txDefault(5, 6900, 0, 'W')), { status: 'Accepted' });
    assert.equal(lastLimit(), 10);
    assert.equal(rig.client.smartCharging.installed().length, 1, 'profile 1 replaced (same stackLevel and purpose)');
  });

  it('rejects what 1.6 forbids and changes nothing', async () => {
    const before = rig.station.limits.length;
    const maxOnConnector1 = txDefault(3, 10, 0, 'A', 1);
    (maxOnConnector1['csChargingProfiles'] as Record<string, unknown>)['chargingProfilePurpose'] = 'ChargePointMaxProfile';
    assert.deepEqual(await call('SetChargingProfile', maxOnConnector1), { status: 'Rejected' });
    const tx = txDefault(4, 10, 0, 'A', 1);
    (tx['csChargingProfiles'] as Record<string, unknown>)['chargingProfilePurpose'] = 'TxProfile';
    assert.deepEqual(await call('SetChargingProfile', tx), { status: 'Rejected' }, 'TxProfile without a transaction');
    assert.deepEqual(await call('SetChargingProfile', txDefault(6, 10, 99)), { status: 'Rejected' }, 'stack level above ChargeProfileMaxStackLevel');
    assert.deepEqual(await call('SetChargingProfile', txDefault(7, 10, 0, 'A', 2)), { status: 'Rejected' }, 'no connector 2');
    assert.equal(rig.station.limits.length, before);
    assert.equal((await rig.kv.list(PROFILES_NAMESPACE)).size, 0);
  });

  it('a TxProfile applies to its transaction only and is removed when it ends', async () => {
    await call('SetChargingProfile', txDefault(1, 16));
    rig.station.startSession('TAG-SC');
    await rig.waitDrained();
    const tx = txDefault(8, 8, 0, 'A', 1);
    (tx['csChargingProfiles'] as Record<string, unknown>)['chargingProfilePurpose'] = 'TxProfile';
    assert.deepEqual(await call('SetChargingProfile', tx), { status: 'Accepted' });
    assert.equal(lastLimit(), 8);
    rig.station.stopSession('Local');
    await waitUntil(() => lastLimit() === 16, 3000, 'back to the default after the transaction');
    assert.deepEqual(rig.client.smartCharging.installed().map((p) => p.profile.chargingProfileId), [1]);
  });

  it('RemoteStartTransaction with a TxProfile binds it to the session that starts', async () => {
    const profile = (txDefault(9, 12, 0, 'A', 1)['csChargingProfiles'] as Record<string, unknown>);
    profile['chargingProfilePurpose'] = 'TxProfile';
    profile['chargingProfileKind'] = 'Relative';
    profile['chargingSchedule'] = { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 12 }] };
    assert.deepEqual(await call('RemoteStartTransaction', { idTag: 'R-1', chargingProfile: profile }), { status: 'Accepted' });
    rig.station.startSession('R-1');
    await waitUntil(() => lastLimit() === 12, 3000, 'the remote-start profile in force');
  });

  it('GetCompositeSchedule in A and W; profiles survive a reboot', async () => {
    await call('SetChargingProfile', txDefault(1, 16));
    const a = (await call('GetCompositeSchedule', { connectorId: 1, duration: 3600 })) as Record<string, unknown>;
    assert.equal(a['status'], 'Accepted');
    assert.deepEqual((a['chargingSchedule'] as Record<string, unknown>)['chargingSchedulePeriod'], [{ startPeriod: 0, limit: 16 }]);
    const w = (await call('GetCompositeSchedule', { connectorId: 0, duration: 60, chargingRateUnit: 'W' })) as Record<string, unknown>;
    assert.deepEqual((w['chargingSchedule'] as Record<string, unknown>)['chargingSchedulePeriod'], [{ startPeriod: 0, limit: 11_040 }]);
    assert.deepEqual(await call('GetCompositeSchedule', { connectorId: 3, duration: 60 }), { status: 'Rejected' });
    await rig.reboot();
    await rig.waitRegistered();
    assert.equal(rig.client.smartCharging.installed().length, 1);
    await waitUntil(() => lastLimit() === 16, 3000, 'limit re-applied after the reboot');
  });
});
