/**
 * The 2.0.1 client's events, assembled: NotifyEvent rows in the outbox (notify-events.ts) and the faults reported
 * through them (fault-events.ts). Made before the device model, whose fault variables read the active faults.
 */
import type { KeyValueStore, OutboxKind, OutboxStore } from '../../../journal/ports.js';
import type { Logger } from '../../../logger.js';
import type { ChargePointPort } from '../../charge-point-port.js';
import { FaultEvents201 } from './fault-events.js';
import { NotifyEvents201 } from './notify-events.js';

export interface Events201 {
  readonly notifyEvents: NotifyEvents201;
  readonly faults: FaultEvents201;
}

export function createEvents201(deps: {
  readonly outbox: OutboxStore;
  readonly kv: KeyValueStore;
  readonly logger: Logger;
  readonly port: ChargePointPort;
  /** Wakes the sender (bound late: the sender is made after the device model). */
  readonly kick: () => void;
  readonly unsupported: (kind: OutboxKind) => boolean;
}): Events201 {
  const notifyEvents = new NotifyEvents201({ outbox: deps.outbox, kv: deps.kv, logger: deps.logger, onEnqueued: () => deps.kick(), unsupported: deps.unsupported });
  const faults = new FaultEvents201({
    logger: deps.logger,
    enqueue: (event) => notifyEvents.enqueue(event),
    activeSessionId: () => deps.port.activeSession()?.sessionId ?? null,
    kv: deps.kv,
  });
  return { notifyEvents, faults };
}
