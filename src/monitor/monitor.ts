import { statfs } from 'node:fs/promises';
import type { MeterSample } from '../../hal/meter.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { ControllerEvent } from '../control/charger-controller.js';
import type { ChargePointStatus } from '../control/charger-fsm.js';
import type { FaultName } from '../control/faults.js';
import type { AlertInput } from '../journal/types.js';
import type { Logger } from '../logger.js';
import type { MonitorConfig } from './config.js';
import { EnergyWhileOpen, EnergyWithoutSession } from './contactor-energy.js';
import { Dedup } from './dedup.js';
import type { DetectorName, Finding, SampleDetector, SessionDetector, SessionSummary } from './finding.js';
import { FrozenMeter } from './frozen-meter.js';
import { OverOffer } from './over-offer.js';
import { PhaseImbalance } from './phase-imbalance.js';
import { PowerPlausibility } from './power-plausibility.js';
import { RegisterJump } from './register-jump.js';
import { SessionEnergy, SessionFault, ShortSessions, SuspendCycles, ZeroEnergy } from './session-detectors.js';
import { CsmsDown, DiskFull, FaultRepeat, NoSuccess } from './station-detectors.js';
import { toAlert } from './to-alert.js';
import { UnderDraw } from './under-draw.js';

/** What the monitor watches: the station's events and meter samples (it never calls into the control core). */
export interface MonitoredStation {
  onEvent(listener: (event: ControllerEvent) => void): () => void;
  onSample(listener: (sample: MeterSample) => void): () => void;
  /** The current the pilot offers now (0 without PWM); read when a sample arrives. */
  offeredA(): number;
}

/** Where findings become durable alerts (the journal). */
export interface AlertSink {
  raiseAlert(alert: AlertInput): Promise<number>;
}

export interface DiskSpace {
  readonly freeBytes: number;
  readonly totalBytes: number;
}

export interface MonitorDeps {
  readonly station: MonitoredStation;
  readonly config: MonitorConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly phases: 1 | 3;
  readonly connectorId?: number;
  /** Null: findings are only logged (a station without a journal). */
  readonly alerts: AlertSink | null;
  /** The journal's directory, whose free space is watched; null: not watched. */
  readonly stateDir: string | null;
  /** Sample detectors besides the configured ones (a site's own; tests). */
  readonly extraSampleDetectors?: readonly SampleDetector[];
  /** Reads free space (tests inject one); defaults to statfs(2). */
  readonly diskSpace?: (path: string) => Promise<DiskSpace>;
}

/** Inputs waiting to be judged: the listeners only queue, so the control core never runs a detector. */
type Queued =
  | { readonly kind: 'event'; readonly event: ControllerEvent; readonly monoMs: number; readonly atMs: number }
  | { readonly kind: 'sample'; readonly sample: MeterSample; readonly offeredA: number; readonly monoMs: number };

/** Inputs kept while the detectors lag behind; the oldest are dropped beyond it (counted). */
const QUEUE_MAX = 1000;

interface OpenSession {
  readonly id: number;
  readonly startMono: number;
  readonly meterStartWh: number;
  resumes: number;
  endingFault: FaultName | null;
}

const suspended = (s: ChargePointStatus): boolean => s === 'SuspendedEV' || s === 'SuspendedEVSE';

async function statfsSpace(path: string): Promise<DiskSpace> {
  const s = await statfs(path);
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

/**
 * Runs the anomaly detectors off the control path. The station's listeners only queue what happened (a sample with
 * the offer at that moment, an event); a timer drains the queue later. A detector that throws is logged and switched
 * off, never the station. Each finding passes the dedup (one alert per key while it persists) and is journaled as an
 * alert with its evidence.
 */
export class Monitor {
  private readonly sampleDetectors: SampleDetector[] = [];
  private readonly sessionDetectors: SessionDetector[] = [];
  private readonly faultRepeat: FaultRepeat | null;
  private readonly noSuccess: NoSuccess | null;
  private readonly csmsDown: CsmsDown | null;
  private readonly diskFull: DiskFull | null;
  private readonly disabled = new Set<string>();
  private readonly dedup: Dedup;
  private readonly listeners = new Set<(finding: Finding) => void>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly timers: TimerHandle[] = [];
  private readonly queue: Queued[] = [];
  private drainTimer: TimerHandle | null = null;
  private readonly connectorId: number;
  private dropped = 0;
  private csmsProbe: (() => Promise<boolean>) | null = null;
  private disposed = false;
  private readonly alertsRaised = new Map<DetectorName, number>();

  // What the station is doing, as the events told it.
  private contactor = { closed: false, sinceMono: 0 };
  private session: { id: number | null; sinceMono: number } = { id: null, sinceMono: 0 };
  private offer = { amps: 0, sinceMono: 0 };
  private open: OpenSession | null = null;

  constructor(private readonly deps: MonitorDeps) {
    const { config: c, clock } = deps;
    const start = clock.monotonicMs();
    this.connectorId = deps.connectorId ?? 1;
    this.contactor.sinceMono = start;
    this.session.sinceMono = start;
    this.offer.sinceMono = start;
    this.dedup = new Dedup(c.dedupQuietS * 1000);
    const on = <T>(enabled: boolean, make: () => T): T | null => (c.enabled && enabled ? make() : null);
    const samples = [
      on(c.energyWhileOpen.enabled, () => new EnergyWhileOpen(c.energyWhileOpen)),
      on(c.energyWithoutSession.enabled, () => new EnergyWithoutSession(c.energyWithoutSession)),
      on(c.registerJump.enabled, () => new RegisterJump(c.registerJump)),
      on(c.overOffer.enabled, () => new OverOffer(c.overOffer)),
      on(c.powerPlausibility.enabled, () => new PowerPlausibility(c.powerPlausibility)),
      on(c.phaseImbalance.enabled, () => new PhaseImbalance(c.phaseImbalance)),
      on(c.underDraw.enabled, () => new UnderDraw(c.underDraw)),
      on(c.frozenMeter.enabled, () => new FrozenMeter(c.frozenMeter)),
    ];
    const sessions = [
      on(c.zeroEnergy.enabled, () => new ZeroEnergy(c.zeroEnergy)),
      on(c.shortSessions.enabled, () => new ShortSessions(c.shortSessions)),
      on(c.suspendCycles.enabled, () => new SuspendCycles(c.suspendCycles)),
      on(c.sessionEnergy.enabled, () => new SessionEnergy(c.sessionEnergy)),
      on(c.sessionFault.enabled, () => new SessionFault()),
    ];
    for (const d of samples) if (d) this.sampleDetectors.push(d);
    if (c.enabled) this.sampleDetectors.push(...(deps.extraSampleDetectors ?? []));
    for (const d of sessions) if (d) this.sessionDetectors.push(d);
    this.faultRepeat = on(c.faultRepeat.enabled, () => new FaultRepeat(c.faultRepeat));
    this.noSuccess = on(c.noSuccess.enabled, () => new NoSuccess(c.noSuccess, start));
    this.csmsDown = on(c.csmsDown.enabled, () => new CsmsDown(c.csmsDown));
    this.diskFull = deps.stateDir === null ? null : on(c.diskFull.enabled, () => new DiskFull(c.diskFull));
    if (!c.enabled) return;

    // The listeners run inside the control core's delivery: they only queue, and nothing they do can throw into it.
    const safely = (queue: () => void): void => {
      try {
        queue();
      } catch (err) {
        deps.log.error({ err: (err as Error).message }, 'monitor: an input could not be queued');
      }
    };
    this.unsubscribe.push(
      deps.station.onEvent((event) => safely(() => this.enqueue({ kind: 'event', event, monoMs: clock.monotonicMs(), atMs: clock.nowMs() }))),
      deps.station.onSample((sample) =>
        safely(() => this.enqueue({ kind: 'sample', sample, offeredA: deps.station.offeredA(), monoMs: clock.monotonicMs() })),
      ),
    );
    if (this.noSuccess || this.csmsDown) this.timers.push(clock.setInterval(() => void this.checkStation(), c.checkIntervalS * 1000));
    if (this.diskFull) this.timers.push(clock.setInterval(() => void this.checkDisk(), c.diskFull.checkIntervalS * 1000));
  }

  /** Every finding that passed the dedup (metrics, the alert pipeline, tests). */
  onFinding(listener: (finding: Finding) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether the CSMS link is up, asked at every station check (the wiring sets it once the uplink exists). */
  watchCsmsLink(probe: () => Promise<boolean>): void {
    this.csmsProbe = probe;
  }

  /** The CSMS link is up (true) or down (false) now. */
  csmsLink(up: boolean): void {
    this.guard('csms-down', () => this.csmsDown?.link(up, this.deps.clock.monotonicMs()));
  }

  /** Findings raised so far, by detector (after dedup). */
  counts(): ReadonlyMap<DetectorName, number> {
    return new Map(this.alertsRaised);
  }

  /** Detectors switched off because they threw. */
  disabledDetectors(): readonly string[] {
    return [...this.disabled];
  }

  /** Inputs dropped because the detectors lagged behind. */
  droppedInputs(): number {
    return this.dropped;
  }

  /** Judges what is queued now (tests; shutdown). */
  drain(): void {
    if (this.drainTimer !== null) this.deps.clock.clearTimeout(this.drainTimer);
    this.drainTimer = null;
    let item: Queued | undefined;
    while ((item = this.queue.shift()) !== undefined) {
      if (item.kind === 'event') this.onEvent(item.event, item.monoMs, item.atMs);
      else this.onSample(item.sample, item.offeredA, item.monoMs);
    }
  }

  /** Station-level checks now (the interval calls it); never rejects. */
  async checkStation(): Promise<void> {
    const probe = this.csmsProbe;
    if (probe && this.csmsDown) {
      try {
        this.csmsLink(await probe());
      } catch (err) {
        this.deps.log.debug({ err: (err as Error).message }, 'monitor: the CSMS link state is unknown');
      }
      if (this.disposed) return;
    }
    const mono = this.deps.clock.monotonicMs();
    this.guard('no-success', () => this.emit(this.noSuccess?.check(mono) ?? null, mono));
    this.guard('csms-down', () => this.emit(this.csmsDown?.check(mono, this.deps.clock.nowMs()) ?? null, mono));
  }

  /** Reads the journal directory's free space and judges it. */
  async checkDisk(): Promise<void> {
    const dir = this.deps.stateDir;
    if (!this.diskFull || dir === null || this.disabled.has('disk-full')) return;
    try {
      const space = await (this.deps.diskSpace ?? statfsSpace)(dir);
      if (this.disposed) return;
      const mono = this.deps.clock.monotonicMs();
      this.guard('disk-full', () => this.emit(this.diskFull?.check({ ...space, path: dir }) ?? null, mono));
    } catch (err) {
      this.deps.log.debug({ err: (err as Error).message, dir }, 'monitor: free space of the journal directory unknown');
    }
  }

  /** Judges what already happened, then stops listening (a shutdown's last events are still judged). */
  dispose(): void {
    if (this.disposed) return;
    this.drain();
    this.disposed = true;
    for (const u of this.unsubscribe.splice(0)) u();
    for (const t of this.timers.splice(0)) this.deps.clock.clearInterval(t);
    if (this.drainTimer !== null) this.deps.clock.clearTimeout(this.drainTimer);
    this.drainTimer = null;
    this.queue.length = 0;
    this.listeners.clear();
  }

  private enqueue(item: Queued): void {
    if (this.disposed) return;
    this.queue.push(item);
    if (this.queue.length > QUEUE_MAX) {
      this.queue.shift();
      this.dropped += 1;
    }
    this.drainTimer ??= this.deps.clock.setTimeout(() => {
      this.drainTimer = null;
      this.drain();
    }, 0);
  }

  private onEvent(e: ControllerEvent, mono: number, atMs: number): void {
    switch (e.type) {
      case 'contactor':
        if ((e.position === 'closed') !== this.contactor.closed) this.contactor = { closed: e.position === 'closed', sinceMono: mono };
        return;
      case 'session-started':
        this.session = { id: e.sessionId, sinceMono: mono };
        this.open = { id: e.sessionId, startMono: mono, meterStartWh: e.meterStartWh, resumes: 0, endingFault: null };
        return;
      case 'status': {
        if (this.open && e.status === 'Charging' && suspended(e.previous)) this.open.resumes += 1;
        if (e.previous === 'Available' && e.status === 'Preparing') this.guard('no-success', () => this.noSuccess?.plugIn());
        return;
      }
      case 'fault':
        if (e.event.type !== 'raised') return;
        {
          const name = e.event.fault.definition.name;
          if (this.open && e.summary.endSessionWith !== null) this.open.endingFault ??= name;
          this.guard('fault-repeat', () => this.emit(this.faultRepeat?.raised(name, mono, atMs) ?? null, mono));
        }
        return;
      case 'session-stopped':
        this.sessionStopped(e.sessionId, e.reason, e.meterStopWh, mono);
        return;
      default:
        return;
    }
  }

  private sessionStopped(sessionId: number, reason: SessionSummary['reason'], meterStopWh: number, mono: number): void {
    const open = this.open?.id === sessionId ? this.open : null;
    this.open = null;
    this.session = { id: null, sinceMono: mono };
    if (!open) return;
    const endedByFault = open.endingFault !== null && (reason === 'EmergencyStop' || reason === 'Other') ? open.endingFault : null;
    const summary: SessionSummary = {
      sessionId,
      connectorId: this.connectorId,
      startMono: open.startMono,
      stopMono: mono,
      energyWh: meterStopWh - open.meterStartWh,
      reason,
      resumes: open.resumes,
      endedByFault,
    };
    for (const d of this.sessionDetectors) this.guard(d.name, () => this.emit(d.evaluate(summary), mono));
    this.guard('no-success', () => this.noSuccess?.sessionEnded(sessionId, summary.energyWh, mono));
  }

  private onSample(sample: MeterSample, offeredA: number, mono: number): void {
    if (offeredA !== this.offer.amps) this.offer = { amps: offeredA, sinceMono: mono };
    const input = {
      sample,
      monoMs: mono,
      contactor: this.contactor,
      session: this.session,
      offer: this.offer,
      phases: this.deps.phases,
      connectorId: this.connectorId,
    };
    for (const d of this.sampleDetectors) this.guard(d.name, () => this.emit(d.evaluate(input), mono));
  }

  private emit(finding: Finding | null, mono: number): void {
    if (finding === null || !this.dedup.admit(finding.dedupKey, mono)) return;
    this.alertsRaised.set(finding.detector, (this.alertsRaised.get(finding.detector) ?? 0) + 1);
    const { log, alerts } = this.deps;
    log.warn({ detector: finding.detector, key: finding.dedupKey }, `anomaly: ${finding.message}`);
    for (const l of [...this.listeners]) {
      try {
        l(finding);
      } catch (err) {
        log.error({ err: (err as Error).message }, 'monitor: a finding listener threw');
      }
    }
    alerts?.raiseAlert(toAlert(finding)).catch((err: unknown) => {
      log.error({ err: (err as Error).message, detector: finding.detector }, 'monitor: the alert could not be journaled');
    });
  }

  /** Runs one detector's step; one that throws is logged and switched off for good, the others go on. */
  private guard(name: string, step: () => void): void {
    if (this.disabled.has(name)) return;
    try {
      step();
    } catch (err) {
      this.disabled.add(name);
      this.deps.log.error({ err: (err as Error).message, detector: name }, 'monitor: detector threw and is switched off');
    }
  }
}
