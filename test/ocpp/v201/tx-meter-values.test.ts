import assert from 'node:assert/strict';
import { systemClock, type Clock } from '../../../src/clock.js';
import { silentLogger } from '../../../src/logger.js';
import { MAX_ENDED_PERIODIC, TX_METER_VALUES_NAMESPACE, TxMeterValues } from '../../../src/ocpp/v201/transactions/tx-meter-values.js';
import type { TransactionEventRequest } from '../../../src/ocpp/v201/transactions/types.js';
import { FakeStation } from '../support/fake-station.js';
import { MemoryKeyValueStore } from '../support/memory-kv.js';
import { MemoryOutboxStore } from '../support/memory-outbox.js';
import { waitFor } from './rig.js';
import { assertSchema } from './schemas.js';
import { BenchRig } from './support/bench-rig.js';

/** A clock the test moves by hand (the recorder is driven through `check()`, no timers). */
function manualClock(startMs: number): Clock & { now: number } {
  const c = {
    now: startMs,
    nowMs: () => c.now,
    monotonicMs: () => c.now,
    setTimeout: systemClock.setTimeout,
    clearTimeout: systemClock.clearTimeout,
    setInterval: systemClock.setInterval,
    clearInterval: systemClock.clearInterval,
  };
  return c;
}

const ALL = ['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import', 'Voltage', 'Frequency'];

describe('OCPP 2.0.1 TxStartedMeasurands / TxEndedMeasurands / TxEndedInterval', function () {
  describe('the recorder', function () {
    it('a long session keeps at most MAX_ENDED_PERIODIC Sample.Periodic entries, spread over the whole session, journaled as sampled', async function () {
      const clock = manualClock(Date.UTC(2026, 5, 1, 8));
      const station = new FakeStation(new MemoryOutboxStore(), () => clock.now);
      const kv = new MemoryKeyValueStore();
      const settings = { startedMeasurands: () => ALL, endedMeasurands: () => ALL, endedIntervalS: () => 60 };
      const rec = new TxMeterValues({ port: station, kv, clock, logger: silentLogger(), settings });
      station.meter(0, 7000);
      const sessionId = station.startSession('CARD');
      rec.check();
      // Ten hours at one sample a minute: 600 samples.
      for (let minute = 1; minute <= 600; minute++) {
        clock.now += 60_000;
        station.meter(100, 7000 + minute);
        rec.check();
      }
      clock.now += 1000;
      station.meter(10, 6000);
      station.stopSession('Local');
      rec.check();
      const values = rec.valuesOf(sessionId);
      assert.ok(values.periodic.length <= MAX_ENDED_PERIODIC && values.periodic.length >= MAX_ENDED_PERIODIC / 2, `${values.periodic.length} entries`);
      const times = values.periodic.map((m) => Date.parse(m.timestamp));
      assert.ok(times.every((t, i) => i === 0 || t > times[i - 1]!), 'in time order');
      assert.ok(times[times.length - 1]! - times[0]! > 8 * 3600_000, 'they cover the session, not only its start or end');
      assert.equal(values.started?.sampledValue[0]?.context, 'Transaction.Begin');
      assert.ok(!values.started?.sampledValue.some((v) => v.measurand === 'Energy.Active.Import.Register'), 'the register comes from the Start row');
      assert.deepEqual(values.ended?.sampledValue.find((v) => v.measurand === 'Power.Active.Import')?.value, 6000);
      assert.ok(values.periodic.every((m) => m.sampledValue.every((v) => v.context === 'Sample.Periodic')));
      // The journal holds exactly what is kept (dropped entries deleted), and a new process reads it back.
      const again = new TxMeterValues({ port: new FakeStation(new MemoryOutboxStore()), kv, clock, logger: silentLogger(), settings });
      await again.load();
      assert.deepEqual(again.valuesOf(sessionId), values);
      const stored = kv.data.get(TX_METER_VALUES_NAMESPACE)!;
      assert.equal([...stored.keys()].filter((k) => k.includes(':p:')).length, values.periodic.length);
      again.forget(sessionId);
      assert.equal(stored.size, 0, 'forgotten once the Ended is answered');
    });
  });

  describe('on the wire (real journal, bench CSMS in strict 2.0.1)', function () {
    let rig: BenchRig;
    afterEach(async function () {
      await rig.close();
    });

    const keys = {
      'SampledDataCtrlr/TxStartedMeasurands': 'Energy.Active.Import.Register,Power.Active.Import,Voltage',
      'SampledDataCtrlr/TxEndedMeasurands': 'Energy.Active.Import.Register,Current.Import',
      'SampledDataCtrlr/TxEndedInterval': '1',
      'SampledDataCtrlr/TxUpdatedInterval': '0',
    };

    /** Charges (a sample every 100 ms) until a Sample.Periodic value is in the journal. */
    async function chargedPastOneInterval(): Promise<void> {
      const periodicJournaled = async (): Promise<boolean> => [...(await rig.journal.list(TX_METER_VALUES_NAMESPACE)).keys()].some((k) => k.includes(':p:'));
      while (!(await periodicJournaled())) {
        await new Promise((r) => setTimeout(r, 100));
        rig.station.meter(10, 7000);
      }
    }

    function measurands(mv: TransactionEventRequest['meterValue'], context: string): string[] {
      return (mv ?? []).flatMap((m) => m.sampledValue.filter((v) => v.context === context).map((v) => `${v.measurand}${v.phase ? `/${v.phase}` : ''}`));
    }

    it('the Started carries TxStartedMeasurands (Transaction.Begin); the Ended the periodic TxEndedMeasurands and those at the end', async function () {
      rig = await BenchRig.create({ config: { initialKeys: keys } });
      await rig.waitRegistered();
      rig.station.meter(0, 7000);
      rig.station.plugIn();
      rig.station.authorizeStart('CARD_M', 'local');
      const [started] = await rig.waitEvents(1);
      assertSchema('TransactionEvent', 'req', started);
      assert.deepEqual(measurands(started?.meterValue, 'Transaction.Begin'), ['Energy.Active.Import.Register', 'Power.Active.Import', 'Voltage/L1-N', 'Voltage/L2-N', 'Voltage/L3-N']);
      await chargedPastOneInterval();
      rig.station.tapStop('CARD_M');
      await waitFor(() => rig.events().some((e) => e.eventType === 'Ended'), 4000, 'Ended');
      const ended = rig.events().find((e) => e.eventType === 'Ended')!;
      assertSchema('TransactionEvent', 'req', ended);
      const periodic = (ended.meterValue ?? []).filter((m) => m.sampledValue[0]?.context === 'Sample.Periodic');
      assert.ok(periodic.length >= 1, `${periodic.length} periodic entries`);
      assert.deepEqual(measurands([periodic[0]!], 'Sample.Periodic'), ['Energy.Active.Import.Register', 'Current.Import/L1', 'Current.Import/L2', 'Current.Import/L3']);
      const last = ended.meterValue?.[ended.meterValue.length - 1];
      assert.deepEqual(measurands(last ? [last] : [], 'Transaction.End'), ['Energy.Active.Import.Register', 'Current.Import/L1', 'Current.Import/L2', 'Current.Import/L3']);
      // Forgotten once the CSMS has the Ended.
      await waitFor(async () => (await rig.journal.list(TX_METER_VALUES_NAMESPACE)).size === 0, 3000, 'the values dropped');
    });

    it('a reboot mid-transaction: the recovered Ended still carries what was sampled before it', async function () {
      rig = await BenchRig.create({ config: { initialKeys: keys } });
      await rig.waitRegistered();
      rig.station.meter(0, 7000);
      rig.station.plugIn();
      rig.station.authorizeStart('CARD_R', 'local');
      await rig.waitEvents(1);
      await chargedPastOneInterval();
      const before = await rig.journal.list(TX_METER_VALUES_NAMESPACE);
      const periodicBefore = [...before.keys()].filter((k) => k.includes(':p:')).length;
      assert.ok(periodicBefore >= 1, `${periodicBefore} periodic values journaled`);
      await rig.crashAndRestart();
      await rig.waitRegistered();
      await waitFor(() => rig.events().some((e) => e.eventType === 'Ended'), 6000, 'the recovered Ended');
      const ended = rig.events().find((e) => e.eventType === 'Ended')!;
      assertSchema('TransactionEvent', 'req', ended);
      assert.equal(ended.transactionInfo.stoppedReason, 'PowerLoss');
      const periodic = (ended.meterValue ?? []).filter((m) => m.sampledValue[0]?.context === 'Sample.Periodic');
      assert.equal(periodic.length, periodicBefore, 'every value sampled before the reboot');
      assert.equal(ended.meterValue?.[ended.meterValue.length - 1]?.sampledValue[0]?.context, 'Transaction.End');
    });
  });
});
