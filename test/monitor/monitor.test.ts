import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { MeterSample } from '../../hal/meter.js';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import type { ControllerEvent } from '../../src/control/charger-controller.js';
import type { FaultEvent, FaultSummary } from '../../src/control/fault-registry.js';
import type { FaultName } from '../../src/control/faults.js';
import { EvseError } from '../../src/errors.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import { silentLogger } from '../../src/logger.js';
import { monitorSchema, type MonitorConfig } from '../../src/monitor/config.js';
import type { Finding, SampleDetector } from '../../src/monitor/finding.js';
import { Monitor, type AlertSink, type DiskSpace } from '../../src/monitor/monitor.js';
import { tempStateDir } from '../journal/support/helpers.js';
import { reading } from './support.js';

/** The station side the monitor subscribes to, driven by the test. */
class FakeStation {
  readonly events = new Set<(e: ControllerEvent) => void>();
  readonly samples = new Set<(s: MeterSample) => void>();
  offer = 16;
  onEvent(l: (e: ControllerEvent) => void): () => void {
    this.events.add(l);
    return () => this.events.delete(l);
  }
  onSample(l: (s: MeterSample) => void): () => void {
    this.samples.add(l);
    return () => this.samples.delete(l);
  }
  offeredA(): number {
    return this.offer;
  }
  emit(e: ControllerEvent): void {
    for (const l of this.events) l(e);
  }
  sample(s: MeterSample): void {
    for (const l of this.samples) l(s);
  }
  faultRaised(name: FaultName, endSessionWith: FaultSummary['endSessionWith'] = null): void {
    const event = { type: 'raised', fault: { definition: { name, severity: 'stop' } } } as unknown as FaultEvent;
    const summary = { active: [], stopLatched: true, derating: false, endSessionWith, reported: null } as FaultSummary;
    this.emit({ type: 'fault', event, summary });
  }
}

describe('Monitor: off the control path, deduped, journaled with evidence, a throwing detector switched off', () => {
  let clock: sinon.SinonFakeTimers;
  let station: FakeStation;
  let monitor: Monitor | null;
  const found: Finding[] = [];
  let registerWh = 1000;

  function start(opts: { config?: Partial<MonitorConfig>; alerts?: AlertSink | null; extra?: SampleDetector[]; stateDir?: string | null; disk?: (p: string) => Promise<DiskSpace> } = {}): Monitor {
    monitor = new Monitor({
      station,
      config: { ...monitorSchema.parse({}), ...opts.config },
      clock: systemClock,
      log: silentLogger(),
      phases: 3,
      alerts: opts.alerts ?? null,
      stateDir: opts.stateDir ?? null,
      ...(opts.extra ? { extraSampleDetectors: opts.extra } : {}),
      ...(opts.disk ? { diskSpace: opts.disk } : {}),
    });
    monitor.onFinding((f) => found.push(f));
    return monitor;
  }

  /** The contactor commanded open, and 10 A a phase flowing (the register moving with it) each second for `seconds`. */
  async function currentWhileOpen(seconds: number): Promise<void> {
    station.emit({ type: 'contactor', position: 'open' });
    for (let s = 0; s < seconds; s++) {
      registerWh += 2;
      station.sample(reading(registerWh, [10, 10, 10], { atMs: Date.now() }));
      await clock.tickAsync(1000);
    }
  }

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.parse('2026-07-01T12:00:00Z') });
    station = new FakeStation();
    monitor = null;
    found.length = 0;
  });
  afterEach(() => {
    monitor?.dispose();
    clock.restore();
  });

  it('the station listener only queues: no detector runs inside the control core call, it runs on a later timer', async () => {
    let evaluated = 0;
    start({ extra: [{ name: 'probe', evaluate: () => (evaluated++, null) }] });
    station.sample(reading(1000, [16, 16, 16]));
    assert.equal(evaluated, 0, 'not evaluated synchronously in the listener');
    await clock.tickAsync(0);
    assert.equal(evaluated, 1);
  });

  it('a detector that throws is switched off and logged; the others go on, the listener never throws', async () => {
    let calls = 0;
    start({ extra: [{ name: 'broken', evaluate: () => (calls++, assert.fail('boom')) }] });
    assert.doesNotThrow(() => station.sample(reading(1000, [16, 16, 16])));
    await clock.tickAsync(0);
    await currentWhileOpen(10);
    assert.equal(calls, 1, 'called once, then switched off');
    assert.deepEqual(monitor!.disabledDetectors(), ['broken']);
    assert.deepEqual([...new Set(found.map((f) => f.detector))], ['energy-while-open']);
  });

  it('the same dedup key while it persists raises one alert in the real journal, with its evidence, threshold and key', async () => {
    const state = tempStateDir();
    let journal: Journal | null = null;
    try {
      journal = await openJournal({ stateDir: state.dir, clock: systemClock });
      // Only the open-contactor finding here (no session runs, so energy-without-session would find it too).
      start({ alerts: journal, config: { energyWithoutSession: { ...monitorSchema.parse({}).energyWithoutSession, enabled: false } } });
      await currentWhileOpen(60);
      const alerts = (await journal.alerts()).filter((a) => a.code.startsWith('anomaly-'));
      assert.equal(alerts.length, 1, alerts.map((a) => a.code).join());
      const a = alerts[0]!;
      assert.equal(a.code, 'anomaly-energy-while-open');
      assert.equal(a.severity, 'critical');
      assert.match(a.message, /contactor/);
      assert.equal(a.detail?.['dedupKey'], 'energy-while-open:1');
      assert.match(String(a.detail?.['threshold']), /> 1 A/);
      const evidence = JSON.parse(String(a.detail?.['evidence'])) as { currentA: number; samples: { phases: number[][] }[] };
      assert.equal(evidence.currentA, 10);
      assert.deepEqual(evidence.samples[0]?.phases[0], [230, 10, 2300]);
      assert.equal(a.dedupKey, 'energy-while-open:1', "the finding's key is the alert's");
      // Quiet for longer than the dedup time, then back while the alert is still open: counted on it.
      station.emit({ type: 'contactor', position: 'closed' });
      await clock.tickAsync(3700_000);
      await currentWhileOpen(10);
      const counted = (await journal.alerts()).filter((r) => r.code.startsWith('anomaly-'));
      assert.deepEqual(counted.map((r) => [r.id, r.count]), [[a.id, 2]]);
      // Once the operator closed it, the next one is a new alert.
      await journal.setAlertState(a.id, 'closed', 'cli@test');
      station.emit({ type: 'contactor', position: 'closed' });
      await clock.tickAsync(3700_000);
      await currentWhileOpen(10);
      const after = (await journal.alerts()).filter((r) => r.code.startsWith('anomaly-'));
      assert.deepEqual(after.map((r) => [r.state, r.count]), [['closed', 2], ['open', 1]]);
    } finally {
      monitor?.dispose();
      monitor = null;
      await journal?.close();
      state.cleanup();
    }
  });

  it('a station whose offer cannot be read: the sample listener still never throws into the control core', async () => {
    start();
    station.offeredA = () => assert.fail('snapshot failed');
    assert.doesNotThrow(() => station.sample(reading(1000, [16, 16, 16])));
    await clock.tickAsync(0);
    assert.equal(found.length, 0);
  });

  it('a journal that refuses the alert is logged, never thrown at the station', async () => {
    start({ alerts: { raiseAlert: () => Promise.reject(new Error('SQLITE_FULL')) } });
    await currentWhileOpen(10);
    assert.equal(found.length, 1);
  });

  it('session events: a session an RCD trip ended is found, with the fault; four trips in 24 h too', async () => {
    start();
    for (let i = 1; i <= 4; i++) {
      station.emit({ type: 'session-started', sessionId: i, idTag: 'CARD', meterStartWh: 1000 * i, startAtMs: Date.now() });
      await clock.tickAsync(60_000);
      station.faultRaised('rcd-trip', 'EmergencyStop');
      station.emit({ type: 'session-stopped', sessionId: i, reason: 'EmergencyStop', meterStopWh: 1000 * i + 500 });
      await clock.tickAsync(3 * 3600_000);
    }
    const fault = found.filter((f) => f.detector === 'session-fault');
    assert.deepEqual(fault.map((f) => f.evidence['sessionIds']), [[1], [2], [3], [4]]);
    const repeat = found.filter((f) => f.detector === 'fault-repeat');
    assert.equal(repeat.length, 1);
    assert.equal(repeat[0]?.evidence['count'], 4);
  });

  it('suspend/resume cycles are counted from the status events', async () => {
    start({ config: { suspendCycles: { enabled: true, maxCycles: 2 } } });
    station.emit({ type: 'session-started', sessionId: 9, idTag: null, meterStartWh: 0, startAtMs: Date.now() });
    for (let i = 0; i < 3; i++) {
      station.emit({ type: 'status', status: 'SuspendedEV', previous: 'Charging' });
      station.emit({ type: 'status', status: 'Charging', previous: 'SuspendedEV' });
    }
    station.emit({ type: 'session-stopped', sessionId: 9, reason: 'Local', meterStopWh: 9000 });
    await clock.tickAsync(0);
    assert.deepEqual(found.map((f) => [f.detector, f.evidence['resumes']]), [['suspend-cycles', 3]]);
  });

  it('the CSMS link probe: down for 31 min is found once', async () => {
    const m = start();
    let up = true;
    m.watchCsmsLink(() => Promise.resolve(up));
    await clock.tickAsync(5 * 60_000);
    up = false;
    await clock.tickAsync(29 * 60_000);
    assert.equal(found.length, 0);
    await clock.tickAsync(10 * 60_000);
    assert.deepEqual(found.map((f) => f.detector), ['csms-down']);
  });

  it('the journal disk: nearly full is found; statfs on a real directory runs without a finding or a switch-off', async () => {
    start({ stateDir: '/state', disk: () => Promise.resolve({ freeBytes: 10 * 1_048_576, totalBytes: 8_000 * 1_048_576 }) });
    await clock.tickAsync(300_000);
    assert.deepEqual(found.map((f) => [f.detector, f.evidence['path']]), [['disk-full', '/state']]);
    monitor!.dispose();
    found.length = 0;
    const real = start({ stateDir: '.', config: { diskFull: { enabled: true, minFreeFraction: 0.0001, minFreeMb: 1, checkIntervalS: 300 } } });
    clock.restore();
    await real.checkDisk();
    clock = sinon.useFakeTimers({ now: Date.parse('2026-07-01T12:00:00Z') });
    assert.deepEqual(found, []);
    assert.deepEqual(real.disabledDetectors(), []);
  });

  it('monitor off: nothing subscribed', () => {
    start({ config: { enabled: false } });
    assert.equal(station.events.size + station.samples.size, 0);
  });

  it('a bad value is refused at config load, naming the field', () => {
    assert.throws(
      () => parseConfig({ monitor: { phaseImbalance: { maxRatio: 5 } } }),
      (err: unknown) => err instanceof EvseError && /monitor\.phaseImbalance\.maxRatio/.test(err.message),
    );
    assert.throws(() => parseConfig({ monitor: { overOffer: { tolerance: 1 } } }), /monitor\.overOffer/);
    assert.equal(parseConfig({}).monitor.faultRepeat.maxCount, 3);
  });

  it('a threshold far out of range is refused, not taken (it would switch its detector off)', () => {
    for (const [section, field] of [
      ['sessionEnergy', 'maxWh'],
      ['csmsDown', 'maxDownMin'],
      ['underDraw', 'holdS'],
      ['faultRepeat', 'maxCount'],
      ['zeroEnergy', 'maxWh'],
    ] as const) {
      assert.throws(
        () => parseConfig({ monitor: { [section]: { [field]: 1e12 } } }),
        (err: unknown) => err instanceof EvseError && err.message.includes(`monitor.${section}.${field}`),
        `${section}.${field}`,
      );
    }
  });
});
