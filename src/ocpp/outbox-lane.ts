/**
 * The loop of one outbox lane: runs delivery steps one after another, sleeps between them (a kick wakes it), and
 * survives the journal: a step that rejects (the journal could not read or commit) is retried after a bounded
 * exponential back-off, reported once per outage, and reported again when a step succeeds. It never ends by itself.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { OutboxLane } from '../journal/ports.js';
import type { Logger } from '../logger.js';

/** What a delivery step did. */
export interface LaneStep {
  /** How long to sleep before the next step (0: go on at once). A kick ends the sleep early. */
  readonly waitMs: number;
  /** False when the step did not use the journal at all (link down): it says nothing about a journal outage. */
  readonly usedStore: boolean;
}

/** The journal failed the outbox: reported once per outage. */
export interface StoreFailure {
  readonly lane: OutboxLane;
  readonly error: string;
  /** When the lane tries again. */
  readonly retryInMs: number;
}

/** The journal serves the outbox again after `failures` failed steps. */
export interface StoreRecovery {
  readonly lane: OutboxLane;
  readonly failures: number;
  readonly outageMs: number;
}

export interface StoreRetry {
  /** First back-off after a failed step, ms (doubles per failure). */
  readonly initialMs: number;
  /** Longest back-off, ms. */
  readonly maxMs: number;
}

export const defaultStoreRetry: StoreRetry = { initialMs: 1_000, maxMs: 60_000 };

export interface LaneRunnerOptions {
  readonly lane: OutboxLane;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly step: () => Promise<LaneStep>;
  readonly storeRetry: StoreRetry;
  readonly onStoreError?: (failure: StoreFailure) => void;
  readonly onStoreRecovered?: (recovery: StoreRecovery) => void;
}

export class LaneRunner {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private timer: TimerHandle | null = null;
  private failures = 0;
  private failingSinceMs = 0;

  constructor(private readonly options: LaneRunnerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.interrupt();
    await this.loop;
    this.loop = null;
  }

  /** Ends a sleep between steps (a message was queued, the link opened). A store back-off is not cut short. */
  kick(): void {
    if (this.failures === 0) this.interrupt();
  }

  private interrupt(): void {
    const wake = this.wake;
    this.wake = null;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = null;
    wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = this.options.clock.setTimeout(() => {
        this.timer = null;
        if (this.wake === resolve) this.wake = null;
        resolve();
      }, Math.max(0, ms));
    });
  }

  private backoffMs(): number {
    const { initialMs, maxMs } = this.options.storeRetry;
    return Math.min(maxMs, initialMs * 2 ** Math.min(this.failures - 1, 30));
  }

  private async run(): Promise<void> {
    const { lane, logger, clock } = this.options;
    while (this.running) {
      let step: LaneStep;
      try {
        step = await this.options.step();
      } catch (err) {
        this.failures += 1;
        if (this.failures === 1) this.failingSinceMs = clock.nowMs();
        const retryInMs = this.backoffMs();
        const error = err instanceof Error ? err.message : String(err);
        logger.error({ lane, error, failures: this.failures, retryInMs }, 'outbox: the journal failed a delivery step; retrying');
        if (this.failures === 1) this.report(() => this.options.onStoreError?.({ lane, error, retryInMs }));
        await this.sleep(retryInMs);
        continue;
      }
      if (step.usedStore && this.failures > 0) {
        const recovery: StoreRecovery = { lane, failures: this.failures, outageMs: clock.nowMs() - this.failingSinceMs };
        this.failures = 0;
        logger.info(recovery, 'outbox: the journal serves delivery again');
        this.report(() => this.options.onStoreRecovered?.(recovery));
      }
      if (step.waitMs > 0) await this.sleep(step.waitMs);
    }
  }

  /** A listener that throws must not end the loop. */
  private report(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.options.logger.error({ error: (err as Error).message }, 'outbox store listener threw');
    }
  }
}
