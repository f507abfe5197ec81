import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { MeterReadError, type EnergyMeter, type MeterSample } from '../../hal/meter.js';
import type { ControllerEvent } from '../control/charger-controller.js';
import type { EventLoopLag, StationCounts } from '../web/metrics-data.js';

/** The lag figures cover the running window of this length and the one before it. */
const LAG_WINDOW_MS = 10_000;
/** Sampling resolution of the event-loop delay histogram. */
const LAG_RESOLUTION_MS = 20;
const NS_PER_S = 1e9;

/**
 * Totals the station keeps for its metrics, counted on the station's own thread from the moment it starts: faults
 * raised (from the controller's events), failed meter reads by kind (the meter is wrapped), the event-loop delay of
 * this thread (prom-client's own lag metric would measure the status page's worker instead) and resident memory.
 */
export class StationCounters {
  private readonly faultsRaised = new Map<string, number>();
  private readonly meterErrors = new Map<string, number>();
  private readonly lag: IntervalHistogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  private windowStartMs = performance.now();
  private lastWindow: EventLoopLag | null = null;

  constructor() {
    this.lag.enable();
  }

  /** Counts what the controller reports; subscribe it to the station's events. */
  readonly onEvent = (event: ControllerEvent): void => {
    if (event.type === 'fault' && event.event.type === 'raised') increment(this.faultsRaised, event.event.fault.definition.name);
  };

  /** The meter, with every failed read counted by its kind (a non-meter error counts as `port`, as the poller does). */
  countingMeter(meter: EnergyMeter): EnergyMeter {
    return {
      read: (): Promise<MeterSample> =>
        meter.read().catch((err: unknown) => {
          increment(this.meterErrors, err instanceof MeterReadError ? err.kind : 'port');
          throw err;
        }),
      close: () => meter.close(),
    };
  }

  counts(): StationCounts {
    return {
      faultsRaised: Object.fromEntries(this.faultsRaised),
      meterErrors: Object.fromEntries(this.meterErrors),
      eventLoopLag: this.eventLoopLag(),
      residentMemoryBytes: process.memoryUsage.rss(),
    };
  }

  dispose(): void {
    this.lag.disable();
  }

  /**
   * The worse of the last completed window of {@link LAG_WINDOW_MS} and the running one: a stall shows at the next
   * scrape and for one to two windows after it, whatever the scrape interval.
   */
  private eventLoopLag(): EventLoopLag {
    const now = performance.now();
    if (now - this.windowStartMs >= LAG_WINDOW_MS) {
      this.lastWindow = lagOf(this.lag);
      this.lag.reset();
      this.windowStartMs = now;
    }
    const running = lagOf(this.lag);
    const last = this.lastWindow;
    if (last === null) return running;
    return {
      meanSeconds: Math.max(last.meanSeconds, running.meanSeconds),
      p99Seconds: Math.max(last.p99Seconds, running.p99Seconds),
      maxSeconds: Math.max(last.maxSeconds, running.maxSeconds),
    };
  }
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function lagOf(h: IntervalHistogram): EventLoopLag {
  // An empty histogram reports NaN mean and huge min; nothing measured yet is no delay seen.
  if (h.count === 0) return { meanSeconds: 0, p99Seconds: 0, maxSeconds: 0 };
  // The histogram records the interval between its timer's runs; the delay is what exceeds the resolution.
  const late = (ns: number): number => Math.max(0, ns / NS_PER_S - LAG_RESOLUTION_MS / 1000);
  return { meanSeconds: late(h.mean), p99Seconds: late(h.percentile(99)), maxSeconds: late(h.max) };
}
