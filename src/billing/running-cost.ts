import { bandClassifier, billedFacts, costFromParts, type CostBreakdown } from './cost.js';
import { RegisterCurve } from './register-curve.js';
import { tariffTimeZone, type Tariff } from './tariff-schema.js';
import { buildTimeline, type SessionTimeline, type TimelineEvent, type TimelineSession } from './timeline.js';
import { WallClockSplitter } from './wall-clock.js';

/**
 * Keeps the running cost of one open session up to date, one sample at a time, without rescanning the session: the
 * register curve grows by appends and a cost query is O(log samples + band boundaries). It gives the same answer as
 * `computeCost` over the same readings (tests hold it to that). Works offline: nothing here waits on the CSMS.
 */
export class RunningCostTracker {
  private readonly curve = new RegisterCurve();
  private readonly events: TimelineEvent[] = [];
  private session: TimelineSession;
  /** Band stretches already found stay found: each update only classifies the time since the last one. */
  private readonly bandSplitter: WallClockSplitter<number>;

  /**
   * @param tariff the tariff the session started under (a later replacement does not reprice it)
   * @param start the session's start facts, with the register at the start
   */
  constructor(
    private readonly tariff: Tariff,
    start: TimelineSession & { readonly meterStartWh: number },
    private readonly stationTimeZone = 'UTC',
  ) {
    this.session = { ...start, stopAtMs: null };
    this.curve.append(start.startAtMs, start.meterStartWh);
    this.bandSplitter = new WallClockSplitter(tariffTimeZone(tariff, stationTimeZone), start.startAtMs, bandClassifier(tariff));
  }

  /** Adds a journaled meter sample (in time order). */
  addSample(atMs: number, importWh: number): void {
    this.curve.append(atMs, importWh);
  }

  /** Adds a timeline event (energy-flow-started, charging-completed …). */
  addEvent(event: TimelineEvent): void {
    this.events.push(event);
  }

  /** Records the stop with the register's final reading; the cost becomes final. */
  stop(stopAtMs: number, meterStopWh: number): void {
    this.curve.append(stopAtMs, meterStopWh);
    this.session = { ...this.session, stopAtMs };
  }

  /** Records the unplug, which ends the idle time after the stop. */
  unplug(unplugAtMs: number): void {
    this.session = { ...this.session, unplugAtMs };
  }

  /** The session's timeline at `nowMs` (plug-in, charging, idle …). */
  timeline(nowMs: number): SessionTimeline {
    return buildTimeline(this.session, this.events, nowMs);
  }

  /** The cost at `nowMs`. */
  cost(nowMs: number): CostBreakdown {
    const billed = billedFacts(this.tariff, this.session, this.events);
    const timeline = buildTimeline(billed.session, billed.events, nowMs);
    return costFromParts(this.tariff, this.stationTimeZone, this.curve, timeline, nowMs, this.bandSplitter);
  }
}
