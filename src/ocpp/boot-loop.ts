/**
 * The boot-and-heartbeat loop both OCPP versions run (1.6 `registration.ts`, 2.0.1 `v201/registration.ts` give it
 * their message shapes and settings). The boot goes once per process start on the first open link (and again when the
 * version asks, e.g. TriggerMessage); until the CSMS accepts it nothing else leaves (the outbox waits on `isAccepted`):
 * Pending still answers the CSMS's calls, Rejected answers and sends nothing; either is retried after the interval the
 * CSMS gave (a fallback when it gave 0, or the boot got a CALLERROR). Accepted stores the interval as the version's
 * heartbeat setting and starts the heartbeat. Boot and Heartbeat answers carry the CSMS's time: the clock-trust path
 * (`onCsmsTime`). The heartbeat doubles as the liveness check of the link (see OcppConnection.call).
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import type { OcppConnection } from './connection.js';

export type RegistrationStatus = 'NotSent' | 'Accepted' | 'Pending' | 'Rejected';

/** The fields of a BootNotification answer the loop acts on: the same in 1.6 and 2.0.1. */
interface BootAnswer {
  readonly status: 'Accepted' | 'Pending' | 'Rejected';
  readonly currentTime: string;
  readonly interval: number;
}

/** A version's heartbeat interval setting (1.6 key HeartbeatInterval, 2.0.1 OCPPCommCtrlr.HeartbeatInterval). */
export interface HeartbeatIntervalSetting {
  /** The interval in force now, seconds; 0 or less: no heartbeat. */
  currentS(): number;
  /**
   * Keeps the interval an Accepted boot gave (> 0) and resolves with the interval to beat at now. A rejection fails
   * that boot like a CALLERROR does (retried after the fallback); a version that must not fail catches inside.
   */
  storeAccepted(intervalS: number): Promise<number>;
  /** Calls `listener` when the setting was changed another way (the CSMS wrote it); returns the unsubscriber. */
  onChange(listener: () => void): () => void;
}

export interface BootLoopOptions<Reason> {
  readonly connection: Pick<OcppConnection, 'call' | 'isOpen' | 'onOpen' | 'onClose'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly heartbeatInterval: HeartbeatIntervalSetting;
  /** The version's BootNotification payload for a boot sent for `reason`. */
  readonly bootPayload: (reason: Reason) => Record<string, unknown>;
  /** The reason of a boot nobody gave one for (the first open link, a retry). */
  readonly defaultReason: Reason;
  /** Wall time given by the CSMS (BootNotification / Heartbeat currentTime), epoch ms. */
  readonly onCsmsTime?: (csmsNowMs: number) => void;
  /** Retry delay when Pending/Rejected came with interval 0, or the boot got a CALLERROR, seconds (default 60). */
  readonly fallbackRetryS?: number;
}

const DEFAULT_FALLBACK_RETRY_S = 60;

export class BootLoop<Reason = undefined> {
  private state: RegistrationStatus = 'NotSent';
  private retryTimer: TimerHandle | null = null;
  private heartbeatTimer: TimerHandle | null = null;
  private booting = false;
  /** Between start() and stop(): only then may an answer arm the heartbeat or a boot retry. */
  private running = false;
  private readonly acceptedListeners = new Set<() => void>();
  private readonly unsubscribers: (() => void)[] = [];
  private lastCsmsTimeMs: number | null = null;

  constructor(private readonly loop: BootLoopOptions<Reason>) {}

  status(): RegistrationStatus {
    return this.state;
  }

  /** The CSMS has accepted the station: transaction and status messages may flow. */
  isAccepted(): boolean {
    return this.state === 'Accepted';
  }

  /** Wall time of the CSMS's last currentTime, or null before the first. */
  csmsTimeReceivedAtMs(): number | null {
    return this.lastCsmsTimeMs;
  }

  /** Called on every transition into Accepted and on every reconnect while Accepted. */
  onAccepted(listener: () => void): () => void {
    this.acceptedListeners.add(listener);
    return () => this.acceptedListeners.delete(listener);
  }

  start(): void {
    const { connection, heartbeatInterval } = this.loop;
    this.running = true;
    this.unsubscribers.push(
      connection.onOpen(() => {
        if (this.state === 'Accepted') {
          this.armHeartbeat();
          this.notifyAccepted();
        } else if (!this.retryTimer) {
          void this.sendBoot();
        }
      }),
      connection.onClose(() => this.disarmHeartbeat()),
      heartbeatInterval.onChange(() => {
        if (this.state === 'Accepted' && connection.isOpen()) this.armHeartbeat();
      }),
    );
    if (connection.isOpen()) void this.sendBoot();
  }

  stop(): void {
    this.running = false;
    for (const u of this.unsubscribers.splice(0)) u();
    this.disarmHeartbeat();
    if (this.retryTimer) this.loop.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Sends BootNotification now (first open link, a retry, or TriggerMessage). Resolves with the CSMS's status. */
  async sendBoot(reason: Reason = this.loop.defaultReason): Promise<RegistrationStatus> {
    if (this.booting || !this.loop.connection.isOpen()) return this.state;
    this.booting = true;
    const { connection, logger, heartbeatInterval } = this.loop;
    const fallbackS = this.loop.fallbackRetryS ?? DEFAULT_FALLBACK_RETRY_S;
    try {
      const conf = await connection.call<BootAnswer>('BootNotification', this.loop.bootPayload(reason));
      this.takeCsmsTime(conf.currentTime);
      const previous = this.state;
      logger.info({ status: conf.status, interval: conf.interval, ...(reason === undefined ? {} : { reason }) }, 'BootNotification answered');
      if (conf.status === 'Accepted') {
        // The interval is kept before the station counts as accepted: whoever sees Accepted reads the CSMS's interval,
        // and a failure to keep it fails this boot (retried below) without leaving an Accepted nobody was told of.
        const beatS = conf.interval > 0 ? await heartbeatInterval.storeAccepted(conf.interval) : undefined;
        this.state = 'Accepted';
        this.armHeartbeat(beatS);
        if (previous !== 'Accepted') this.notifyAccepted();
      } else {
        this.state = conf.status;
        this.scheduleBootRetry(conf.interval > 0 ? conf.interval : fallbackS);
      }
    } catch (err) {
      // A network failure re-sends on the next open link; a CALLERROR retries after the fallback.
      logger.warn({ error: (err as Error).message }, 'BootNotification failed');
      if (connection.isOpen()) this.scheduleBootRetry(fallbackS);
    } finally {
      this.booting = false;
    }
    return this.state;
  }

  /** Sends one Heartbeat now; resolves false when it got no answer. */
  async sendHeartbeat(): Promise<boolean> {
    try {
      const conf = await this.loop.connection.call<{ currentTime: string }>('Heartbeat', {});
      this.takeCsmsTime(conf.currentTime);
      return true;
    } catch (err) {
      this.loop.logger.warn({ error: (err as Error).message }, 'Heartbeat failed');
      return false;
    }
  }

  private takeCsmsTime(currentTime: string): void {
    const ms = Date.parse(currentTime);
    if (!Number.isFinite(ms)) return;
    this.lastCsmsTimeMs = this.loop.clock.nowMs();
    this.loop.onCsmsTime?.(ms);
  }

  private notifyAccepted(): void {
    for (const listener of this.acceptedListeners) listener();
  }

  private scheduleBootRetry(seconds: number): void {
    if (this.retryTimer) this.loop.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (!this.running) return;
    this.retryTimer = this.loop.clock.setTimeout(() => {
      this.retryTimer = null;
      void this.sendBoot();
    }, seconds * 1000);
  }

  private armHeartbeat(intervalS = this.loop.heartbeatInterval.currentS()): void {
    this.disarmHeartbeat();
    // After stop() (an answer that came late): a timer now would outlive the uplink and hold the process.
    if (!this.running || intervalS <= 0) return;
    this.heartbeatTimer = this.loop.clock.setInterval(() => void this.sendHeartbeat(), intervalS * 1000);
  }

  private disarmHeartbeat(): void {
    if (this.heartbeatTimer) this.loop.clock.clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }
}
