import type { StationConfig } from '../config/schema.js';
import type { Journal } from '../journal/journal.js';
import type { Logger } from '../logger.js';
import type { AlertPublisher } from '../notify/mqtt-channel.js';
import { startNotifier, type Notifier, type NotifierDeps } from '../notify/notifier.js';
import type { OcppClient } from '../ocpp/client.js';
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
  readonly uplink: OcppClient | null;
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
    ...(uplink
      ? { csms: { outbox: journal, outboxChanged: () => uplink.outboxChanged(), isUnsupported: (kind) => uplink.isUnsupported(kind) } }
      : {}),
    ...(deps.mqtt ? { mqtt: deps.mqtt } : {}),
    ...(deps.tuning ? { tuning: deps.tuning } : {}),
  });
}

/**
 * The uplink the CSMS alert channel can use: a 1.6 client. Over 2.0.1 the alerts' DataTransfer and
 * SecurityEventNotification rows are not delivered from the outbox yet, so the channel is left out (the others run).
 */
export function ocpp16Uplink(uplink: StationUplink | null): OcppClient | null {
  return uplink === null || isOcpp201(uplink) ? null : uplink;
}
