import assert from 'node:assert/strict';
import { PROFILES_201_NAMESPACE } from '../../../src/ocpp/v201/smart-charging/smart-charging.js';
import { sleep, waitFor } from './rig.js';
import { BenchRig } from './support/bench-rig.js';

/**
 * F01 RequestStartTransaction with a chargingProfile: the TxProfile of the new transaction, through the 2.0.1 smart
 * charging (real journal, bench CSMS in strict 2.0.1 on loopback). The station port records the external limits.
 */
const txProfile = (limit: number, extra: Record<string, unknown> = {}) => ({
  id: 31,
  stackLevel: 0,
  chargingProfilePurpose: 'TxProfile',
  chargingProfileKind: 'Relative',
  chargingSchedule: [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit }] }],
  ...extra,
});

describe('OCPP 2.0.1 RequestStartTransaction with a chargingProfile (F01 TxProfile)', function () {
  let rig: BenchRig;
  afterEach(async function () {
    await rig.close();
  });

  it('limits the new transaction at once, is installed with its transactionId, and ends with it', async function () {
    rig = await BenchRig.create({ config: { initialKeys: { 'AuthCtrlr/AuthorizeRemoteStart': 'false' } } });
    await rig.waitRegistered();
    rig.station.plugIn();
    const answer = await rig.call('RequestStartTransaction', { remoteStartId: 3, idToken: { idToken: 'APP-9', type: 'Central' }, chargingProfile: txProfile(10) });
    assert.deepEqual(answer, { status: 'Accepted' });
    await waitFor(() => rig.station.limits.at(-1) === 10, 3000, 'the 10 A limit');
    const [started] = await rig.waitEvents(1);
    const transactionId = started?.transactionInfo.transactionId;
    await waitFor(async () => (await rig.journal.get(PROFILES_201_NAMESPACE, '31')) !== undefined, 3000, 'the profile journaled');
    const stored = (await rig.journal.get(PROFILES_201_NAMESPACE, '31')) as { evseId: number; profile: { transactionId?: string; chargingProfilePurpose: string } };
    assert.deepEqual([stored.evseId, stored.profile.chargingProfilePurpose, stored.profile.transactionId], [1, 'TxProfile', transactionId]);
    // K08 agrees with what the pilot was given.
    const composite = (await rig.call('GetCompositeSchedule', { evseId: 1, duration: 60, chargingRateUnit: 'A' })) as { schedule: { chargingSchedulePeriod: { limit: number }[] } };
    assert.equal(composite.schedule.chargingSchedulePeriod[0]?.limit, 10);
    rig.station.tapStop('APP-9');
    await waitFor(() => rig.station.limits.at(-1) === null, 3000, 'the limit lifted with the transaction');
    await waitFor(async () => (await rig.journal.get(PROFILES_201_NAMESPACE, '31')) === undefined, 3000, 'the profile gone');
  });

  it('a profile that is not a TxProfile, has a transactionId or breaks K01 answers Rejected with a reasonCode and starts nothing', async function () {
    rig = await BenchRig.create({ config: { initialKeys: { 'AuthCtrlr/AuthorizeRemoteStart': 'false' } } });
    await rig.waitRegistered();
    rig.station.plugIn();
    const ask = (chargingProfile: Record<string, unknown>) =>
      rig.call('RequestStartTransaction', { remoteStartId: 4, idToken: { idToken: 'APP-9', type: 'Central' }, chargingProfile });
    const reasonOf = (a: Record<string, unknown>) => [a['status'], (a['statusInfo'] as { reasonCode?: string } | undefined)?.reasonCode];
    assert.deepEqual(reasonOf(await ask(txProfile(10, { chargingProfilePurpose: 'TxDefaultProfile' }))), ['Rejected', 'InvalidProfile']);
    assert.deepEqual(reasonOf(await ask(txProfile(10, { transactionId: 'made-up' }))), ['Rejected', 'InvalidProfile']);
    assert.deepEqual(reasonOf(await ask(txProfile(10, { stackLevel: 9 }))), ['Rejected', 'InvalidStackLevel']);
    assert.deepEqual(
      reasonOf(await ask({ ...txProfile(10), chargingSchedule: [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 5, limit: 6 }] }] })),
      ['Rejected', 'InvalidSchedule'],
    );
    await sleep(100);
    assert.equal(rig.station.requests.filter((r) => r.what === 'authorizeStart').length, 0, 'nothing started');
    assert.equal(rig.station.activeSession(), null);
    assert.equal(rig.events().length, 0);
  });

  it('with AuthorizeRemoteStart, the profile applies once the token is authorized (Authorize first)', async function () {
    rig = await BenchRig.create();
    await rig.waitRegistered();
    rig.station.plugIn();
    assert.deepEqual(await rig.call('RequestStartTransaction', { remoteStartId: 5, idToken: { idToken: 'APP-OK', type: 'Central' }, chargingProfile: txProfile(6) }), { status: 'Accepted' });
    await waitFor(() => rig.station.limits.at(-1) === 6, 3000, 'the 6 A limit');
    assert.equal(rig.csms.callsOf('Authorize').length, 1, 'authorized first');
    const [started] = await rig.waitEvents(1);
    assert.equal(started?.transactionInfo.remoteStartId, 5);
  });
});
