/**
 * BootNotification and Heartbeat. The boot is sent once per process start, on the first open link (and again on
 * TriggerMessage); until the CSMS accepts it nothing else leaves the station (Pending: only answers to the CSMS's calls;
 * Rejected: nothing), and it is retried after the interval the CSMS gave. Accepted sets the clock from the CSMS and
 * the heartbeat interval. The heartbeat doubles as the application-level liveness check: a Heartbeat that gets no
 * answer replaces the socket (see OcppConnection.call).
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import type { ConfigurationKeys } from './config-keys.js';
import type { OcppConnection } from './connection.js';

export type RegistrationStatus = 'NotSent' | 'Accepted' | 'Pending' | 'Rejected';

export interface BootIdentity {
  readonly chargePointVendor: string;
  readonly chargePointModel: string;
  readonly chargePointSerialNumber?: string;
  readonly chargeBoxSerialNumber?: string;
  readonly firmwareVersion?: string;
  readonly meterType?: string;
  readonly meterSerialNumber?: string;
}

export interface RegistrationOptions {
  readonly connection: Pick<OcppConnection, 'call' | 'isOpen' | 'onOpen' | 'onClose'>;
  readonly keys: ConfigurationKeys;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly boot: BootIdentity;
  /** Wall time given by the CSMS (BootNotification.conf / Heartbeat.conf currentTime), epoch ms. */
  readonly onCsmsTime?: (csmsNowMs: number) => void;
  /** Retry delay when Pending/Rejected came with interval 0, or the boot got a CALLERROR, seconds. */
  readonly fallbackRetryS?: number;
}

export class Registration {
  private state: RegistrationStatus = 'NotSent';
  private retryTimer: TimerHandle | null = null;
  private heartbeatTimer: TimerHandle | null = null;
  private booting = false;
  /** Between start() and stop(): only then may an answer arm the heartbeat or a boot retry. */
  private running = false;
  private readonly acceptedListeners = new Set<() => void>();
  private readonly unsubscribers: (() => void)[] = [];
  private lastCsmsTimeMs: number | null = null;

  constructor(private readonly options: RegistrationOptions) {}

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
    const { connection, keys } = this.options;
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
      keys.onChange((key) => {
        if (key === 'HeartbeatInterval' && this.state === 'Accepted' && connection.isOpen()) this.armHeartbeat();
      }),
    );
    if (connection.isOpen()) void this.sendBoot();
  }

  stop(): void {
    this.running = false;
    for (const u of this.unsubscribers.splice(0)) u();
    this.disarmHeartbeat();
    if (this.retryTimer) this.options.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Sends BootNotification now (first open link, retry, or TriggerMessage). Resolves with the CSMS's status. */
  async sendBoot(): Promise<RegistrationStatus> {
    if (this.booting || !this.options.connection.isOpen()) return this.state;
    this.booting = true;
    const { connection, logger, keys } = this.options;
    try {
      const conf = await connection.call<{ status: 'Accepted' | 'Pending' | 'Rejected'; currentTime: string; interval: number }>(
        'BootNotification',
        { ...this.options.boot },
      );
      this.takeCsmsTime(conf.currentTime);
      const previous = this.state;
      this.state = conf.status;
      logger.info({ status: conf.status, interval: conf.interval }, 'BootNotification answered');
      if (conf.status === 'Accepted') {
        if (conf.interval > 0) await keys.change('HeartbeatInterval', String(conf.interval));
        this.armHeartbeat();
        if (previous !== 'Accepted') this.notifyAccepted();
      } else {
        this.scheduleBootRetry(conf.interval > 0 ? conf.interval : (this.options.fallbackRetryS ?? 60));
      }
    } catch (err) {
      // A network failure re-sends on the next open link; a CALLERROR retries after the fallback.
      logger.warn({ error: (err as Error).message }, 'BootNotification failed');
      if (connection.isOpen()) this.scheduleBootRetry(this.options.fallbackRetryS ?? 60);
    } finally {
      this.booting = false;
    }
    return this.state;
  }

  /** Sends one Heartbeat now; resolves false when it got no answer. */
  async sendHeartbeat(): Promise<boolean> {
    try {
      const conf = await this.options.connection.call<{ currentTime: string }>('Heartbeat', {});
      this.takeCsmsTime(conf.currentTime);
      return true;
    } catch (err) {
      this.options.logger.warn({ error: (err as Error).message }, 'Heartbeat failed');
      return false;
    }
  }

  private takeCsmsTime(currentTime: string): void {
    const ms = Date.parse(currentTime);
    if (!Number.isFinite(ms)) return;
    this.lastCsmsTimeMs = this.options.clock.nowMs();
    this.options.onCsmsTime?.(ms);
  }

  private notifyAccepted(): void {
    for (const listener of this.acceptedListeners) listener();
  }

  private scheduleBootRetry(seconds: number): void {
    if (this.retryTimer) this.options.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (!this.running) return;
    this.retryTimer = this.options.clock.setTimeout(() => {
      this.retryTimer = null;
      void this.sendBoot();
    }, seconds * 1000);
  }

  private armHeartbeat(): void {
    this.disarmHeartbeat();
    // After stop() (an answer that came late): a timer now would outlive the uplink and hold the process.
    if (!this.running) return;
    const intervalS = this.options.keys.int('HeartbeatInterval');
    if (intervalS <= 0) return;
    this.heartbeatTimer = this.options.clock.setInterval(() => void this.sendHeartbeat(), intervalS * 1000);
  }

  private disarmHeartbeat(): void {
    if (this.heartbeatTimer) this.options.clock.clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }
}
