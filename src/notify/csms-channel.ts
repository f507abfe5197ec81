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
  /**
   * OCPP 2.0.1: queues an alert as NotifyEvent (the uplink's `notifyEvents.enqueue`, which allocates its eventId and
   * falls back to `fallback` once the CSMS said it does not implement NotifyEvent). Absent (1.6): a DataTransfer.
   */
  readonly notifyEvent?: (event: AlertNotifyEvent) => Promise<unknown>;
}

/** An operator alert as an OCPP 2.0.1 NotifyEvent (the shape of the 2.0.1 uplink's StationEvent). */
export interface AlertNotifyEvent {
  readonly atMs: number;
  readonly trigger: 'Alerting';
  readonly actualValue: string;
  readonly component: { readonly name: string; readonly evse?: { readonly id: number } };
  readonly variable: { readonly name: string };
  readonly eventNotificationType: 'HardWiredNotification';
  readonly techCode: string;
  readonly techInfo: string;
  /** The DataTransfer row it becomes at a CSMS without NotifyEvent. */
  readonly fallback: Readonly<Record<string, unknown>>;
}

/** NotifyEvent's techInfo is at most 500 characters. */
const EVENT_TECH_INFO_MAX = 500;

/**
 * The device-model component an alert is about (OCPP 2.0.1 standardized names, all in the station's model): the
 * EVSE's meter for the meter anomalies, the EVSE for what the EV draws, the station's controller for its storage;
 * anything else is about the ChargingStation.
 */
export const ALERT_COMPONENTS: Readonly<Record<string, AlertNotifyEvent['component']>> = {
  'anomaly-frozen-meter': { name: 'FiscalMetering', evse: { id: 1 } },
  'anomaly-register-jump': { name: 'FiscalMetering', evse: { id: 1 } },
  'anomaly-power-plausibility': { name: 'FiscalMetering', evse: { id: 1 } },
  'anomaly-over-offer': { name: 'EVSE', evse: { id: 1 } },
  'anomaly-under-draw': { name: 'EVSE', evse: { id: 1 } },
  'anomaly-phase-imbalance': { name: 'EVSE', evse: { id: 1 } },
  'anomaly-disk-full': { name: 'Controller' },
  'journal-corrupt': { name: 'Controller' },
  'journal-unavailable': { name: 'Controller' },
};

/**
 * The CSMS channel: "delivered" means queued in the journal's outbox, which is durable and retried by the uplink, so
 * an alert raised offline reaches the CSMS once it connects. Faults are not sent: the CSMS has them already as
 * StatusNotification error codes (1.6) or as the uplink's own NotifyEvents (2.0.1). The outbox's own alerts (dead letters, journal failures of the outbox) are not sent
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
        if (kind === 'DataTransfer' && this.deps.notifyEvent) await this.deps.notifyEvent(alertEvent(alert, payload));
        else await this.deps.outbox.enqueue(kind, null, payload);
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

/**
 * The NotifyEvent of an operator alert: the Problem of the component it is about (ALERT_COMPONENTS, else the
 * ChargingStation), the alert's code as techCode and its message as techInfo (`#<id>: <message>`, at most 500
 * characters); `fallback` is the DataTransfer row it replaces.
 */
export function alertEvent(alert: NotifyAlert, fallback: Readonly<Record<string, unknown>>): AlertNotifyEvent {
  const text = `#${alert.id}: ${alert.message}`;
  return {
    atMs: alert.atMs,
    trigger: 'Alerting',
    actualValue: 'true',
    component: ALERT_COMPONENTS[alert.code] ?? { name: 'ChargingStation' },
    variable: { name: 'Problem' },
    eventNotificationType: 'HardWiredNotification',
    techCode: alert.code,
    techInfo: text.length > EVENT_TECH_INFO_MAX ? `${text.slice(0, EVENT_TECH_INFO_MAX - 1)}…` : text,
    fallback,
  };
}

/** `<code> #<id>: <message>`, at most 255 characters (the whitepaper's CiString255). */
export function techInfo(alert: NotifyAlert): string {
  const text = `${alert.code} #${alert.id}: ${alert.message}`;
  return text.length > TECH_INFO_MAX ? `${text.slice(0, TECH_INFO_MAX - 1)}…` : text;
}
