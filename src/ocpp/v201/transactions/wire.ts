/**
 * The OCPP 2.0.1 rendering of the journal's outbox (an {@link OutboxWire} for the shared OutboxSender): the same
 * lanes, order and retries as 1.6, but a session's messages leave as TransactionEvent under the station's own
 * transactionId with their seqNo, and the answer's idTokenInfo / totalCost / personalMessage reach the station. No
 * transactionId substitution from an answer: the station authored the id before the CSMS heard of it.
 */
import type { DeliveryAnswer, OutboxMessage } from '../../../journal/ports.js';
import { dataTransferParams, type OutboxWire } from '../../outbox-sender.js';
import { meterValuesFrom, transactionEventOf, type EventContext } from './transaction-event.js';
import type { OnlineIntervals } from './online-intervals.js';
import type { TxPoints } from './tx-points.js';
import type { TxValues } from './tx-meter-values.js';
import type { IdTokenKind, TransactionEventRequest } from './types.js';

/** What a TransactionEventResponse tells the station (all optional in 2.0.1). */
export interface TransactionEventAnswer {
  readonly idTokenInfo?: {
    readonly status: string;
    readonly cacheExpiryDateTime?: string;
    readonly groupIdToken?: { readonly idToken: string; readonly type: string };
  };
  readonly totalCost?: number;
  readonly chargingPriority?: number;
  readonly updatedPersonalMessage?: { readonly format: string; readonly content: string; readonly language?: string };
}

/** Facts of a session kept beside the journal (by the 2.0.1 use cases), looked up when its events leave. */
export interface SessionFacts {
  /** RequestStartTransaction's remoteStartId, when the session (of this token, started then) was started remotely. */
  remoteStartId(sessionId: number, idTag?: string | null, startAtMs?: number): number | undefined;
  /** The session was stopped by a master pass card. */
  stoppedByMasterPass(sessionId: number): boolean;
  /** E10: the EV has left the transaction the station keeps (and not come back). */
  evAway(sessionId: number): boolean;
  /** The type of an id tag in a session (default ISO14443: a card tap; a remote start's token keeps its type). */
  idTokenType(idTag: string, sessionId?: number): IdTokenKind;
}

export const noSessionFacts: SessionFacts = {
  remoteStartId: () => undefined,
  stoppedByMasterPass: () => false,
  evAway: () => false,
  idTokenType: () => 'ISO14443',
};

export interface TransactionWireOptions {
  readonly points: () => TxPoints;
  readonly online: OnlineIntervals;
  readonly facts?: SessionFacts;
  readonly evseId?: number;
  /**
   * A TransactionEvent was answered (idTokenInfo, totalCost, personalMessage) — after the answer was journaled. `idToken`
   * is the token the event carried, which the answer's idTokenInfo is about.
   */
  readonly onTransactionAnswer?: (sessionId: number, event: AnsweredEvent, answer: TransactionEventAnswer) => void;
  /** TxStartedMeasurands / TxEndedMeasurands of a session, for its Started and Ended. */
  readonly txValues?: (sessionId: number) => TxValues;
  /** A message of no session, in the 2.0.1 shape (StatusNotification, MeterValues of no session …): default as queued. */
  readonly renderOther?: (message: OutboxMessage) => { readonly method: string; readonly params: Record<string, unknown> } | string;
}

/** The event an answer belongs to. */
export interface AnsweredEvent {
  readonly eventType: string;
  readonly seqNo: number;
  readonly idToken?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A TransactionEvent built for a message, kept until its answer (the answer needs its eventType and seqNo). */
const SESSION_KINDS = new Set(['StartTransaction', 'StopTransaction', 'MeterValues', 'TransactionEvent']);

/** Transactions remembered by id (the running one and the last few: RequestStopTransaction, GetTransactionStatus). */
const KNOWN_TRANSACTIONS = 32;

export class TransactionWire implements OutboxWire {
  /** A refused Started never takes the transaction's later events with it: they carry the station's own id. */
  readonly keepsFollowersOfDeadStart = true;
  private readonly sent = new Map<number, TransactionEventRequest>();
  /** sessionId → transactionId of the sessions whose events went on the wire in this process. */
  private readonly known = new Map<number, string>();

  constructor(private readonly options: TransactionWireOptions) {}

  private context(message: OutboxMessage): EventContext {
    const facts = this.options.facts ?? noSessionFacts;
    const sessionId = message.sessionId;
    const startAtMs = message.kind === 'StartTransaction' && typeof message.payload['timestamp'] === 'string' ? Date.parse(message.payload['timestamp']) : undefined;
    const idTag = message.payload['idTag'];
    const remoteStartId =
      sessionId === null ? undefined : facts.remoteStartId(sessionId, typeof idTag === 'string' ? idTag : null, startAtMs !== undefined && Number.isFinite(startAtMs) ? startAtMs : undefined);
    return {
      points: this.options.points(),
      offline: !this.options.online.wasOnlineAt(message.createdAtMs),
      evseId: this.options.evseId ?? 1,
      idTokenType: (idTag) => facts.idTokenType(idTag, sessionId ?? undefined),
      ...(remoteStartId !== undefined ? { remoteStartId } : {}),
      ...(sessionId !== null && facts.stoppedByMasterPass(sessionId) ? { masterPass: true } : {}),
      ...(sessionId !== null && message.kind === 'StopTransaction' && facts.evAway(sessionId) ? { evAway: true } : {}),
      ...(sessionId !== null && this.options.txValues && (message.kind === 'StartTransaction' || message.kind === 'StopTransaction')
        ? { txValues: this.options.txValues(sessionId) }
        : {}),
    };
  }

  render(message: OutboxMessage): Promise<{ method: string; params: Record<string, unknown> } | string> {
    if (message.sessionId !== null && SESSION_KINDS.has(message.kind)) {
      const event = transactionEventOf(message, this.context(message));
      if (typeof event === 'string') return Promise.resolve(event);
      // At most one message per lane is in flight: older entries belong to messages that failed or were set aside.
      if (this.sent.size >= 8) this.sent.clear();
      this.sent.set(message.seq, event);
      this.learn(message.sessionId, event.transactionInfo.transactionId);
      return Promise.resolve({ method: 'TransactionEvent', params: event as unknown as Record<string, unknown> });
    }
    if (this.options.renderOther) return Promise.resolve(this.options.renderOther(message));
    if (message.kind === 'MeterValues') return Promise.resolve(meterValuesOfNoSession(message));
    // A queued DataTransfer (alerts, a driver's feedback) keeps its fields beside vendorId and messageId: on the wire
    // they become the JSON text of `data`, as over 1.6, with the station-authored transactionId of its session.
    if (message.kind === 'DataTransfer') {
      const transactionId = message.sessionId === null ? undefined : this.transactionIdOf(message.sessionId);
      return Promise.resolve({ method: 'DataTransfer', params: dataTransferParams({ ...message.payload, ...(transactionId ? { transactionId } : {}) }) });
    }
    return Promise.resolve({ method: message.kind, params: { ...message.payload } });
  }

  /**
   * The transactionId of a session whose events went to the CSMS in this process. A session never outlives its
   * process (the journal closes it at the next boot), so the CSMS can only know the ids of sessions learned here.
   */
  transactionIdOf(sessionId: number): string | undefined {
    return this.known.get(sessionId);
  }

  /** The session of a transactionId the CSMS may know, or undefined. */
  sessionOf(transactionId: string): number | undefined {
    for (const [sessionId, id] of this.known) if (id === transactionId) return sessionId;
    return undefined;
  }

  private learn(sessionId: number, transactionId: string): void {
    if (this.known.get(sessionId) === transactionId) return;
    this.known.set(sessionId, transactionId);
    if (this.known.size > KNOWN_TRANSACTIONS) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
  }

  answer(message: OutboxMessage, answer: unknown): DeliveryAnswer | string {
    if (!isObject(answer)) return `FormationViolation: the answer to ${message.kind} is not an object (${JSON.stringify(answer) ?? 'nothing'})`;
    const info = answer['idTokenInfo'];
    const idTagStatus = isObject(info) && typeof info['status'] === 'string' ? info['status'] : undefined;
    const started = message.kind === 'StartTransaction' && message.sessionId !== null;
    return {
      ...(started && message.transaction ? { stationTransactionId: message.transaction.id } : {}),
      ...(idTagStatus !== undefined ? { idTagStatus } : {}),
      raw: answer,
    };
  }

  answered(message: OutboxMessage, delivery: DeliveryAnswer): void {
    const event = this.sent.get(message.seq);
    this.sent.delete(message.seq);
    if (!event || message.sessionId === null) return;
    const idToken = event.idToken?.idToken;
    this.options.onTransactionAnswer?.(message.sessionId, { eventType: event.eventType, seqNo: event.seqNo, ...(idToken ? { idToken } : {}) }, delivery.raw as TransactionEventAnswer);
  }
}

/** A MeterValues of no session (clock-aligned, idle): 2.0.1 MeterValuesRequest {evseId, meterValue}. */
function meterValuesOfNoSession(message: OutboxMessage): { method: string; params: Record<string, unknown> } | string {
  const p = message.payload;
  if (typeof p['evseId'] === 'number') return { method: 'MeterValues', params: { ...p } };
  const meterValue = meterValuesFrom(p['meterValue']);
  if (typeof meterValue === 'string') return `MeterValues #${message.seq}: ${meterValue}`;
  if (meterValue.length === 0) return `MeterValues #${message.seq} has no numeric sampled value`;
  return { method: 'MeterValues', params: { evseId: p['connectorId'] === 0 ? 0 : 1, meterValue } };
}
