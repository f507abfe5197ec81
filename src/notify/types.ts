/**
 * What the notifier needs from the journal's alert log (the agreed alert API, see src/journal): a persisted cursor per
 * channel, the alerts after it, and a wake-up when one is raised. The journal implements it; the tests' in-memory
 * queue too. Declared here, narrow, so a channel never sees more of the journal than its queue.
 */
import type { AlertSeverity } from '../journal/types.js';

export type { AlertSeverity };
export type AlertAudience = 'operator' | 'driver';

/** One alert as the channels send it: the fields of the journal's AlertRow they use. */
export interface NotifyAlert {
  readonly id: number;
  readonly severity: AlertSeverity;
  readonly code: string;
  readonly message: string;
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
  /** First raised (wall time, ms). */
  readonly atMs: number;
  readonly dedupKey: string;
  readonly audience: AlertAudience;
  /** Times raised while not closed (1 when sent: a repeat bumps the count of an alert already sent, it is not re-sent). */
  readonly count: number;
}

export interface AlertQueue {
  /** First time only: the channel's cursor starts after the newest alert now. */
  registerAlertChannel(channel: string): Promise<void>;
  /** Alerts after the channel's cursor, oldest first; `skipped`: beyond the bounded backlog, passed over. */
  pendingAlerts(channel: string, limit: number): Promise<{ alerts: readonly NotifyAlert[]; skipped: number }>;
  /** Moves the channel's cursor (persisted). */
  confirmAlertDelivery(channel: string, upToId: number): Promise<void>;
  /** Called after an alert was raised (new, or a repeat of an open one); returns the unsubscribe. */
  onAlertRaised(listener: (id: number, isNew: boolean) => void): () => void;
}

/** Why a delivery failed, as the dispatcher acts on it. */
export interface DeliveryFailure {
  readonly error: string;
  /** The peer asked for this wait (HTTP Retry-After), ms: used when longer than the backoff. */
  readonly retryAfterMs?: number;
  /**
   * The peer refused this alert itself (an HTTP 4xx other than 408/429): after a few tries it is dropped rather than
   * holding the channel forever.
   */
  readonly refused?: boolean;
}

/** What one `send` achieved: the first `done` alerts are delivered; `failure` stopped it at the next one. */
export interface DeliveryResult {
  readonly done: number;
  readonly failure?: DeliveryFailure;
}

/** One way alerts reach people: it sends, the dispatcher decides what, when and how often. */
export interface AlertChannel {
  /** The cursor's name in the journal, and the `channel` of its log lines. */
  readonly name: string;
  /** Besides severity and audience: alerts this channel never carries (e.g. faults the CSMS already has). */
  carries?(alert: NotifyAlert): boolean;
  /**
   * Alerts after the first are gathered this long before sending, so a burst becomes one message (an email digest);
   * 0 or absent: sent as they come.
   */
  readonly gatherMs?: number;
  /** Delivers `alerts` in order (all of them in one message when the channel gathers). Never throws. */
  send(alerts: readonly NotifyAlert[]): Promise<DeliveryResult>;
  /** Releases connections; in-flight sends end. */
  close?(): Promise<void>;
}
