import assert from 'node:assert/strict';
import type { SampleRow } from '../../src/journal/ports.js';
import { MAX_TRANSACTION_DATA, transactionData } from '../../src/ocpp/transaction-data.js';
import { Rig } from './support/harness.js';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 7);
const row = (atMs: number, importWh: number): SampleRow => ({ sessionId: 1, atMs, importWh, totalPowerW: 7000, currentsA: [10, 10, 10], voltagesV: [230, 231, 229], signedRecord: null });
const everySecond = (seconds: number): SampleRow[] => Array.from({ length: seconds + 1 }, (_, i) => row(T0 + i * 1000, 1000 + i));

describe('StopTransaction transactionData', function () {
  this.timeout(20_000);

  it('begin, every MeterValueSampleInterval from the start, end; nothing when StopTxnSampledData is empty', () => {
    const settings = { sampledMeasurands: ['Energy.Active.Import.Register'], alignedMeasurands: [], sampleIntervalS: 60, alignedIntervalS: 0 };
    const data = transactionData(everySecond(150), settings);
    assert.deepEqual(
      data?.map((mv) => [mv.timestamp, mv.sampledValue[0]?.context, mv.sampledValue[0]?.value]),
      [
        [new Date(T0).toISOString(), 'Transaction.Begin', '1000'],
        [new Date(T0 + 60_000).toISOString(), 'Sample.Periodic', '1060'],
        [new Date(T0 + 120_000).toISOString(), 'Sample.Periodic', '1120'],
        [new Date(T0 + 150_000).toISOString(), 'Transaction.End', '1150'],
      ],
    );
    assert.equal(transactionData(everySecond(150), { ...settings, sampledMeasurands: [] }), null);
  });

  it('clock-aligned entries at wall-clock multiples (StopTxnAlignedData)', () => {
    const data = transactionData(everySecond(200), { sampledMeasurands: [], alignedMeasurands: ['Energy.Active.Import.Register'], sampleIntervalS: 0, alignedIntervalS: 60 });
    assert.deepEqual(data?.map((mv) => new Date(mv.timestamp).getUTCSeconds()), [0, 0, 0]);
    assert.ok(data?.every((mv) => mv.sampledValue[0]?.context === 'Sample.Clock'));
  });

  it('stays bounded for a very long session, keeping begin and end', () => {
    const data = transactionData(everySecond(20_000), { sampledMeasurands: ['Energy.Active.Import.Register'], alignedMeasurands: [], sampleIntervalS: 10, alignedIntervalS: 0 });
    assert.equal(data?.length, MAX_TRANSACTION_DATA);
    assert.equal(data?.[0]?.sampledValue[0]?.context, 'Transaction.Begin');
    assert.equal(data?.at(-1)?.sampledValue[0]?.context, 'Transaction.End');
  });

  it('goes on the wire with the Stop, built at send time from the journal', async () => {
    const samples = everySecond(5);
    const rig = await Rig.create({ config: { initialKeys: { StopTxnSampledData: 'Energy.Active.Import.Register,Power.Active.Import' } }, client: { sessionSamples: () => Promise.resolve(samples) } });
    try {
      await rig.waitRegistered();
      rig.station.startSession('TAG-TD');
      rig.station.stopSession('Local');
      await rig.waitDrained();
      const stop = rig.csms.callsOf('StopTransaction')[0] as { transactionData: { sampledValue: { measurand: string; context: string }[] }[] };
      assert.equal(stop.transactionData.length, 2);
      assert.deepEqual(stop.transactionData[1]?.sampledValue.map((v) => `${v.measurand}@${v.context}`), ['Energy.Active.Import.Register@Transaction.End', 'Power.Active.Import@Transaction.End']);
    } finally {
      await rig.close();
    }
  });
});
