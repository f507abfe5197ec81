/**
 * StatusNotification in OCPP 2.0.1 (B01, G01): the status of EVSE 1 / connector 1 as ConnectorStatusEnumType, once
 * when the boot is first accepted and then on every change of that status (the 1.6 states inside Occupied do not
 * count as changes). Through the outbox's optional lane, so a change while offline is kept and delivered in order.
 */
import type { Clock } from '../../clock.js';
import type { OutboxStore } from '../../journal/ports.js';
import type { Logger } from '../../logger.js';
import type { ChargePointPort } from '../charge-point-port.js';
import { connectorStatusOf, type ConnectorStatus201 } from './status-mapping.js';

export interface StatusNotifications201Options {
  readonly port: ChargePointPort;
  readonly outbox: OutboxStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called after a notification was enqueued (wakes the outbox sender). */
  readonly onEnqueued: () => void;
}

/** The StatusNotification.req of EVSE 1 / connector 1. */
export function statusNotification201(status: ConnectorStatus201, atMs: number): Record<string, unknown> {
  return { timestamp: new Date(atMs).toISOString(), connectorStatus: status, evseId: 1, connectorId: 1 };
}

export class StatusNotifications201 {
  private lastQueued: ConnectorStatus201 | null = null;
  /** Changes are reported only after the first full report (at the first Accepted boot), which covers earlier ones. */
  private reporting = false;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly options: StatusNotifications201Options) {}

  start(): void {
    this.unsubscribe ??= this.options.port.onStatusChange(() => {
      if (this.reporting) void this.queueIfChanged(false);
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** The full report (first Accepted boot, or TriggerMessage StatusNotification): the status now, changed or not. */
  async reportAll(): Promise<void> {
    this.reporting = true;
    await this.queueIfChanged(true);
  }

  private async queueIfChanged(always: boolean): Promise<void> {
    const status = connectorStatusOf(this.options.port);
    if (!always && status === this.lastQueued) return;
    this.lastQueued = status;
    try {
      await this.options.outbox.enqueue('StatusNotification', null, statusNotification201(status, this.options.clock.nowMs()));
      this.options.onEnqueued();
    } catch (err) {
      this.options.logger.error({ status, error: (err as Error).message }, 'could not journal a StatusNotification');
    }
  }
}
