import type { OutboxKind, OutboxStore } from '../journal/ports.js';
import { alertPayload } from './payload.js';
import type { AlertChannel, DeliveryResult, NotifyAlert } from './types.js';

/** The DataTransfer of an alert: vendorId and messageId (README.md, "CSMS"). */
export const alertVendorId = 'org.openevse-ts.alerts';
export const alertMessageId = 'Alert';

/**
 * Alerts that are tampering or unauthorized use: energy through an open contactor (a bypass or welded contact) and
 * energy with no authorized session. The 1.6 security whitepaper's event for them is TamperDetectionActivated.
 */
const TAMPER_CODES: ReadonlySet<string> = new Set(['anomaly-energy-while-open', 'anomaly-energy-without-session']);
export const tamperEventType = 'TamperDetectionActivated';

/** The DataTransfer's data stays small: the CSMS stores it per message. */
const EVIDENCE_MAX_CHARS = 2000;
const TECH_INFO_MAX = 255;

export function isTamperAlert(alert: Pick<NotifyAlert, 'code'>): boolean {
  return TAMPER_CODES.has(alert.code);
}

export interface CsmsChannelDeps {
  /** The journal's outbox: what is queued there reaches the CSMS, offline or not, exactly as transaction messages. */
  readonly outbox: Pick<OutboxStore, 'enqueue'>;
  /** Wakes the uplink's sender (`client.outboxChanged()`). */
  readonly outboxChanged: () => void;
  /** True when the CSMS said it does not implement a kind (then a tamper alert goes as DataTransfer instead). */
  readonly isUnsupported?: (kind: OutboxKind) => boolean;
}

/**
 * The CSMS channel: "delivered" means queued in the journal's outbox, which is durable and retried by the uplink, so
 * an alert raised offline reaches the CSMS once it connects. Faults are not sent: the CSMS has them already as
 * StatusNotification error codes. The outbox's own alerts (dead letters, journal failures of the outbox) are not sent
 * through the outbox they are about: a dead DataTransfer would raise another alert to send, and so on.
 */
export class CsmsAlertChannel implements AlertChannel {
  readonly name = 'csms';

  constructor(private readonly deps: CsmsChannelDeps) {}

  carries(alert: NotifyAlert): boolean {
    return !alert.code.startsWith('fault-') && !alert.code.startsWith('outbox-');
  }

  async send(alerts: readonly NotifyAlert[]): Promise<DeliveryResult> {
    let done = 0;
    try {
      for (const alert of alerts) {
        const [kind, payload] = this.message(alert);
        await this.deps.outbox.enqueue(kind, null, payload);
        done += 1;
      }
      return { done };
    } catch (err) {
      return { done, failure: { error: `journal outbox: ${(err as Error).message}` } };
    } finally {
      if (done > 0) this.deps.outboxChanged();
    }
  }

  private message(alert: NotifyAlert): [OutboxKind, Record<string, unknown>] {
    const timestamp = new Date(alert.atMs).toISOString();
    if (isTamperAlert(alert) && this.deps.isUnsupported?.('SecurityEventNotification') !== true) {
      return ['SecurityEventNotification', { type: tamperEventType, timestamp, techInfo: techInfo(alert) }];
    }
    // The outbox keeps vendorId and messageId beside the fields; on the wire the fields become `data` (JSON text).
    return ['DataTransfer', { vendorId: alertVendorId, messageId: alertMessageId, ...alertPayload(alert, EVIDENCE_MAX_CHARS) }];
  }
}

/** `<code> #<id>: <message>`, at most 255 characters (the whitepaper's CiString255). */
export function techInfo(alert: NotifyAlert): string {
  const text = `${alert.code} #${alert.id}: ${alert.message}`;
  return text.length > TECH_INFO_MAX ? `${text.slice(0, TECH_INFO_MAX - 1)}…` : text;
}
