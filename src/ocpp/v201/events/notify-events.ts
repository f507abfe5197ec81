/**
 * NotifyEvent (OCPP 2.0.1, N07-style hard-wired notifications) through the journal's outbox: each event is one
 * optional-lane row, so it survives being offline and leaves once, in order, after the boot is accepted. The row
 * keeps the event's own fields flat (`timestamp` at the top, so the journal's clock correction reaches it); the message
 * around it (generatedAt, seqNo, tbc) is made when it goes on the wire. The eventId is allocated from a counter in the
 * journal before the row is written, so it is unique across restarts and the same on every retry of the row.
 */
import type { Clock } from '../../../clock.js';
import type { KeyValueStore, OutboxKind, OutboxStore } from '../../../journal/ports.js';
import type { Logger } from '../../../logger.js';
import { meansUnsupported } from '../../csms-support.js';
import { dataTransferParams, type OutboxLink } from '../../outbox-sender.js';
import { rpcErrorCodeOf } from '../../rpc.js';
import type { ComponentRef, VariableRef } from '../device-model/types.js';

export type EventTrigger = 'Alerting' | 'Delta' | 'Periodic';
export type EventNotificationType = 'HardWiredNotification' | 'HardWiredMonitor' | 'PreconfiguredMonitor' | 'CustomMonitor';

/** One event as its source describes it; the eventId and the message around it are added here. */
export interface StationEvent {
  readonly atMs: number;
  readonly trigger: EventTrigger;
  readonly actualValue: string;
  readonly component: ComponentRef;
  readonly variable: VariableRef;
  readonly eventNotificationType: EventNotificationType;
  readonly cleared?: boolean;
  /** ≤ 50 characters. */
  readonly techCode?: string;
  /** ≤ 500 characters (longer is cut). */
  readonly techInfo?: string;
  /** The session running when it happened: its station-authored transactionId is added when the event is sent. */
  readonly sessionId?: number;
  /**
   * What to send instead when this CSMS answers NotImplemented / NotSupported to NotifyEvent: a DataTransfer row's
   * payload (vendorId, messageId and its fields), so an operator alert still arrives.
   */
  readonly fallback?: Readonly<Record<string, unknown>>;
}

const KV_NAMESPACE = 'ocpp201.events';
const KV_LAST_EVENT_ID = 'lastEventId';
const TECH_CODE_MAX = 50;
const TECH_INFO_MAX = 500;
const ACTUAL_VALUE_MAX = 2500;

/** Private fields of a row that never go on the wire as they are. */
const SESSION_FIELD = 'sessionId';
const FALLBACK_FIELD = 'fallback';

const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export interface NotifyEvents201Options {
  readonly outbox: Pick<OutboxStore, 'enqueue'>;
  readonly kv: KeyValueStore;
  readonly logger: Logger;
  /** Called after an event was queued (wakes the sender). */
  readonly onEnqueued: () => void;
  /** True when this CSMS said it does not implement NotifyEvent (then nothing is queued). */
  readonly unsupported?: (kind: OutboxKind) => boolean;
}

/** Queues NotifyEvents in the outbox. */
export class NotifyEvents201 {
  private lastId: number | null = null;
  /** Allocations one after another, so two events raised together never take the same id. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: NotifyEvents201Options) {}

  /**
   * Queues `event`; resolves once the row is in the journal (its eventId with it). Rejects when the journal refuses
   * it. Resolves with null and queues nothing when the CSMS does not implement NotifyEvent and there is no fallback.
   */
  enqueue(event: StationEvent): Promise<number | null> {
    const next = this.chain.then(() => this.write(event));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async write(event: StationEvent): Promise<number | null> {
    const { outbox, kv } = this.options;
    if (this.options.unsupported?.('NotifyEvent') === true) {
      if (!event.fallback) return null;
      await outbox.enqueue('DataTransfer', null, event.fallback);
      this.options.onEnqueued();
      return null;
    }
    if (this.lastId === null) {
      const stored = await kv.get(KV_NAMESPACE, KV_LAST_EVENT_ID);
      this.lastId = typeof stored === 'number' && Number.isSafeInteger(stored) && stored >= 0 ? stored : 0;
    }
    const eventId = this.lastId + 1;
    // Durable before the row: a restart never hands out an id a queued row already has.
    await kv.set(KV_NAMESPACE, KV_LAST_EVENT_ID, eventId);
    this.lastId = eventId;
    await outbox.enqueue('NotifyEvent', null, eventRow(eventId, event));
    this.options.onEnqueued();
    return eventId;
  }
}

/** The outbox row of an event: EventDataType's fields, flat, plus the private session and fallback. */
export function eventRow(eventId: number, event: StationEvent): Record<string, unknown> {
  return {
    eventId,
    timestamp: new Date(event.atMs).toISOString(),
    trigger: event.trigger,
    actualValue: cut(event.actualValue, ACTUAL_VALUE_MAX),
    eventNotificationType: event.eventNotificationType,
    component: event.component,
    variable: event.variable,
    ...(event.cleared === true ? { cleared: true } : {}),
    ...(event.techCode !== undefined ? { techCode: cut(event.techCode, TECH_CODE_MAX) } : {}),
    ...(event.techInfo !== undefined ? { techInfo: cut(event.techInfo, TECH_INFO_MAX) } : {}),
    ...(event.sessionId !== undefined ? { [SESSION_FIELD]: event.sessionId } : {}),
    ...(event.fallback !== undefined ? { [FALLBACK_FIELD]: event.fallback } : {}),
  };
}

/**
 * The NotifyEventRequest of a queued row, made at send time: one event per message (seqNo 0, tbc false), generated
 * now; the running session's transactionId when the station already sent it to the CSMS in this process.
 */
export function notifyEventRequest(row: Readonly<Record<string, unknown>>, nowMs: number, transactionIdOf: (sessionId: number) => string | undefined): Record<string, unknown> {
  const { [SESSION_FIELD]: sessionId, [FALLBACK_FIELD]: _fallback, ...eventData } = row;
  const transactionId = typeof sessionId === 'number' ? transactionIdOf(sessionId) : undefined;
  return {
    generatedAt: new Date(nowMs).toISOString(),
    seqNo: 0,
    tbc: false,
    eventData: [{ ...eventData, ...(transactionId !== undefined ? { transactionId } : {}) }],
  };
}

export interface NotifyEventLinkOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The station-authored transactionId of a session, once its events went to the CSMS. */
  readonly transactionIdOf: (sessionId: number) => string | undefined;
  /** The CSMS answered `code` (NotImplemented / NotSupported) to NotifyEvent: remembered, so later events are not queued. */
  readonly remember: (kind: OutboxKind, code: string) => Promise<void>;
}

/**
 * The link as the sender sees it for NotifyEvent rows: the row becomes its NotifyEventRequest, and a CSMS that does
 * not implement NotifyEvent gets the row's fallback DataTransfer instead (remembered, so later alerts are queued as
 * DataTransfer at once). A row without a fallback (a fault) is refused as before: the sender drops it quietly.
 */
export function notifyEventLink(link: OutboxLink, options: NotifyEventLinkOptions): OutboxLink {
  return {
    isOpen: () => link.isOpen(),
    call: async <T>(method: string, params: Record<string, unknown>): Promise<T> => {
      if (method !== 'NotifyEvent') return link.call<T>(method, params);
      try {
        return await link.call<T>(method, notifyEventRequest(params, options.clock.nowMs(), options.transactionIdOf));
      } catch (err) {
        const code = rpcErrorCodeOf(err);
        const fallback = params[FALLBACK_FIELD];
        if (code === null || !meansUnsupported(code) || fallback === null || typeof fallback !== 'object') throw err;
        await options.remember('NotifyEvent', code);
        options.logger.info({ code, eventId: params['eventId'] }, 'the CSMS does not implement NotifyEvent: the alert goes as DataTransfer');
        return link.call<T>('DataTransfer', dataTransferParams({ ...(fallback as Record<string, unknown>) }));
      }
    },
  };
}
