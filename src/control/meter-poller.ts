import { MeterReadError, type EnergyMeter, type MeterSample } from '../../hal/meter.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import type { FaultRegistry } from './fault-registry.js';

export interface MeterPollerOptions {
  readonly intervalMs: number;
  /** Consecutive failed reads before meter-lost. */
  readonly maxFailures: number;
  /** Time without a good sample before meter-lost. */
  readonly maxSilenceMs: number;
}

/**
 * Polls the meter at the sampling interval, one read at a time. Failures are counted; after `maxFailures` in a row or
 * `maxSilenceMs` without a good sample the meter-lost fault is raised, and the first good sample clears it.
 * An implausible value raises meter-anomaly (a warning) and is dropped. Only fresh samples reach listeners.
 */
export class MeterPoller {
  private latestSample: MeterSample | null = null;
  private lastGoodMono: number;
  private failures = 0;
  private timer: TimerHandle | undefined;
  private inFlight: Promise<MeterSample | null> | null = null;
  private running = false;
  private readonly listeners = new Set<(s: MeterSample) => void>();

  /**
   * `ioClock` measures silence: the meter answers in real time, so under `evse sim --speed N` silence is judged on the
   * real clock while polling follows the station's (accelerated) clock. On a station both are the same clock.
   */
  constructor(
    private readonly meter: EnergyMeter,
    private readonly options: MeterPollerOptions,
    private readonly clock: Clock,
    private readonly faults: FaultRegistry,
    private readonly log: Logger,
    private readonly ioClock: Clock = clock,
  ) {
    this.lastGoodMono = ioClock.monotonicMs();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastGoodMono = this.ioClock.monotonicMs();
    this.schedule(0);
  }

  /** Stops polling and waits for a read in flight. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** The newest good sample, or null before the first. */
  latest(): MeterSample | null {
    return this.latestSample;
  }

  onSample(listener: (s: MeterSample) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sample listeners subscribed now (leak checks). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /**
   * A sample taken now (after any read in flight), for meterStart/meterStop. Falls back to the latest good sample
   * when the meter does not answer.
   */
  async readNow(): Promise<MeterSample | null> {
    const fresh = await this.poll();
    return fresh ?? this.latestSample;
  }

  /** Called from the control tick: raises meter-lost on silence even while a read hangs. */
  checkSilence(): void {
    if (!this.running) return;
    if (this.ioClock.monotonicMs() - this.lastGoodMono >= this.options.maxSilenceMs) {
      this.faults.raise('meter-lost', `no good sample for ${Math.round(this.options.maxSilenceMs / 1000)} s`);
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      const started = this.clock.monotonicMs();
      void this.poll().then(() => {
        const elapsed = this.clock.monotonicMs() - started;
        this.schedule(Math.max(0, this.options.intervalMs - elapsed));
      });
    }, delayMs);
  }

  /** One read, queued behind any read in flight (the meter contract allows no concurrent reads); never rejects. */
  private poll(): Promise<MeterSample | null> {
    const previous = this.inFlight ?? Promise.resolve(null);
    const read = previous.then(() => this.readOnce());
    this.inFlight = read;
    void read.finally(() => {
      if (this.inFlight === read) this.inFlight = null;
    });
    return read;
  }

  private readOnce(): Promise<MeterSample | null> {
    return this.meter.read().then(
      (sample) => {
        this.failures = 0;
        this.lastGoodMono = this.ioClock.monotonicMs();
        this.latestSample = sample;
        this.faults.conditionGone('meter-lost');
        for (const l of [...this.listeners]) l(sample);
        return sample;
      },
      (err: unknown) => {
        const kind = err instanceof MeterReadError ? err.kind : 'port';
        if (kind === 'implausible') {
          this.faults.raise('meter-anomaly', (err as Error).message);
          this.faults.conditionGone('meter-anomaly');
          this.log.warn({ err: (err as Error).message }, 'meter anomaly: reading discarded');
        } else {
          this.failures += 1;
          if (this.failures >= this.options.maxFailures) {
            this.faults.raise('meter-lost', `${this.failures} failed reads in a row (last: ${kind})`);
          }
        }
        this.checkSilence();
        return null;
      },
    );
  }
}
