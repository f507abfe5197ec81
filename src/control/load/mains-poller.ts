import { MeterReadError, type EnergyMeter, type MeterSample } from '../../../hal/meter.js';
import type { Clock, TimerHandle } from '../../clock.js';
import type { Logger } from '../../logger.js';
import type { EvDraw, LoadLimit, LoadManager } from './load-manager.js';
import type { MainsReading } from './mains-reading.js';

export interface MainsPollerOptions {
  readonly intervalMs: number;
  /** Consecutive failed (or implausible) reads before the meter counts as lost. */
  readonly maxFailures: number;
}

/** What the poller tells its owner: the limit changed, the meter was lost or came back. */
export interface MainsPollerEvents {
  readonly onLimit: (limit: LoadLimit | null) => void;
  readonly onLost: (why: string) => void;
  readonly onBack: () => void;
}

/** Failed reads of the mains meter by kind ('implausible' counts readings refused by the load manager too). */
export type MainsErrorCounts = Record<string, number>;

/**
 * Polls the mains meter, one read at a time, and feeds each reading with the EV meter's latest draw to the
 * {@link LoadManager}. `maxFailures` failed or implausible reads in a row make the meter lost: the manager falls back
 * (never "the building is idle") and the owner raises the fault; the first good reading ends it.
 */
export class MainsPoller {
  private timer: TimerHandle | undefined;
  private running = false;
  private inFlight: Promise<void> | null = null;
  private failures = 0;
  private lost = false;
  private readonly errors: MainsErrorCounts = {};
  private latestSample: MeterSample | null = null;

  constructor(
    private readonly meter: EnergyMeter,
    private readonly manager: LoadManager,
    private readonly evDraw: () => EvDraw,
    private readonly options: MainsPollerOptions,
    private readonly clock: Clock,
    private readonly events: MainsPollerEvents,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** Failed reads by kind since start. */
  errorCounts(): MainsErrorCounts {
    return { ...this.errors };
  }

  /** The last good mains sample (null before the first). */
  latest(): MeterSample | null {
    return this.latestSample;
  }

  /** Whether the meter counts as lost now. */
  get isLost(): boolean {
    return this.lost;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      const started = this.clock.monotonicMs();
      const read = this.readOnce();
      this.inFlight = read;
      void read.finally(() => {
        this.inFlight = null;
        this.schedule(Math.max(0, this.options.intervalMs - (this.clock.monotonicMs() - started)));
      });
    }, delayMs);
  }

  private async readOnce(): Promise<void> {
    let sample: MeterSample;
    try {
      sample = await this.meter.read();
    } catch (err) {
      this.failed(err instanceof MeterReadError ? err.kind : 'port', err instanceof Error ? err.message : String(err));
      return;
    }
    if (!this.running) return;
    const { limit, health } = this.manager.onReading(toMainsReading(sample, this.clock.monotonicMs()), this.evDraw());
    if (!health.ok) {
      // The manager already fell back for this reading; it counts as a failed read.
      this.failed('implausible', health.why, limit);
      return;
    }
    this.latestSample = sample;
    this.failures = 0;
    if (this.lost) {
      this.lost = false;
      this.log.info('mains meter back');
      this.events.onBack();
    }
    this.events.onLimit(limit);
  }

  private failed(kind: string, message: string, fallback?: LoadLimit | null): void {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
    this.failures += 1;
    this.log.debug({ kind, err: message }, 'mains meter read failed');
    if (this.failures < this.options.maxFailures) {
      // A single failed read keeps the last limit: the fuse arithmetic of a second ago still holds.
      if (fallback !== undefined) this.events.onLimit(fallback);
      return;
    }
    const why = `${this.failures} failed reads of the mains meter in a row (last: ${kind}: ${message})`;
    const limit = this.manager.onLost(why);
    this.events.onLimit(limit);
    if (!this.lost) {
      this.lost = true;
      this.log.warn({ why }, 'mains meter lost: load management falls back to its safe current');
      this.events.onLost(why);
    }
  }
}

/**
 * A mains meter sample as a signed reading: meters report current as a magnitude and the direction in the sign of the
 * power, so each phase's current takes its power's sign (export negative).
 */
export function toMainsReading(sample: MeterSample, monoMs: number): MainsReading {
  const signed = (i: number): number => {
    const p = sample.phases[i];
    if (p === undefined) return 0;
    return p.powerW < 0 ? -Math.abs(p.currentA) : Math.abs(p.currentA);
  };
  return { currentsA: [signed(0), signed(1), signed(2)], powerW: sample.totalPowerW, monoMs };
}
