import type { Logger } from '../logger.js';
import type { AlertsConfig } from './config.js';
import { CsmsAlertChannel, type CsmsChannelDeps } from './csms-channel.js';
import { ChannelDispatcher, type DispatcherOptions } from './dispatcher.js';
import { EmailAlertChannel } from './email-channel.js';
import { MqttAlertChannel, type AlertPublisher } from './mqtt-channel.js';
import type { AlertChannel, AlertQueue } from './types.js';
import { WebhookAlertChannel } from './webhook-channel.js';

export interface NotifierDeps {
  readonly config: AlertsConfig | undefined;
  readonly stationId: string;
  /** The journal's alert log. */
  readonly queue: AlertQueue;
  readonly log: Logger;
  /** The uplink's outbox, when a CSMS is configured; without it the CSMS channel is off (and says so). */
  readonly csms?: CsmsChannelDeps;
  /** The station's MQTT link, when the `mqtt` section is configured. */
  readonly mqtt?: AlertPublisher;
  /** Dispatcher tuning (tests: short backoff and poll). */
  readonly tuning?: Pick<DispatcherOptions, 'backoff' | 'pollMs' | 'batch' | 'refusedTries' | 'random'>;
}

export interface Notifier {
  readonly dispatchers: readonly ChannelDispatcher[];
  /** Stops every channel's loop (a send in flight is aborted); cursors stay in the journal. */
  stop(): Promise<void>;
}

/**
 * Starts one independent delivery loop per enabled channel of the `alerts` section. Returns at once: the loops
 * register their cursors and deliver in the background, none waits on another.
 */
export function startNotifier(deps: NotifierDeps): Notifier {
  const { config, log } = deps;
  const nlog = log.child({ module: 'notify' });
  const dispatchers: ChannelDispatcher[] = [];
  const add = (channel: AlertChannel, filter: { minSeverity: 'info' | 'warn' | 'critical'; driverEvents: boolean }): void => {
    dispatchers.push(new ChannelDispatcher({ queue: deps.queue, channel, filter, log: nlog, ...deps.tuning }));
  };
  if (config?.csms?.enabled === true) {
    if (deps.csms) add(new CsmsAlertChannel(deps.csms), config.csms);
    else nlog.warn('alerts.csms is enabled but no CSMS is configured (ocpp.url): alerts are not sent to a CSMS');
  }
  if (config?.webhook?.enabled === true) add(new WebhookAlertChannel(config.webhook, deps.stationId, nlog.child({ channel: 'webhook' })), config.webhook);
  if (config?.email?.enabled === true) add(new EmailAlertChannel(config.email, deps.stationId, nlog.child({ channel: 'email' })), config.email);
  if (config?.mqtt?.enabled === true) {
    if (deps.mqtt) add(new MqttAlertChannel(deps.mqtt, deps.stationId), config.mqtt);
    else nlog.warn('alerts.mqtt is enabled but the station has no MQTT link: alerts are not published');
  }
  for (const d of dispatchers) d.start();
  if (dispatchers.length > 0) nlog.info({ channels: dispatchers.map((d) => d.name) }, 'alert channels started');
  let stopping: Promise<void> | null = null;
  return {
    dispatchers,
    stop() {
      stopping ??= Promise.all(dispatchers.map((d) => d.stop())).then(() => undefined);
      return stopping;
    },
  };
}
