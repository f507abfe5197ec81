import assert from 'node:assert/strict';
import { PROFILES_201_NAMESPACE } from '../../../src/ocpp/v201/smart-charging/smart-charging.js';
import { STATION } from '../support/harness.js';
import { waitFor } from './rig.js';
import { assertSchema } from './schemas.js';
import { BenchRig } from './support/bench-rig.js';

/** A 2.0.1 profile as a CSMS sends it: one schedule, periods with numberPhases. */
function profile(id: number, purpose: string, limits: number[], extra: Record<string, unknown> = {}, unit: 'A' | 'W' = 'A'): Record<string, unknown> {
  return {
    id,
    stackLevel: 0,
    chargingProfilePurpose: purpose,
    chargingProfileKind: 'Absolute',
    chargingSchedule: [
      {
        id: id * 10,
        startSchedule: new Date(Date.now() - 1000).toISOString(),
        chargingRateUnit: unit,
        chargingSchedulePeriod: limits.map((limit, i) => ({ startPeriod: i * 3600, limit, numberPhases: 3 })),
      },
    ],
    ...extra,
  };
}

describe('OCPP 2.0.1 smart charging against the bench CSMS (strict 2.0.1, real journal, loopback)', function () {
  let rig: BenchRig;

  afterEach(async function () {
    await rig.close();
  });

  /** A CSMS call whose answer must pass the 2.0.1 schema (the bench validates too, in strict mode). */
  async function call(action: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    assertSchema(action, 'req', params);
    const answer = await rig.call(action, params);
    assertSchema(action, 'conf', answer);
    return answer;
  }

  const lastLimit = (): number | null | undefined => rig.station.limits.at(-1);

  async function startTransaction(): Promise<string> {
    rig.station.meter(0);
    rig.station.plugIn();
    rig.station.authorizeStart('CARD0001', 'local');
    const [started] = await rig.waitEvents(1);
    const id = started?.transactionInfo.transactionId;
    assert.ok(id);
    await waitFor(() => rig.client.transactions.wire.transactionIdOf(rig.station.activeSession()?.sessionId ?? -1) === id, 3000, 'the id on the wire');
    return id;
  }

  it('K01: ChargingStationMaxProfile and TxDefaultProfile (A and W) set the offer, the smaller wins; TxProfile of the running transaction overrides TxDefault and ends with it', async function () {
    rig = await BenchRig.create();
    await rig.waitRegistered();
    assert.deepEqual(await call('SetChargingProfile', { evseId: 0, chargingProfile: profile(1, 'ChargingStationMaxProfile', [20]) }), { status: 'Accepted' });
    await waitFor(() => lastLimit() === 20, 2000, 'limit 20 A');
    // 6900 W on 3 phases at 230 V = 10 A per phase: the W profile is converted as 1.6 does.
    assert.deepEqual(await call('SetChargingProfile', { evseId: 1, chargingProfile: profile(2, 'TxDefaultProfile', [6900], {}, 'W') }), { status: 'Accepted' });
    await waitFor(() => lastLimit() === 10, 2000, 'limit 10 A');
    // A station-wide (evseId 0) TxDefault of 8 A: the EVSE-1 one still prevails over it.
    assert.deepEqual(await call('SetChargingProfile', { evseId: 0, chargingProfile: profile(3, 'TxDefaultProfile', [8]) }), { status: 'Accepted' });
    assert.equal(lastLimit(), 10);

    const transactionId = await startTransaction();
    const tx = profile(4, 'TxProfile', [16], { transactionId });
    assert.deepEqual(await call('SetChargingProfile', { evseId: 1, chargingProfile: tx }), { status: 'Accepted' });
    // TxProfile 16 A replaces TxDefault 10 A, ChargingStationMax 20 A stays above it.
    await waitFor(() => lastLimit() === 16, 2000, 'limit 16 A from the TxProfile');

    rig.station.tapStop('CARD0001');
    await rig.station.committed();
    await waitFor(() => lastLimit() === 10, 3000, 'back to TxDefault once the transaction ended');
    assert.deepEqual(
      rig.client.smartCharging.installed().map((i) => i.profile.id).sort(),
      [1, 2, 3],
      'the TxProfile ended with its transaction',
    );
  });

  it('K01: what 2.0.1 forbids is Rejected with a reasonCode, and installs nothing', async function () {
    rig = await BenchRig.create();
    await rig.waitRegistered();
    const rejected = async (evseId: number, p: Record<string, unknown>): Promise<string> => {
      const answer = await call('SetChargingProfile', { evseId, chargingProfile: p });
      assert.equal(answer['status'], 'Rejected', JSON.stringify(answer));
      return (answer['statusInfo'] as { reasonCode: string }).reasonCode;
    };
    assert.equal(await rejected(1, profile(1, 'ChargingStationMaxProfile', [20])), 'InvalidEvseId');
    assert.equal(await rejected(1, profile(2, 'TxProfile', [16], { transactionId: 'no-such-tx' })), 'TxNotFound');
    assert.equal(await rejected(0, profile(3, 'TxProfile', [16], { transactionId: 'x' })), 'InvalidEvseId');
    assert.equal(await rejected(2, profile(4, 'TxDefaultProfile', [16])), 'UnknownEvse');
    assert.equal(await rejected(1, profile(5, 'TxDefaultProfile', [16], { transactionId: 'x' })), 'InvalidProfile');
    assert.equal(await rejected(1, profile(6, 'TxDefaultProfile', [16], { stackLevel: 99 })), 'InvalidStackLevel');
    const late = profile(7, 'TxDefaultProfile', [16]);
    ((late['chargingSchedule'] as Record<string, unknown>[])[0] as Record<string, unknown>)['chargingSchedulePeriod'] = [{ startPeriod: 60, limit: 16 }];
    assert.equal(await rejected(1, late), 'InvalidSchedule');
    assert.equal(await rejected(0, profile(8, 'ChargingStationExternalConstraints', [16])), 'InvalidProfile');
    assert.equal(await rejected(0, profile(14, 'ChargingStationMaxProfile', [16], { chargingProfileKind: 'Relative' })), 'InvalidProfile');
    assert.deepEqual(rig.client.smartCharging.installed(), []);
    // A transaction runs: a TxProfile naming another transaction, or none, is still refused.
    const transactionId = await startTransaction();
    assert.equal(await rejected(1, profile(9, 'TxProfile', [16], { transactionId: `${transactionId.slice(0, -1)}${transactionId.endsWith('0') ? '1' : '0'}` })), 'TxNotFound');
    assert.equal(await rejected(1, profile(10, 'TxProfile', [16])), 'TxNotFound');
    // Same stackLevel and purpose on the same EVSE under another id: refused, the first one stays.
    assert.deepEqual(await call('SetChargingProfile', { evseId: 1, chargingProfile: profile(11, 'TxDefaultProfile', [12]) }), { status: 'Accepted' });
    assert.equal(await rejected(1, profile(12, 'TxDefaultProfile', [6])), 'DuplicateProfile');
    assert.deepEqual(rig.client.smartCharging.installed().map((i) => i.profile.id), [11]);
    // A schema breach never reaches the handler: the station's strict client answers the 2.0.1 CALLERROR.
    const bad = { ...profile(13, 'TxDefaultProfile', [6]), chargingSchedule: { id: 1 } };
    rig.csms.controls.sendRaw(STATION.id, JSON.stringify([2, 'bad-sc', 'SetChargingProfile', { evseId: 1, chargingProfile: bad }]));
    await rig.csms.waitFor((m) => m.some((f) => f.type === 'CALLERROR' && !f.outbound && f.messageId === 'bad-sc'), 3000, 'the CALLERROR');
    const error = rig.csms.messages.find((f) => f.type === 'CALLERROR' && f.messageId === 'bad-sc');
    assert.equal((error?.payload as { code: string }).code, 'TypeConstraintViolation');
    assert.deepEqual(rig.client.smartCharging.installed().map((i) => i.profile.id), [11]);
  });

  it('K09/K10/K08: GetChargingProfiles reports per EVSE with the requestId (tbc false on the last), ClearChargingProfile by id and by criteria, GetCompositeSchedule in A and W', async function () {
    rig = await BenchRig.create();
    await rig.waitRegistered();
    const now = Date.now();
    assert.equal((await call('SetChargingProfile', { evseId: 0, chargingProfile: profile(1, 'ChargingStationMaxProfile', [20]) }))['status'], 'Accepted');
    // 12 A for the first hour, 6 A after it; a stack level 1 one above it at 8 A for the same time is tested by the composite.
    assert.equal((await call('SetChargingProfile', { evseId: 1, chargingProfile: profile(2, 'TxDefaultProfile', [12, 6]) }))['status'], 'Accepted');
    assert.equal((await call('SetChargingProfile', { evseId: 1, chargingProfile: profile(3, 'TxDefaultProfile', [32], { stackLevel: 1, validFrom: new Date(now + 1_800_000).toISOString() }) }))['status'], 'Accepted');

    assert.deepEqual(await call('GetChargingProfiles', { requestId: 77, chargingProfile: {} }), { status: 'Accepted' });
    await waitFor(() => rig.csms.callsOf('ReportChargingProfiles').length >= 2, 3000, 'two reports');
    const reports = rig.csms.callsOf('ReportChargingProfiles');
    for (const r of reports) assertSchema('ReportChargingProfiles', 'req', r);
    assert.deepEqual(
      reports.map((r) => [r['requestId'], r['evseId'], r['tbc'], (r['chargingProfile'] as { id: number }[]).map((p) => p.id)]),
      [
        [77, 0, true, [1]],
        [77, 1, false, [2, 3]],
      ],
    );
    assert.deepEqual(await call('GetChargingProfiles', { requestId: 78, evseId: 1, chargingProfile: { chargingProfilePurpose: 'ChargingStationMaxProfile' } }), { status: 'NoProfiles' });
    assert.deepEqual(await call('GetChargingProfiles', { requestId: 79, chargingProfile: { chargingLimitSource: ['EMS'] } }), { status: 'NoProfiles' });

    // Composite over 2 h: 12 A, then 20 A once the stack-level-1 32 A profile starts (ChargingStationMax caps it), 
    // then 20 A still (level 1 outranks the 6 A period): the periods merge where the limit does not change.
    const a = await call('GetCompositeSchedule', { evseId: 1, duration: 7200 });
    assert.equal(a['status'], 'Accepted');
    const schedule = a['schedule'] as { chargingRateUnit: string; duration: number; evseId: number; chargingSchedulePeriod: { startPeriod: number; limit: number }[] };
    assert.equal(schedule.chargingRateUnit, 'A');
    assert.deepEqual([schedule.evseId, schedule.duration], [1, 7200]);
    assert.deepEqual(schedule.chargingSchedulePeriod.map((p) => p.limit), [12, 20]);
    assert.ok(Math.abs((schedule.chargingSchedulePeriod[1]?.startPeriod ?? 0) - 1800) <= 2);
    const w = await call('GetCompositeSchedule', { evseId: 1, duration: 600, chargingRateUnit: 'W' });
    assert.deepEqual((w['schedule'] as { chargingSchedulePeriod: unknown[] }).chargingSchedulePeriod, [{ startPeriod: 0, limit: 12 * 230 * 3 }]);
    assert.equal((await call('GetCompositeSchedule', { evseId: 2, duration: 600 }))['status'], 'Rejected');

    assert.deepEqual(await call('ClearChargingProfile', { chargingProfileId: 99 }), { status: 'Unknown' });
    assert.deepEqual(await call('ClearChargingProfile', { chargingProfileId: 1 }), { status: 'Accepted' });
    await waitFor(() => lastLimit() === 12, 2000, 'ChargingStationMax gone: TxDefault 12 A');
    assert.deepEqual(await call('ClearChargingProfile', { chargingProfileCriteria: { evseId: 1, chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 1 } }), { status: 'Accepted' });
    assert.deepEqual(rig.client.smartCharging.installed().map((i) => i.profile.id), [2]);
    assert.deepEqual(await call('ClearChargingProfile', { chargingProfileCriteria: { chargingProfilePurpose: 'TxDefaultProfile' } }), { status: 'Accepted' });
    await waitFor(() => lastLimit() === null, 2000, 'no profile: no limit');
    assert.deepEqual(await call('GetChargingProfiles', { requestId: 80, chargingProfile: {} }), { status: 'NoProfiles' });
  });

  it('profiles persist in the journal across a restart and limit the offer at once; a TxProfile does not outlive its transaction', async function () {
    rig = await BenchRig.create();
    await rig.waitRegistered();
    assert.equal((await call('SetChargingProfile', { evseId: 0, chargingProfile: profile(1, 'ChargingStationMaxProfile', [14]) }))['status'], 'Accepted');
    assert.equal((await call('SetChargingProfile', { evseId: 0, chargingProfile: profile(2, 'TxDefaultProfile', [3450], {}, 'W') }))['status'], 'Accepted');
    const transactionId = await startTransaction();
    assert.equal((await call('SetChargingProfile', { evseId: 1, chargingProfile: profile(3, 'TxProfile', [9], { transactionId }) }))['status'], 'Accepted');
    await waitFor(() => lastLimit() === 9, 2000, 'TxProfile 9 A');
    assert.equal((await rig.journal.list(PROFILES_201_NAMESPACE)).size, 3);

    await rig.crashAndRestart();
    // Before the link is even up, the stored profiles limit the new process's offer; the transaction did not survive.
    await waitFor(() => rig.station.limits.length > 0, 2000, 'a limit after the restart');
    assert.equal(lastLimit(), 5, '3450 W on 3 phases at 230 V = 5 A');
    assert.deepEqual(rig.client.smartCharging.installed().map((i) => i.profile.id).sort(), [1, 2]);
    assert.deepEqual([...(await rig.journal.list(PROFILES_201_NAMESPACE)).keys()].sort(), ['1', '2']);
    await rig.waitRegistered();
    assert.deepEqual(await call('GetChargingProfiles', { requestId: 5, evseId: 0, chargingProfile: {} }), { status: 'Accepted' });
    await waitFor(() => rig.csms.callsOf('ReportChargingProfiles').length >= 1, 3000, 'the report');
    const [report] = rig.csms.callsOf('ReportChargingProfiles');
    assert.deepEqual((report?.['chargingProfile'] as { id: number }[]).map((p) => p.id).sort(), [1, 2]);
  });
});
