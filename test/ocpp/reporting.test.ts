import assert from 'node:assert/strict';
import sinon from 'sinon';
import { systemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { ConfigurationKeys } from '../../src/ocpp/config-keys.js';
import { MeterValueScheduler } from '../../src/ocpp/meter-values.js';
import { meterValueFrom } from '../../src/ocpp/sampled-values.js';
import { StatusReporter } from '../../src/ocpp/status-reporter.js';
import { FakeStation } from './support/fake-station.js';
import { MemoryKeyValueStore } from './support/memory-kv.js';
import { MemoryOutboxStore } from './support/memory-outbox.js';

async function drainOutbox(outbox: MemoryOutboxStore): Promise<{ kind: string; sessionId: number | null; payload: Record<string, unknown> }[]> {
  const out: { kind: string; sessionId: number | null; payload: Record<string, unknown> }[] = [];
  for (let head = await outbox.head(); head; head = await outbox.head()) {
    out.push({ kind: head.kind, sessionId: head.sessionId, payload: { ...head.payload } });
    await outbox.markDelivered(head.seq, { raw: {} });
  }
  return out;
}

describe('status and meter-value reporting (fake timers)', () => {
  let clock: sinon.SinonFakeTimers;
  let outbox: MemoryOutboxStore;
  let station: FakeStation;
  let keys: ConfigurationKeys;

  beforeEach(async () => {
    clock = sinon.useFakeTimers({ now: Date.UTC(2026, 0, 1, 10, 0, 0), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    outbox = new MemoryOutboxStore();
    station = new FakeStation(outbox);
    keys = await ConfigurationKeys.load(new MemoryKeyValueStore());
  });
  afterEach(() => clock.restore());

  it('StatusNotification waits MinimumStatusDuration: a shorter flicker is never reported', async () => {
    await keys.change('MinimumStatusDuration', '3');
    const reporter = new StatusReporter({ port: station, outbox, clock: systemClock, logger: silentLogger(), minimumStatusDurationS: () => keys.int('MinimumStatusDuration'), onEnqueued: () => undefined });
    reporter.start();
    await reporter.reportAll();
    await drainOutbox(outbox);
    station.setStatus(1, 'Preparing');
    await clock.tickAsync(1000);
    station.setStatus(1, 'Available');
    await clock.tickAsync(5000);
    assert.deepEqual(await drainOutbox(outbox), [], 'Preparing for 1 s then back: nothing to report');
    station.setStatus(1, 'Faulted', { errorCode: 'GroundFailure', info: 'RCD tripped', vendorErrorCode: 'RCD-1' });
    await clock.tickAsync(2999);
    assert.equal(await outbox.depth(), 0);
    await clock.tickAsync(2);
    const sent = await drainOutbox(outbox);
    assert.equal(sent.length, 1);
    assert.deepEqual({ ...sent[0]?.payload, timestamp: undefined }, { connectorId: 1, errorCode: 'GroundFailure', status: 'Faulted', info: 'RCD tripped', vendorErrorCode: 'RCD-1', timestamp: undefined });
    reporter.stop();
  });

  it('with MinimumStatusDuration 0 every change is reported at once', async () => {
    const reporter = new StatusReporter({ port: station, outbox, clock: systemClock, logger: silentLogger(), minimumStatusDurationS: () => 0, onEnqueued: () => undefined });
    reporter.start();
    station.setStatus(1, 'Preparing');
    station.setStatus(1, 'Charging');
    await clock.tickAsync(1);
    assert.deepEqual((await drainOutbox(outbox)).map((m) => m.payload['status']), ['Preparing', 'Charging']);
    reporter.stop();
  });

  it('periodic MeterValues every MeterValueSampleInterval from the transaction start, with the configured measurands', async () => {
    await keys.change('MeterValueSampleInterval', '10');
    await keys.change('MeterValuesSampledData', 'Energy.Active.Import.Register,Power.Active.Import,Current.Import');
    const scheduler = new MeterValueScheduler({ port: station, outbox, keys, clock: systemClock, logger: silentLogger(), onEnqueued: () => undefined });
    scheduler.start();
    await clock.tickAsync(3500); // start mid-second: periods count from the start, not from the clock
    const sessionId = station.startSession('TAG');
    station.meter(0);
    await drainOutbox(outbox);
    for (let s = 0; s < 35; s += 1) {
      station.meter(30);
      await clock.tickAsync(1000);
    }
    const mv = (await drainOutbox(outbox)).filter((m) => m.kind === 'MeterValues');
    assert.equal(mv.length, 3, 'at 10, 20 and 30 s');
    assert.ok(mv.every((m) => m.sessionId === sessionId && m.payload['transactionId'] === undefined), 'transactionId is added at send time');
    const first = (mv[0]?.payload['meterValue'] as { sampledValue: { measurand: string; phase?: string; context: string }[] }[])[0];
    assert.deepEqual(first?.sampledValue.map((v) => `${v.measurand}${v.phase ? `/${v.phase}` : ''}`), [
      'Energy.Active.Import.Register',
      'Power.Active.Import',
      'Current.Import/L1',
      'Current.Import/L2',
      'Current.Import/L3',
    ]);
    assert.ok(first?.sampledValue.every((v) => v.context === 'Sample.Periodic'));
    scheduler.stop();
  });

  it('clock-aligned MeterValues at multiples of ClockAlignedDataInterval, with or without a session', async () => {
    await keys.change('ClockAlignedDataInterval', '900');
    const scheduler = new MeterValueScheduler({ port: station, outbox, keys, clock: systemClock, logger: silentLogger(), onEnqueued: () => undefined });
    station.meter(0);
    scheduler.start();
    await clock.tickAsync(1000 * 60 * 31); // 10:00 → 10:31: aligned at 10:15 and 10:30
    const mv = (await drainOutbox(outbox)).filter((m) => m.kind === 'MeterValues');
    assert.equal(mv.length, 2);
    assert.ok(mv.every((m) => m.sessionId === null));
    const ctx = (mv[0]?.payload['meterValue'] as { sampledValue: { context: string }[] }[])[0]?.sampledValue[0]?.context;
    assert.equal(ctx, 'Sample.Clock');
    scheduler.stop();
  });

  it('sampled values: Current.Offered and Power.Offered from what the control core offers (left out without it)', () => {
    const sample = { phases: [{ voltageV: 230, currentA: 16, powerW: 3680 }], totalPowerW: 3680, importWh: 1, frequencyHz: 50, readAtMs: Date.UTC(2026, 0, 1) };
    const mv = meterValueFrom(sample, ['Current.Offered', 'Power.Offered'], 'Sample.Periodic', { currentA: 16, powerW: 16 * 230 * 3 });
    assert.deepEqual(
      mv.sampledValue.map((v) => [v.measurand, v.value, v.unit]),
      [
        ['Current.Offered', '16.0', 'A'],
        ['Power.Offered', '11040', 'W'],
      ],
    );
    assert.deepEqual(meterValueFrom(sample, ['Current.Offered'], 'Sample.Periodic').sampledValue, []);
  });

  it('sampled values: integer Wh, per-phase voltage, frequency without unit, signed record passed through', () => {
    const mv = meterValueFrom(
      { phases: [{ voltageV: 231.04, currentA: 15.999, powerW: 3700 }], totalPowerW: 3700.4, importWh: 123456, frequencyHz: 50.014, readAtMs: Date.UTC(2026, 0, 1), signedRecord: 'OCMF|{}|{}' },
      ['Energy.Active.Import.Register', 'Voltage', 'Frequency'],
      'Sample.Periodic',
    );
    assert.equal(mv.timestamp, '2026-01-01T00:00:00.000Z');
    assert.deepEqual(
      mv.sampledValue.map((v) => [v.measurand, v.value, v.unit, v.phase, v.format]),
      [
        ['Energy.Active.Import.Register', '123456', 'Wh', undefined, undefined],
        ['Energy.Active.Import.Register', 'OCMF|{}|{}', undefined, undefined, 'SignedData'],
        ['Voltage', '231.0', 'V', 'L1-N', undefined],
        ['Frequency', '50.01', undefined, undefined, undefined],
      ],
    );
  });
});
