/**
 * StatusNotification for connectors 0 and 1: a status change is reported once it has lasted MinimumStatusDuration
 * seconds (a flicker shorter than that is never reported), through the outbox so it is kept while offline.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { OutboxKind, OutboxStore } from '../journal/ports.js';
import type { Logger } from '../logger.js';
import type { ChargePointPort, ConnectorStatusSnapshot } from './charge-point-port.js';

export interface StatusReporterOptions {
  readonly port: ChargePointPort;
  readonly outbox: OutboxStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** MinimumStatusDuration, seconds. */
  readonly minimumStatusDurationS: () => number;
  /** Called after a notification was enqueued (wakes the outbox sender). */
  readonly onEnqueued: () => void;
  /** True when the CSMS said it does not implement a kind: no StatusNotification is journaled for it. */
  readonly unsupported?: (kind: OutboxKind) => boolean;
}

const CONNECTORS = [0, 1] as const;

/** The payload of a StatusNotification.req. */
export function statusNotificationPayload(connectorId: 0 | 1, s: ConnectorStatusSnapshot): Record<string, unknown> {
  return {
    connectorId,
    errorCode: s.errorCode,
    status: s.status,
    timestamp: new Date(s.sinceMs).toISOString(),
    ...(s.info ? { info: s.info.slice(0, 50) } : {}),
    ...(s.vendorErrorCode ? { vendorErrorCode: s.vendorErrorCode.slice(0, 50) } : {}),
  };
}

function sameStatus(a: ConnectorStatusSnapshot | undefined, b: ConnectorStatusSnapshot): boolean {
  return a !== undefined && a.status === b.status && a.errorCode === b.errorCode && a.info === b.info && a.vendorErrorCode === b.vendorErrorCode;
}

export class StatusReporter {
  private readonly reported = new Map<0 | 1, ConnectorStatusSnapshot>();
  private readonly timers = new Map<0 | 1, TimerHandle>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly options: StatusReporterOptions) {}

  start(): void {
    this.unsubscribe ??= this.options.port.onStatusChange((connectorId, s) => this.changed(connectorId, s));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const t of this.timers.values()) this.options.clock.clearTimeout(t);
    this.timers.clear();
  }

  /** Reports every connector's current status now (after BootNotification was accepted, or on TriggerMessage). */
  async reportAll(connectorIds: readonly (0 | 1)[] = CONNECTORS): Promise<void> {
    for (const connectorId of connectorIds) await this.enqueue(connectorId, this.options.port.connectorStatus(connectorId));
  }

  private changed(connectorId: 0 | 1, s: ConnectorStatusSnapshot): void {
    const pending = this.timers.get(connectorId);
    if (pending) this.options.clock.clearTimeout(pending);
    this.timers.delete(connectorId);
    const minimumMs = this.options.minimumStatusDurationS() * 1000;
    if (minimumMs <= 0) {
      void this.enqueueIfNew(connectorId, s);
      return;
    }
    this.timers.set(
      connectorId,
      this.options.clock.setTimeout(() => {
        this.timers.delete(connectorId);
        void this.enqueueIfNew(connectorId, this.options.port.connectorStatus(connectorId));
      }, minimumMs),
    );
  }

  private async enqueueIfNew(connectorId: 0 | 1, s: ConnectorStatusSnapshot): Promise<void> {
    if (sameStatus(this.reported.get(connectorId), s)) return;
    await this.enqueue(connectorId, s);
  }

  private async enqueue(connectorId: 0 | 1, s: ConnectorStatusSnapshot): Promise<void> {
    this.reported.set(connectorId, s);
    if (this.options.unsupported?.('StatusNotification') === true) return;
    try {
      await this.options.outbox.enqueue('StatusNotification', null, statusNotificationPayload(connectorId, s));
      this.options.onEnqueued();
    } catch (err) {
      this.options.logger.error({ connectorId, error: (err as Error).message }, 'could not journal a StatusNotification');
    }
  }
}
