/**
 * B01–B04: BootNotification and Heartbeat in OCPP 2.0.1. The boot goes once per process start on the first open link,
 * with the reason of this start. Until the CSMS accepts it nothing else leaves (the outbox waits on `isAccepted`):
 * Pending still answers the CSMS's calls, Rejected answers and sends nothing; either is retried after the interval the
 * CSMS gave. Accepted stores the interval as OCPPCommCtrlr.HeartbeatInterval, takes the CSMS's time (the clock-trust
 * path 1.6 uses) and starts the heartbeat, which doubles as the liveness check of the link (see OcppConnection.call).
 */
import type { Clock, TimerHandle } from '../../clock.js';
import type { Logger } from '../../logger.js';
import type { OcppConnection } from '../connection.js';
import type { RegistrationStatus } from '../registration.js';
import type { BootReason } from './boot-reason.js';
import type { DeviceModel } from './device-model/device-model.js';

export type { RegistrationStatus };

/** ChargingStationType of BootNotification. */
export interface ChargingStationIdentity {
  readonly vendorName: string;
  readonly model: string;
  readonly serialNumber?: string;
  readonly firmwareVersion?: string;
}

export interface Registration201Options {
  readonly connection: Pick<OcppConnection, 'call' | 'isOpen' | 'onOpen' | 'onClose'>;
  readonly deviceModel: DeviceModel;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly station: ChargingStationIdentity;
  readonly reason: BootReason;
  /** Wall time given by the CSMS (BootNotification / Heartbeat currentTime), epoch ms. */
  readonly onCsmsTime?: (csmsNowMs: number) => void;
  /** Retry delay when Pending/Rejected came with interval 0, or the boot got a CALLERROR, seconds. */
  readonly fallbackRetryS?: number;
}

interface BootAnswer {
  readonly status: 'Accepted' | 'Pending' | 'Rejected';
  readonly currentTime: string;
  readonly interval: number;
}

export class Registration201 {
  private state: RegistrationStatus = 'NotSent';
  private retryTimer: TimerHandle | null = null;
  private heartbeatTimer: TimerHandle | null = null;
  private booting = false;
  private running = false;
  private readonly acceptedListeners = new Set<() => void>();
  private readonly unsubscribers: (() => void)[] = [];

  constructor(private readonly options: Registration201Options) {}

  status(): RegistrationStatus {
    return this.state;
  }

  isAccepted(): boolean {
    return this.state === 'Accepted';
  }

  /** Called on the transition into Accepted and on every reconnect while Accepted. */
  onAccepted(listener: () => void): () => void {
    this.acceptedListeners.add(listener);
    return () => this.acceptedListeners.delete(listener);
  }

  start(): void {
    const { connection, deviceModel } = this.options;
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
      deviceModel.onChange((component, variable) => {
        if (component.name === 'OCPPCommCtrlr' && variable.name === 'HeartbeatInterval' && this.state === 'Accepted' && connection.isOpen()) this.armHeartbeat();
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

  /**
   * Sends BootNotification now (first open link, a retry, or TriggerMessage: pass 'Triggered'). Resolves with the
   * CSMS's status.
   */
  async sendBoot(reason: BootReason = this.options.reason): Promise<RegistrationStatus> {
    if (this.booting || !this.options.connection.isOpen()) return this.state;
    this.booting = true;
    const { connection, logger, deviceModel, station } = this.options;
    try {
      const conf = await connection.call<BootAnswer>('BootNotification', { reason, chargingStation: { ...station } });
      this.takeCsmsTime(conf.currentTime);
      const previous = this.state;
      this.state = conf.status;
      logger.info({ status: conf.status, interval: conf.interval, reason }, 'BootNotification answered');
      if (conf.status === 'Accepted') {
        if (conf.interval > 0) {
          await deviceModel.setOwn('OCPPCommCtrlr', 'HeartbeatInterval', String(conf.interval)).catch((err: unknown) => {
            // Not stored: the interval still applies now (the journal's failure is reported by the journal).
            logger.warn({ error: (err as Error).message }, 'could not store the heartbeat interval');
          });
        }
        this.armHeartbeat(conf.interval > 0 ? conf.interval : undefined);
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
    if (Number.isFinite(ms)) this.options.onCsmsTime?.(ms);
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

  private armHeartbeat(intervalS = this.options.deviceModel.int('OCPPCommCtrlr', 'HeartbeatInterval')): void {
    this.disarmHeartbeat();
    if (!this.running || intervalS <= 0) return;
    this.heartbeatTimer = this.options.clock.setInterval(() => void this.sendHeartbeat(), intervalS * 1000);
  }

  private disarmHeartbeat(): void {
    if (this.heartbeatTimer) this.options.clock.clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }
}
