import type { ChannelFilterConfig } from './config.js';
import type { AlertChannel, AlertSeverity, NotifyAlert } from './types.js';

const RANK: Readonly<Record<AlertSeverity, number>> = { info: 0, warn: 1, critical: 2 };

/**
 * Whether a channel sends an alert. An operator alert: at or above the channel's minimum severity. A driver event:
 * when the channel subscribes to them, whatever its minimum (a session event is 'info', and subscribing means wanting
 * them). And never what the channel itself does not carry.
 */
export function channelWants(alert: NotifyAlert, filter: ChannelFilterConfig, channel: Pick<AlertChannel, 'carries'>): boolean {
  if (channel.carries && !channel.carries(alert)) return false;
  if (alert.audience === 'driver') return filter.driverEvents;
  return RANK[alert.severity] >= RANK[filter.minSeverity];
}
