import type { Logger } from '../logger.js';
import { reconnectDelayMs, type BackoffOptions } from '../ocpp/backoff.js';
import type { ChannelFilterConfig } from './config.js';
import { channelWants } from './filter.js';
import type { AlertChannel, AlertQueue, DeliveryResult, NotifyAlert } from './types.js';

export interface DispatcherOptions {
  readonly queue: AlertQueue;
  readonly channel: AlertChannel;
  readonly filter: ChannelFilterConfig;
  /** Logs with `channel: <name>` added. */
  readonly log: Logger;
  /** Alerts read (and held) at once: the channel's memory bound. */
  readonly batch?: number;
  /** The fallback poll when no wake-up came (a raise missed, a journal hiccup), ms. */
  readonly pollMs?: number;
  /** Retry backoff after a failed delivery: 1 s doubling to 5 min, ± 25 % jitter. */
  readonly backoff?: BackoffOptions;
  /** Tries of an alert the peer refuses (HTTP 4xx) before it is dropped. */
  readonly refusedTries?: number;
  readonly random?: () => number;
}

const RETRY_AFTER_MAX_MS = 300_000;
const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 300_000, jitter: 0.25 };

/**
 * One channel's delivery loop: its own cursor in the journal, its own backoff, its own timers. Nothing waits on it
 * (the station, the control core, another channel): `start()` returns at once, a failing peer only delays this
 * channel's next try. At most `batch` alerts are held; the backlog itself stays in the journal.
 */
export class ChannelDispatcher {
  private readonly log: Logger;
  private readonly batch: number;
  private readonly pollMs: number;
  private readonly backoff: BackoffOptions;
  private readonly refusedTries: number;
  private readonly random: () => number;
  private stopped = false;
  private running: Promise<void> | null = null;
  private unsubscribe: () => void = () => undefined;
  private wakeUp: (() => void) | null = null;
  /** A wake-up that came while the loop was busy: the next idle wait returns at once. */
  private woken = false;
  private failures = 0;
  /** The alert the peer refused, and how often. */
  private refused: { id: number; tries: number } | null = null;
  /** The first alert of the batch being gathered (a digest) and when gathering began (monotonic ms). */
  private gathering: { id: number; sinceMs: number } | null = null;
  private delivered = 0;
  private onStop: () => void = () => undefined;
  /** Resolves on stop(): a send in flight is not waited for (it may still complete; then it is sent again next start). */
  private readonly stopSignal = new Promise<DeliveryResult>((resolve) => {
    this.onStop = () => resolve({ done: 0, failure: { error: 'stopped' } });
  });

  constructor(private readonly options: DispatcherOptions) {
    this.log = options.log.child({ channel: options.channel.name });
    this.batch = options.batch ?? 20;
    this.pollMs = options.pollMs ?? 60_000;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.refusedTries = options.refusedTries ?? 3;
    this.random = options.random ?? Math.random;
  }

  get name(): string {
    return this.options.channel.name;
  }

  /** Alerts this channel delivered since start (filtered-out and dropped ones not counted). */
  deliveredCount(): number {
    return this.delivered;
  }

  start(): void {
    if (this.running) return;
    this.unsubscribe = this.options.queue.onAlertRaised((_id, isNew) => {
      if (isNew) this.wake();
    });
    this.running = this.loop();
  }

  /** Ends the loop: the channel is closed (aborting a send in flight), the cursor stays where the journal has it. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe();
    this.wake();
    this.onStop();
    try {
      await this.options.channel.close?.();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'alert channel close failed');
    }
    await this.running;
  }

  /** A new alert: the loop reads the journal now rather than at its next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async loop(): Promise<void> {
    const { queue, channel } = this.options;
    let registered = false;
    while (!this.stopped) {
      try {
        if (!registered) {
          await queue.registerAlertChannel(channel.name);
          registered = true;
          this.log.info('alert channel started');
        }
        this.woken = false;
        const { alerts, skipped } = await queue.pendingAlerts(channel.name, this.batch);
        if (skipped > 0) this.log.warn({ skipped }, 'alert backlog beyond its bound: the oldest alerts were skipped for this channel');
        if (alerts.length === 0) {
          this.failures = 0;
          await this.pause(this.pollMs, true);
          continue;
        }
        await this.deliver(alerts);
      } catch (err) {
        // The journal (cursor, queue) failed, or a channel broke its promise not to throw: the same backoff.
        await this.retryLater({ done: 0, failure: { error: (err as Error).message } });
      }
    }
  }

  /** Sends what the channel wants of `alerts`, confirms what is done, and backs off on a failure. */
  private async deliver(alerts: readonly NotifyAlert[]): Promise<void> {
    const { queue, channel, filter } = this.options;
    const wanted = alerts.filter((a) => channelWants(a, filter, channel));
    const last = alerts[alerts.length - 1]!;
    if (wanted.length === 0) {
      // Nothing for this channel: the cursor moves past them unsent.
      await queue.confirmAlertDelivery(channel.name, last.id);
      return;
    }
    const gatherMs = channel.gatherMs ?? 0;
    if (gatherMs > 0 && wanted.length < this.batch) {
      const first = wanted[0]!;
      if (this.gathering?.id !== first.id) this.gathering = { id: first.id, sinceMs: performance.now() };
      const left = this.gathering.sinceMs + gatherMs - performance.now();
      if (left > 0) {
        await this.pause(left, false);
        return;
      }
    }
    let result: DeliveryResult;
    try {
      result = await Promise.race([channel.send(wanted), this.stopSignal]);
    } catch (err) {
      result = { done: 0, failure: { error: (err as Error).message } };
    }
    if (this.stopped && result.failure) return;
    const done = Math.max(0, Math.min(result.done, wanted.length));
    this.delivered += done;
    if (!result.failure || done >= wanted.length) {
      this.failures = 0;
      this.refused = null;
      this.gathering = null;
      if (done > 0) this.log.info({ alerts: wanted.slice(0, done).map((a) => a.id) }, 'alerts delivered');
      await queue.confirmAlertDelivery(channel.name, last.id);
      return;
    }
    const stuck = wanted[done]!;
    // Everything before the first undelivered alert is done (delivered or filtered out).
    const before = alerts.filter((a) => a.id < stuck.id);
    if (before.length > 0) await queue.confirmAlertDelivery(channel.name, before[before.length - 1]!.id);
    if (done > 0) this.log.info({ alerts: wanted.slice(0, done).map((a) => a.id) }, 'alerts delivered');
    if (result.failure.refused === true) {
      this.refused = this.refused?.id === stuck.id ? { id: stuck.id, tries: this.refused.tries + 1 } : { id: stuck.id, tries: 1 };
      if (this.refused.tries >= this.refusedTries) {
        this.log.error(
          { alert: stuck.id, code: stuck.code, tries: this.refused.tries, err: result.failure.error },
          'the receiver refuses this alert: dropped for this channel',
        );
        this.refused = null;
        await queue.confirmAlertDelivery(channel.name, stuck.id);
        return;
      }
    }
    await this.retryLater(result);
  }

  private async retryLater(result: DeliveryResult): Promise<void> {
    if (this.stopped) return;
    const backoffMs = reconnectDelayMs(this.failures, this.backoff, this.random);
    this.failures += 1;
    // A receiver's Retry-After is honoured up to the same 5 minutes as the backoff: a year-long one is a bug there.
    const delayMs = Math.max(backoffMs, Math.min(result.failure?.retryAfterMs ?? 0, RETRY_AFTER_MAX_MS));
    this.log.warn({ err: result.failure?.error, retryInMs: delayMs, failures: this.failures }, 'alert delivery failed: retrying');
    await this.pause(delayMs, false);
  }

  /** Waits `ms`, or less when stopped (or, when `wakeable`, when an alert is raised). */
  private pause(ms: number, wakeable: boolean): Promise<void> {
    if (this.stopped || (wakeable && this.woken)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.wakeUp = () => {
        if (wakeable || this.stopped) done();
      };
    });
  }
}
