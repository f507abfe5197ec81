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
import { BoundedMap } from './bounded-map.js';
import type { SessionEventRecord, SessionRecorder, SessionStart, SessionStop } from './recorder.js';

/** A cost as a driver reads it, e.g. "4.87 EUR". */
export function formatCost(cost: CostBreakdown): string {
  return formatMoney(cost.totalMinor, cost.minorUnits, cost.currency);
}

/** How much recent history the completion estimate looks at. */
const ESTIMATE_WINDOW_MS = 10 * 60_000;

/** Sessions whose final cost and CSMS cost stay in memory (the journal keeps all of them). */
export const SESSIONS_KEPT = 100;
/** Sessions held as connected at most (one per connector is the norm; the rest is slack for stops still committing). */
export const CONNECTED_KEPT = 8;

/** What the recorder holds for a session from its start until its unplug (or the next session on its connector). */
interface ConnectedSession {
  readonly connectorId: number;
  /** The tariff in force at the start: it prices the whole session. */
  readonly tariff: Tariff;
  readonly tracker: RunningCostTracker;
  stopped: boolean;
  /** The last minutes of the running session, for the completion estimate; null once stopped. */
  recent: { meterStartWh: number; samples: PowerSample[] } | null;
}

/** A stopped session's bill waiting for its unplug; it closes without one when the timer fires. */
interface PendingClose {
  readonly timer: TimerHandle;
  readonly tariff: Tariff;
}

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
  /**
   * Sessions running or stopped and not yet unplugged, with what their running cost needs. A stopped session whose
   * unplug never came (the station restarted its control core, the unplug could not be journaled) is retired when the
   * next session starts on its connector; at most CONNECTED_KEPT are held in any case.
   */
  private readonly connected = new BoundedMap<number, ConnectedSession>(CONNECTED_KEPT);
  /** Final costs of recent sessions (the journal keeps every one; this is for the display). */
  private readonly finals = new BoundedMap<number, CostBreakdown>(SESSIONS_KEPT);
  /** Costs the CSMS sent (costmsg), for recent sessions. */
  private readonly csmsCosts = new BoundedMap<number, { cost: number; priceText?: string }>(SESSIONS_KEPT);
  private readonly unplugListeners = new Set<(sessionId: number, atMs: number) => void>();
  /** The opening breakdown being stored, per session, until the first later store has waited for it. */
  private readonly openings = new BoundedMap<number, Promise<void>>(SESSIONS_KEPT);
  /**
   * Stopped sessions waiting for their unplug. Bounded by time, not count: each entry leaves at the unplug or when its
   * timer closes the bill (the tariff's closeWithoutUnplugAfterMinutes).
   */
  private readonly pendingCloses = new Map<number, PendingClose>();

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
      // A new session on a connector means the EV of the one before it has left, whether or not its unplug came (its
      // bill still closes by its timer).
      for (const [otherId, other] of [...this.connected.entries()]) {
        if (other.connectorId === start.connectorId && other.stopped) this.connected.delete(otherId);
      }
      const tracker = new RunningCostTracker(
        tariff,
        {
          startAtMs: start.startAtMs,
          plugInAtMs: start.plugInAtMs,
          authorizedAtMs: start.authorizedAtMs,
          meterStartWh: start.meterStartWh,
          stopAtMs: null,
        },
        this.timeZone,
      );
      this.connected.set(id, { connectorId: start.connectorId, tariff, tracker, stopped: false, recent: { meterStartWh: start.meterStartWh, samples: [] } });
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
    const session = this.connected.get(sessionId);
    session?.tracker.addSample(sample.readAtMs, sample.importWh);
    const recent = session?.recent;
    if (recent) {
      recent.samples.push({ atMs: sample.readAtMs, importWh: sample.importWh, totalPowerW: sample.totalPowerW });
      while ((recent.samples[0]?.atMs ?? Infinity) < sample.readAtMs - ESTIMATE_WINDOW_MS) recent.samples.shift();
    }
  }

  async recordEvent(sessionId: number, event: SessionEventRecord): Promise<void> {
    await this.inner.recordEvent(sessionId, event);
    // The detail names the fault of fault-raised/-cleared: a stop-class fault pauses time-based billing.
    this.connected.get(sessionId)?.tracker.addEvent({ kind: event.kind, atMs: event.atMs, ...(event.detail ? { detail: event.detail } : {}) });
  }

  async stopSession(sessionId: number, stop: SessionStop): Promise<void> {
    await this.inner.stopSession(sessionId, stop);
    const session = this.connected.get(sessionId);
    if (session) {
      session.recent = null;
      session.stopped = true;
      session.tracker.stop(stop.stopAtMs, stop.meterStopWh);
    }
    await this.settle(sessionId, stop.stopAtMs);
    // The bill stays open for idle time until the unplug; without one it closes after the tariff's time.
    const tariff = this.tariffOf(sessionId);
    const closeAtMs = stop.stopAtMs + closeWithoutUnplugAfterMs(tariff);
    const timer = this.clock.setTimeout(() => {
      void this.settle(sessionId, Math.max(closeAtMs, this.clock.nowMs())).then(() => {
        this.pendingCloses.delete(sessionId);
        this.connected.delete(sessionId);
      });
    }, Math.max(0, closeAtMs - this.clock.nowMs()));
    // Bounded by count too: the oldest timer beyond SESSIONS_KEPT is dropped. Nothing is lost: a bill whose close time
    // has passed is computed as closed wherever it is printed; the timer only stores that breakdown early.
    const oldest = this.pendingCloses.size >= SESSIONS_KEPT ? this.pendingCloses.keys().next().value : undefined;
    if (oldest !== undefined) {
      const dropped = this.pendingCloses.get(oldest);
      if (dropped) this.clock.clearTimeout(dropped.timer);
      this.pendingCloses.delete(oldest);
    }
    this.pendingCloses.set(sessionId, { timer, tariff });
  }

  /** Stops the timers that close bills without an unplug (the station is shutting down; boot recovery closes them). */
  dispose(): void {
    for (const pending of this.pendingCloses.values()) this.clock.clearTimeout(pending.timer);
    this.pendingCloses.clear();
  }

  /** Called once a session's unplug is durable (the uplink reports it to the CSMS when asked to). */
  onUnplugged(listener: (sessionId: number, atMs: number) => void): () => void {
    this.unplugListeners.add(listener);
    return () => this.unplugListeners.delete(listener);
  }

  async recordUnplug(sessionId: number, atMs: number): Promise<void> {
    await this.inner.recordUnplug(sessionId, atMs);
    const pending = this.pendingCloses.get(sessionId);
    if (pending !== undefined) this.clock.clearTimeout(pending.timer);
    for (const listener of this.unplugListeners) listener(sessionId, atMs);
    this.connected.get(sessionId)?.tracker.unplug(atMs);
    await this.settle(sessionId, atMs);
    this.pendingCloses.delete(sessionId);
    this.connected.delete(sessionId);
  }

  /** The session's cost now (running while it charges, final once stopped), or null for an unknown session. */
  cost(sessionId: number): CostBreakdown | null {
    const tracker = this.connected.get(sessionId)?.tracker;
    return tracker ? tracker.cost(this.clock.nowMs()) : (this.finals.get(sessionId) ?? null);
  }

  /** The timeline of a session this station is running or has not yet seen unplugged, or null. */
  timeline(sessionId: number): SessionTimeline | null {
    return this.connected.get(sessionId)?.tracker.timeline(this.clock.nowMs()) ?? null;
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
    const recent = this.connected.get(sessionId)?.recent;
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

  /** How many sessions each per-session map holds now (leak checks: all stay bounded however many sessions ran). */
  footprint(): {
    readonly connected: number;
    readonly finals: number;
    readonly csmsCosts: number;
    readonly unplugListeners: number;
    readonly openings: number;
    readonly pendingCloses: number;
  } {
    return {
      connected: this.connected.size,
      finals: this.finals.size,
      csmsCosts: this.csmsCosts.size,
      unplugListeners: this.unplugListeners.size,
      openings: this.openings.size,
      pendingCloses: this.pendingCloses.size,
    };
  }

  /** The tariff that prices a session: the one in force at its start, while the recorder still knows it. */
  private tariffOf(sessionId: number): Tariff {
    return this.connected.get(sessionId)?.tariff ?? this.pendingCloses.get(sessionId)?.tariff ?? this.tariffs.current();
  }

  private async settle(sessionId: number, atMs: number): Promise<void> {
    const tracker = this.connected.get(sessionId)?.tracker;
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
      const tariff = this.tariffOf(sessionId);
      return await storeSessionCost(this.reader, sessionId, tariff, this.timeZone, atMs);
    } catch (err) {
      this.log.error({ sessionId, err: errorMessage(err) }, 'could not store the session cost');
      return null;
    }
  }
}
