import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EvseError } from '../../../src/errors.js';
import { frameBytes, notifyReportPayload, splitReport } from '../../../src/ocpp/v201/device-model/report-parts.js';
import { STATION } from '../support/harness.js';
import { Rig201, sleep, waitFor } from './rig.js';

type SetResult = { attributeStatus: string; attributeStatusInfo?: { reasonCode: string }; component: { name: string }; variable: { name: string; instance?: string } };
type GetResult = { attributeStatus: string; attributeValue?: string; attributeStatusInfo?: { reasonCode: string } };
type ReportPart = { requestId: number; seqNo: number; tbc: boolean; generatedAt: string; reportData: { component: { name: string; evse?: unknown }; variable: { name: string; instance?: string }; variableAttribute: { type: string; value?: string; mutability: string }[] }[] };

const set = (component: Record<string, unknown>, variable: Record<string, unknown>, attributeValue: string, attributeType?: string) => ({
  component,
  variable,
  attributeValue,
  ...(attributeType ? { attributeType } : {}),
});

describe('OCPP 2.0.1 device model (B05–B07) on loopback with the real journal', function () {
  this.timeout(20_000);
  let rig: Rig201 | null = null;
  afterEach(async () => {
    await rig?.close();
    rig = null;
  });

  async function setVariables(r: Rig201, items: ReturnType<typeof set>[]): Promise<SetResult[]> {
    return ((await r.call('SetVariables', { setVariableData: items })) as { setVariableResult: SetResult[] }).setVariableResult;
  }
  async function getVariables(r: Rig201, items: Record<string, unknown>[]): Promise<GetResult[]> {
    return ((await r.call('GetVariables', { getVariableData: items })) as { getVariableResult: GetResult[] }).getVariableResult;
  }

  it('SetVariables answers every status, item by item, and stores only what it accepted', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    const results = await setVariables(r, [
      set({ name: 'OCPPCommCtrlr' }, { name: 'HeartbeatInterval' }, '120'),
      set({ name: 'TxCtrlr' }, { name: 'TxStartPoint' }, 'EVConnected,Authorized'),
      set({ name: 'OCPPCommCtrlr' }, { name: 'MessageTimeout', instance: 'Default' }, '45'),
      set({ name: 'SecurityCtrlr' }, { name: 'SecurityProfile' }, '2'),
      set({ name: 'OCPPCommCtrlr' }, { name: 'HeartbeatInterval' }, 'ten'),
      set({ name: 'OCPPCommCtrlr' }, { name: 'MessageAttempts', instance: 'TransactionEvent' }, '0'),
      set({ name: 'TxCtrlr' }, { name: 'TxStopPoint' }, 'EVConnected,Teleported'),
      set({ name: 'AuthCtrlr' }, { name: 'LocalPreAuthorize' }, 'yes'),
      set({ name: 'AuthCtrlr' }, { name: 'MasterPassGroupId' }, 'G'.repeat(37)),
      set({ name: 'FluxCapacitorCtrlr' }, { name: 'Enabled' }, 'true'),
      set({ name: 'EVSE', evse: { id: 2 } }, { name: 'AvailabilityState' }, 'Available'),
      set({ name: 'TxCtrlr' }, { name: 'NoSuchVariable' }, '1'),
      set({ name: 'OCPPCommCtrlr' }, { name: 'MessageAttempts' }, '5'),
      set({ name: 'OCPPCommCtrlr' }, { name: 'HeartbeatInterval' }, '60', 'Target'),
      set({ name: 'EVSE', evse: { id: 1 } }, { name: 'Power' }, '1000', 'MaxSet'),
    ]);
    assert.deepEqual(
      results.map((x) => [x.variable.name, x.attributeStatus, x.attributeStatusInfo?.reasonCode ?? null]),
      [
        ['HeartbeatInterval', 'Accepted', null],
        ['TxStartPoint', 'Accepted', null],
        ['MessageTimeout', 'RebootRequired', null],
        ['SecurityProfile', 'Rejected', 'ReadOnly'],
        ['HeartbeatInterval', 'Rejected', 'InvalidValue'],
        ['MessageAttempts', 'Rejected', 'ValueOutOfRange'],
        ['TxStopPoint', 'Rejected', 'InvalidValue'],
        ['LocalPreAuthorize', 'Rejected', 'InvalidValue'],
        ['MasterPassGroupId', 'Rejected', 'ValueTooLarge'],
        ['Enabled', 'UnknownComponent', null],
        ['AvailabilityState', 'UnknownComponent', null],
        ['NoSuchVariable', 'UnknownVariable', null],
        // MessageAttempts exists only with instance TransactionEvent.
        ['MessageAttempts', 'UnknownVariable', null],
        ['HeartbeatInterval', 'NotSupportedAttributeType', null],
        ['Power', 'Rejected', 'ReadOnly'],
      ],
    );
    // Echoes what was asked (component with its evse, variable with its instance).
    assert.deepEqual(results[2]?.variable, { name: 'MessageTimeout', instance: 'Default' });
    const dm = r.client.deviceModel;
    assert.equal(dm.int('OCPPCommCtrlr', 'HeartbeatInterval'), 120, 'the rejected later items left the accepted value');
    assert.deepEqual(dm.list('TxCtrlr', 'TxStartPoint'), ['EVConnected', 'Authorized']);
    assert.equal(dm.int('OCPPCommCtrlr', 'MessageAttempts[TransactionEvent]'), 3);
    assert.equal(dm.bool('AuthCtrlr', 'LocalPreAuthorize'), false);
  });

  it('GetVariables: values, attributes, unknowns, and the write-only password refused', async () => {
    rig = await Rig201.create({ config: { securityProfile: 1, authorizationKey: 'initial-password-16' }, csms: { passwords: { [STATION.id]: 'initial-password-16' } } });
    const r = rig;
    await r.waitRegistered();
    r.station.meter(10, 7200);
    const results = await getVariables(r, [
      { component: { name: 'TxCtrlr' }, variable: { name: 'TxStopPoint' } },
      { component: { name: 'SecurityCtrlr' }, variable: { name: 'SecurityProfile' } },
      { component: { name: 'SecurityCtrlr' }, variable: { name: 'Identity' } },
      { component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' } },
      { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' } },
      { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' }, attributeType: 'MaxSet' },
      { component: { name: 'Connector', evse: { id: 1, connectorId: 1 } }, variable: { name: 'AvailabilityState' } },
      { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' }, attributeType: 'MinSet' },
      { component: { name: 'Connector', evse: { id: 1, connectorId: 2 } }, variable: { name: 'AvailabilityState' } },
      { component: { name: 'ClockCtrlr' }, variable: { name: 'NoSuch' } },
    ]);
    assert.deepEqual(
      results.map((x) => [x.attributeStatus, x.attributeValue ?? null]),
      [
        ['Accepted', 'EVConnected,Authorized'],
        ['Accepted', '1'],
        ['Accepted', STATION.id],
        ['Rejected', null],
        ['Accepted', '7200'],
        ['Accepted', String(3 * 230 * 32)],
        ['Accepted', 'Available'],
        ['NotSupportedAttributeType', null],
        ['UnknownComponent', null],
        ['UnknownVariable', null],
      ],
    );
  });

  it('written values survive a restart of the process (journal closed and reopened); the RebootRequired value is in force then', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    const results = await setVariables(r, [
      set({ name: 'TxCtrlr' }, { name: 'EVConnectionTimeOut' }, '45'),
      set({ name: 'AuthCtrlr' }, { name: 'MasterPassGroupId' }, 'MASTER-1'),
      set({ name: 'SampledDataCtrlr' }, { name: 'TxUpdatedMeasurands' }, 'Energy.Active.Import.Register,Power.Active.Import'),
      set({ name: 'OCPPCommCtrlr' }, { name: 'MessageTimeout', instance: 'Default' }, '7'),
    ]);
    assert.deepEqual(results.map((x) => x.attributeStatus), ['Accepted', 'Accepted', 'Accepted', 'RebootRequired']);
    assert.deepEqual(r.station.connectionTimeoutsS.at(-1), 45, 'EVConnectionTimeOut applied to the station at once');
    await r.restart();
    await r.waitRegistered();
    const dm = r.client.deviceModel;
    assert.equal(dm.int('TxCtrlr', 'EVConnectionTimeOut'), 45);
    assert.equal(dm.get('AuthCtrlr', 'MasterPassGroupId'), 'MASTER-1');
    assert.deepEqual(dm.list('SampledDataCtrlr', 'TxUpdatedMeasurands'), ['Energy.Active.Import.Register', 'Power.Active.Import']);
    assert.equal(dm.int('OCPPCommCtrlr', 'MessageTimeout[Default]'), 7, 'stored over the config default (2 s)');
    assert.equal(r.station.connectionTimeoutsS.at(-1), 45, 'given to the station at start');
    const got = await getVariables(r, [{ component: { name: 'AuthCtrlr' }, variable: { name: 'MasterPassGroupId' } }]);
    assert.equal(got[0]?.attributeValue, 'MASTER-1');
  });

  it('more items than ItemsPerMessage gets OccurrenceConstraintViolation and changes nothing', async () => {
    rig = await Rig201.create({ config: { initialKeys: { 'DeviceDataCtrlr/ItemsPerMessage[SetVariables]': '2' } } });
    const r = rig;
    await r.waitRegistered();
    const items = ['10', '20', '30'].map((v) => set({ name: 'OCPPCommCtrlr' }, { name: 'OfflineThreshold' }, v));
    await assert.rejects(r.call('SetVariables', { setVariableData: items }), (e: unknown) => (e as { rpcErrorCode?: string }).rpcErrorCode === 'OccurrenceConstraintViolation');
    assert.equal(r.client.deviceModel.int('OCPPCommCtrlr', 'OfflineThreshold'), 60);
    assert.deepEqual((await setVariables(r, items.slice(0, 2))).map((x) => x.attributeStatus), ['Accepted', 'Accepted']);
    assert.equal(r.client.deviceModel.int('OCPPCommCtrlr', 'OfflineThreshold'), 20);
  });

  it('a seed for an unknown variable or with a bad value is a config error naming it', async () => {
    await assert.rejects(
      Rig201.create({ config: { initialKeys: { 'TxCtrlr/TxStartPoint': 'Teleported' } } }),
      (e: unknown) => e instanceof EvseError && e.message.includes('ocpp.initialKeys.TxCtrlr/TxStartPoint'),
    );
    await assert.rejects(
      Rig201.create({ config: { initialKeys: { 'TxCtrlr/Nope': '1' } } }),
      (e: unknown) => e instanceof EvseError && e.message.includes('ocpp.initialKeys.TxCtrlr/Nope'),
    );
  });

  it('GetBaseReport FullInventory: Accepted, then NotifyReport parts of at most ItemsPerMessage items with seqNo and tbc', async () => {
    rig = await Rig201.create({ config: { initialKeys: { 'DeviceDataCtrlr/ItemsPerMessage[GetReport]': '7' } } });
    const r = rig;
    await r.waitRegistered();
    const from = r.csms.messages.length;
    assert.deepEqual(await r.call('GetBaseReport', { requestId: 42, reportBase: 'FullInventory' }), { status: 'Accepted' });
    const expected = r.client.deviceModel.report('FullInventory').length;
    const parts = await collectReport(r, from);
    assert.equal(parts.length, Math.ceil(expected / 7));
    assert.deepEqual(parts.map((p) => p.seqNo), parts.map((_, i) => i));
    assert.deepEqual(parts.map((p) => p.tbc), parts.map((_, i) => i < parts.length - 1));
    assert.ok(parts.every((p) => p.requestId === 42 && p.reportData.length <= 7 && p.reportData.length > 0));
    const all = parts.flatMap((p) => p.reportData);
    assert.equal(all.length, expected);
    // The answer left before the first part.
    const answerAt = r.csms.messages.findIndex((m, i) => i >= from && m.type === 'CALLRESULT' && m.method === 'GetBaseReport');
    const firstPartAt = r.csms.messages.findIndex((m, i) => i >= from && m.type === 'CALL' && m.method === 'NotifyReport');
    assert.ok(answerAt >= 0 && answerAt < firstPartAt);
    const password = all.find((d) => d.variable.name === 'BasicAuthPassword');
    assert.deepEqual(password?.variableAttribute, [{ type: 'Actual', mutability: 'WriteOnly', persistent: true, constant: false }], 'no value of a write-only variable');
    const power = all.find((d) => d.component.name === 'EVSE' && d.variable.name === 'Power');
    assert.deepEqual(power?.variableAttribute.map((a) => a.type), ['Actual', 'MaxSet']);
  });

  it('a second GetBaseReport while one is streaming is Rejected; afterwards it is Accepted again', async () => {
    rig = await Rig201.create({ config: { initialKeys: { 'DeviceDataCtrlr/ItemsPerMessage[GetReport]': '1' } } });
    const r = rig;
    await r.waitRegistered();
    r.csms.controls.setAnswerDelayMs(5);
    const from = r.csms.messages.length;
    assert.deepEqual(await r.call('GetBaseReport', { requestId: 1, reportBase: 'FullInventory' }), { status: 'Accepted' });
    const busy = (await r.call('GetBaseReport', { requestId: 2, reportBase: 'SummaryInventory' })) as { status: string; statusInfo?: { reasonCode: string } };
    assert.equal(busy.status, 'Rejected');
    const parts = await collectReport(r, from);
    assert.ok(parts.every((p) => p.requestId === 1), 'only the accepted request was reported');
    r.csms.controls.setAnswerDelayMs(0);
    assert.deepEqual(await r.call('GetBaseReport', { requestId: 3, reportBase: 'SummaryInventory' }), { status: 'Accepted' });
  });

  it('NotifyReport parts stay within BytesPerMessage (the whole frame), and the bases select their variables', async () => {
    rig = await Rig201.create({ config: { initialKeys: { 'DeviceDataCtrlr/BytesPerMessage[GetReport]': '1500', 'DeviceDataCtrlr/ItemsPerMessage[GetReport]': '100' } } });
    const r = rig;
    await r.waitRegistered();
    let from = r.csms.messages.length;
    await r.call('GetBaseReport', { requestId: 1, reportBase: 'FullInventory' });
    const parts = await collectReport(r, from);
    const frames = r.csms.messages.slice(from).filter((m) => m.type === 'CALL' && m.method === 'NotifyReport');
    assert.ok(frames.length > 3, `split by bytes, not items (${frames.length} parts)`);
    for (const f of frames) assert.ok(Buffer.byteLength(f.raw) <= 1500, `a part of ${Buffer.byteLength(f.raw)} bytes`);
    assert.equal(parts.flatMap((p) => p.reportData).length, r.client.deviceModel.report('FullInventory').length);

    from = r.csms.messages.length;
    await r.call('GetBaseReport', { requestId: 2, reportBase: 'ConfigurationInventory' });
    const config = (await collectReport(r, from)).flatMap((p) => p.reportData);
    assert.ok(config.length > 20);
    assert.ok(config.every((d) => d.variableAttribute[0]?.mutability !== 'ReadOnly'));
    assert.ok(config.some((d) => d.variable.name === 'TxStartPoint'));

    from = r.csms.messages.length;
    await r.call('GetBaseReport', { requestId: 3, reportBase: 'SummaryInventory' });
    const summary = (await collectReport(r, from)).flatMap((p) => p.reportData);
    assert.deepEqual(summary.map((d) => `${d.component.name}/${d.variable.name}`), ['ChargingStation/AvailabilityState', 'EVSE/AvailabilityState', 'Connector/AvailabilityState']);
  });

  it('splitReport: every item once, in order; parts within both limits unless one item alone exceeds the bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 300 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 200, max: 3000 }),
        (items, itemsPerMessage, bytesPerMessage) => {
          const parts = splitReport(items, { itemsPerMessage, bytesPerMessage }, 7, '2026-01-01T00:00:00.000Z');
          assert.deepEqual(parts.flatMap((p) => p.reportData), items);
          parts.forEach((p, i) => {
            assert.equal(p.seqNo, i);
            assert.equal(p.tbc, i < parts.length - 1);
            assert.ok(p.reportData.length <= itemsPerMessage);
            const bytes = frameBytes(notifyReportPayload(7, '2026-01-01T00:00:00.000Z', p));
            assert.ok(bytes <= bytesPerMessage || p.reportData.length === 1, `${bytes} bytes in ${p.reportData.length} items`);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** The NotifyReport parts since `from`, once the one with tbc false has arrived. */
async function collectReport(r: Rig201, from: number): Promise<ReportPart[]> {
  const parts = (): ReportPart[] => r.csms.messages.slice(from).filter((m) => m.type === 'CALL' && m.method === 'NotifyReport').map((m) => m.payload as ReportPart);
  await waitFor(() => parts().some((p) => !p.tbc), 5000, 'the last NotifyReport part');
  await sleep(20);
  return parts();
}
