import type { MeterSample } from '../../hal/meter.js';
import { compareWithCsms, displayedTotalMinor } from '../billing/costmsg.js';
import { formatMoney } from '../billing/decimal.js';
import type { CostBreakdown } from '../billing/cost.js';
import { RunningCostTracker } from '../billing/running-cost.js';
import { storeSessionCost } from '../billing/session-cost.js';
import type { TariffHolder } from '../billing/tariff-holder.js';
import { closeWithoutUnplugAfterMs, type Tariff } from '../billing/tariff-schema.js';
import { estimateCompletion, type CompletionEstimate, type PowerSample, type SessionTimeline } from '../billing/timeline.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { JournalReader } from '../journal/ports.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { SessionEventRecord, SessionRecorder, SessionStart, SessionStop } from './recorder.js';

/** A cost as a driver reads it, e.g. "4.87 EUR". */
export function formatCost(cost: CostBreakdown): string {
  return formatMoney(cost.totalMinor, cost.minorUnits, cost.currency);
}

/** How much recent history the completion estimate looks at. */
const ESTIMATE_WINDOW_MS = 10 * 60_000;

/** What the driver is shown for a session: the CSMS's figure once it sent one (costmsg), else the local one. */
export interface DisplayedCost {
  readonly totalMinor: number;
  readonly text: string;
  readonly source: 'csms' | 'local';
  /** The CSMS's price text, when it sent one. */
  readonly priceText?: string;
}

/**
 * Keeps the running cost of each session while passing every fact on to the recorder underneath (the journal).
 * The cost is computed locally from the same facts the journal keeps, so it is there offline; once a session stops
 * (and again at unplug, when idle time ends) the breakdown is recomputed from the journal alone and stored with the
 * session, when the recorder underneath can be read back.
 */
export class BillingRecorder implements SessionRecorder {
  private readonly trackers = new Map<number, RunningCostTracker>();
  private readonly finals = new Map<number, CostBreakdown>();
  private readonly startTariffs = new Map<number, Tariff>();
  private readonly csmsCosts = new Map<number, { cost: number; priceText?: string }>();
  private readonly unplugListeners = new Set<(sessionId: number, atMs: number) => void>();
  /** The opening breakdown being stored, per session, until the first later store has waited for it. */
  private readonly openings = new Map<number, Promise<void>>();
  /** Stopped sessions waiting for their unplug: their bill closes without one when the timer fires. */
  private readonly closeTimers = new Map<number, TimerHandle>();
  /** The last minutes of each running session, for the completion estimate. */
  private readonly recent = new Map<number, { meterStartWh: number; samples: PowerSample[] }>();

  constructor(
    private readonly inner: SessionRecorder,
    private readonly tariffs: TariffHolder,
    private readonly timeZone: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly reader: JournalReader | null = null,
  ) {}

  async startSession(start: SessionStart): Promise<number> {
    const id = await this.inner.startSession(start);
    // Committed: from here the session exists. Nothing below may turn that into a failed start (the control core would
    // then leave an open session row behind and refuse every later start): a follow-up that fails is logged, and the
    // session goes on without a running cost (its final cost is still computed from the journal).
    try {
      // The tariff in force at the start prices the whole session; a later replacement does not reprice it.
      const tariff = this.tariffs.current();
      this.startTariffs.set(id, tariff);
      this.recent.set(id, { meterStartWh: start.meterStartWh, samples: [] });
      this.trackers.set(
        id,
        new RunningCostTracker(
          tariff,
          {
            startAtMs: start.startAtMs,
            plugInAtMs: start.plugInAtMs,
            authorizedAtMs: start.authorizedAtMs,
            meterStartWh: start.meterStartWh,
            stopAtMs: null,
          },
          this.timeZone,
        ),
      );
    } catch (err) {
      this.log.error({ err: errorMessage(err), sessionId: id }, 'running cost unavailable for this session');
    }
    // The opening breakdown records the tariff and the station zone the session is billed in, so that a receipt
    // printed before its bill closes (or after a crash) is priced as this station priced it, whatever config prints it.
    // Not awaited (the contactor waits for the start only); later stores wait for it, so it never lands after them.
    this.openings.set(id, this.store(id, start.startAtMs).then(() => undefined));
    return id;
  }

  async recordSample(sessionId: number, sample: MeterSample): Promise<void> {
    await this.inner.recordSample(sessionId, sample);
    this.trackers.get(sessionId)?.addSample(sample.readAtMs, sample.importWh);
    const recent = this.recent.get(sessionId);
    if (recent) {
      recent.samples.push({ atMs: sample.readAtMs, importWh: sample.importWh, totalPowerW: sample.totalPowerW });
      while ((recent.samples[0]?.atMs ?? Infinity) < sample.readAtMs - ESTIMATE_WINDOW_MS) recent.samples.shift();
    }
  }

  async recordEvent(sessionId: number, event: SessionEventRecord): Promise<void> {
    await this.inner.recordEvent(sessionId, event);
    // The detail names the fault of fault-raised/-cleared: a stop-class fault pauses time-based billing.
    this.trackers.get(sessionId)?.addEvent({ kind: event.kind, atMs: event.atMs, ...(event.detail ? { detail: event.detail } : {}) });
  }

  async stopSession(sessionId: number, stop: SessionStop): Promise<void> {
    await this.inner.stopSession(sessionId, stop);
    this.recent.delete(sessionId);
    const tracker = this.trackers.get(sessionId);
    tracker?.stop(stop.stopAtMs, stop.meterStopWh);
    await this.settle(sessionId, stop.stopAtMs);
    // The bill stays open for idle time until the unplug; without one it closes after the tariff's time.
    const tariff = this.startTariffs.get(sessionId) ?? this.tariffs.current();
    const closeAtMs = stop.stopAtMs + closeWithoutUnplugAfterMs(tariff);
    const timer = this.clock.setTimeout(() => {
      this.closeTimers.delete(sessionId);
      void this.settle(sessionId, Math.max(closeAtMs, this.clock.nowMs())).then(() => {
        this.trackers.delete(sessionId);
        this.startTariffs.delete(sessionId);
      });
    }, Math.max(0, closeAtMs - this.clock.nowMs()));
    this.closeTimers.set(sessionId, timer);
  }

  /** Stops the timers that close bills without an unplug (the station is shutting down; boot recovery closes them). */
  dispose(): void {
    for (const timer of this.closeTimers.values()) this.clock.clearTimeout(timer);
    this.closeTimers.clear();
  }

  /** Called once a session's unplug is durable (the uplink reports it to the CSMS when asked to). */
  onUnplugged(listener: (sessionId: number, atMs: number) => void): () => void {
    this.unplugListeners.add(listener);
    return () => this.unplugListeners.delete(listener);
  }

  async recordUnplug(sessionId: number, atMs: number): Promise<void> {
    await this.inner.recordUnplug(sessionId, atMs);
    const timer = this.closeTimers.get(sessionId);
    if (timer !== undefined) this.clock.clearTimeout(timer);
    this.closeTimers.delete(sessionId);
    for (const listener of this.unplugListeners) listener(sessionId, atMs);
    this.trackers.get(sessionId)?.unplug(atMs);
    await this.settle(sessionId, atMs);
    this.trackers.delete(sessionId);
    this.startTariffs.delete(sessionId);
  }

  /** The session's cost now (running while it charges, final once stopped), or null for an unknown session. */
  cost(sessionId: number): CostBreakdown | null {
    const tracker = this.trackers.get(sessionId);
    return tracker ? tracker.cost(this.clock.nowMs()) : (this.finals.get(sessionId) ?? null);
  }

  /** The timeline of a session this station is running or has not yet seen unplugged, or null. */
  timeline(sessionId: number): SessionTimeline | null {
    return this.trackers.get(sessionId)?.timeline(this.clock.nowMs()) ?? null;
  }

  /**
   * A cost the CSMS sent for a session (costmsg RunningCost/FinalCost, major units). From now on it is what the driver
   * sees; a difference from the local computation is logged for the operator.
   */
  csmsCost(sessionId: number, cost: number, priceText?: string): void {
    const local = this.cost(sessionId);
    if (local) {
      const cmp = compareWithCsms(local, cost);
      if (!cmp.agrees) {
        this.log.warn(
          { sessionId, localMinor: cmp.localMinor, csmsMinor: cmp.csmsMinor, differenceMinor: cmp.differenceMinor },
          'CSMS cost differs from the local computation; showing the CSMS figure',
        );
      }
    }
    this.csmsCosts.set(sessionId, { cost, ...(priceText !== undefined ? { priceText } : {}) });
  }

  /**
   * When the running session is expected to finish: from the energy target when one is set, else from a falling power
   * trend (the battery tapering). Null when neither gives an answer.
   */
  estimatedCompletion(sessionId: number, energyTargetWh: number | null): CompletionEstimate | null {
    const recent = this.recent.get(sessionId);
    if (!recent) return null;
    return estimateCompletion(recent.samples, { meterStartWh: recent.meterStartWh, energyTargetWh, windowMs: ESTIMATE_WINDOW_MS });
  }

  /** The figure to show the driver: the CSMS's when it spoke for this session, else ours. */
  displayed(sessionId: number): DisplayedCost | null {
    const local = this.cost(sessionId);
    if (!local) return null;
    const fromCsms = this.csmsCosts.get(sessionId);
    const shown = displayedTotalMinor(local, fromCsms?.cost ?? null);
    return {
      totalMinor: shown.totalMinor,
      text: formatMoney(shown.totalMinor, local.minorUnits, local.currency),
      source: shown.source,
      ...(fromCsms?.priceText !== undefined ? { priceText: fromCsms.priceText } : {}),
    };
  }

  private async settle(sessionId: number, atMs: number): Promise<void> {
    const tracker = this.trackers.get(sessionId);
    let cost = tracker?.cost(atMs) ?? null;
    await this.openings.get(sessionId);
    this.openings.delete(sessionId);
    const stored = await this.store(sessionId, atMs);
    if (stored !== null) {
      if (cost && stored.totalMinor !== cost.totalMinor) {
        this.log.warn({ sessionId, running: cost.totalMinor, journal: stored.totalMinor }, 'running cost differs from the journal');
      }
      cost = stored;
    }
    if (cost) this.finals.set(sessionId, cost);
  }

  /** Stores the session's breakdown at `atMs` from the journal (when it can be read back); logs a failure. */
  private async store(sessionId: number, atMs: number): Promise<CostBreakdown | null> {
    if (!this.reader) return null;
    try {
      const tariff = this.startTariffs.get(sessionId) ?? this.tariffs.current();
      return await storeSessionCost(this.reader, sessionId, tariff, this.timeZone, atMs);
    } catch (err) {
      this.log.error({ sessionId, err: errorMessage(err) }, 'could not store the session cost');
      return null;
    }
  }
}
