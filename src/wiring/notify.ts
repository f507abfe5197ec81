import type { StationConfig } from '../config/schema.js';
import type { Journal } from '../journal/journal.js';
import type { Logger } from '../logger.js';
import type { CsmsChannelDeps } from '../notify/csms-channel.js';
import type { AlertPublisher } from '../notify/mqtt-channel.js';
import { startNotifier, type Notifier, type NotifierDeps } from '../notify/notifier.js';
import { isOcpp201, type StationUplink } from './uplink.js';

export type { Notifier };

/**
 * Starts the alert channels of the `alerts` section on the journal's alert log: the CSMS through the uplink's outbox
 * (when there is an uplink), webhook, email, and MQTT through the station's broker link (when there is one). Returns
 * at once; every channel runs its own loop, off the control path. Stop it before the uplink and the journal.
 */
export function startAlertNotifier(deps: {
  readonly config: StationConfig;
  readonly journal: Journal;
  readonly uplink: StationUplink | null;
  readonly mqtt: AlertPublisher | null;
  readonly logger: Logger;
  readonly tuning?: NotifierDeps['tuning'];
}): Notifier {
  const { journal, uplink } = deps;
  return startNotifier({
    config: deps.config.alerts,
    stationId: deps.config.station.id,
    queue: journal,
    log: deps.logger,
    ...(uplink ? { csms: csmsChannelDeps(journal, uplink) } : {}),
    ...(deps.mqtt ? { mqtt: deps.mqtt } : {}),
    ...(deps.tuning ? { tuning: deps.tuning } : {}),
  });
}

/**
 * The CSMS channel on the uplink's outbox. SecurityEventNotification has the same shape in both versions; over 2.0.1
 * the other alerts go as NotifyEvent (as the DataTransfer, which the 2.0.1 uplink delivers too, once the CSMS said it
 * does not implement NotifyEvent), over 1.6 as DataTransfer.
 */
export function csmsChannelDeps(outbox: CsmsChannelDeps['outbox'], uplink: StationUplink): CsmsChannelDeps {
  return {
    outbox,
    outboxChanged: () => uplink.outboxChanged(),
    isUnsupported: (kind) => uplink.isUnsupported(kind),
    ...(isOcpp201(uplink) ? { notifyEvent: (event) => uplink.notifyEvents.enqueue(event) } : {}),
  };
}
