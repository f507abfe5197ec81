/**
 * Ports between the journal and the OCPP uplink. The SQLite journal implements them; the uplink depends only on
 * these interfaces (tests use in-memory fakes of the same contracts).
 */

/** Kinds of message that leave through the outbox (transaction-related ones are strictly FIFO). */
export type OutboxKind =
  | 'StartTransaction'
  | 'StopTransaction'
  | 'MeterValues'
  | 'StatusNotification'
  | 'SecurityEventNotification'
  /** A vendor message about a session (costmsg ConnectorUnplugged): its `data` gets the transactionId at send time. */
  | 'DataTransfer'
  /**
   * OCPP 2.0.1: a TransactionEvent (Updated) of a session beyond its Start and Stop rows, which the 2.0.1 uplink sends
   * as Started and Ended; transactionId, seqNo and offline are filled in at send time.
   */
  | 'TransactionEvent'
  /** OCPP 2.0.1: a fault or an operator alert as NotifyEvent (optional lane); generatedAt/seqNo/tbc are set at send time. */
  | 'NotifyEvent'
  /**
   * The status of a firmware update (1.6 and 2.0.1) or of a diagnostics / log upload (1.6 Diagnostics…, 2.0.1 Log…),
   * and the parts of a 2.0.1 report (NotifyCustomerInformation, ReportChargingProfiles): optional lane, in order, so a
   * job that ends while offline still reaches the CSMS. Their pending rows are bounded per kind
   * ({@link maxPendingOfKind}).
   */
  | 'FirmwareStatusNotification'
  | 'DiagnosticsStatusNotification'
  | 'LogStatusNotification'
  | 'NotifyCustomerInformation'
  | 'ReportChargingProfiles';

/**
 * The two lanes of the outbox. Transaction messages (StartTransaction, StopTransaction, and anything of a session:
 * its MeterValues, its DataTransfer) need strict order and leave one by one in seq order. Optional messages
 * (StatusNotification, SecurityEventNotification, DataTransfer and MeterValues of no session) have their own lane
 * with its own retries, so a refused optional message never holds a transaction message behind it.
 */
export type OutboxLane = 'transaction' | 'optional';

/** The lane of a message (the SQL twins are {@link transactionLaneSql} and {@link optionalLaneSql}; keep all in step). */
export function outboxLaneOf(kind: OutboxKind, sessionId: number | null): OutboxLane {
  return kind === 'StartTransaction' || kind === 'StopTransaction' || sessionId !== null ? 'transaction' : 'optional';
}

/** True for an outbox row (columns `kind`, `session_id`) of the transaction lane. */
export const transactionLaneSql = `(kind IN ('StartTransaction', 'StopTransaction') OR session_id IS NOT NULL)`;
/** Its complement, spelled so SQLite seeks `outbox_session (session_id IS NULL, state)` instead of scanning the backlog. */
export const optionalLaneSql = `kind NOT IN ('StartTransaction', 'StopTransaction') AND session_id IS NULL`;

/**
 * Kinds that a CSMS may legitimately not implement (the security whitepaper, vendor DataTransfer, and a status the
 * CSMS does not track): a NotImplemented or NotSupported answer drops them quietly instead of dead-lettering them.
 */
export const optionalKinds: ReadonlySet<OutboxKind> = new Set<OutboxKind>([
  'StatusNotification',
  'SecurityEventNotification',
  'DataTransfer',
  'NotifyEvent',
  'FirmwareStatusNotification',
  'DiagnosticsStatusNotification',
  'LogStatusNotification',
  'NotifyCustomerInformation',
  'ReportChargingProfiles',
]);

/**
 * Most pending rows of a job-status or report kind the outbox keeps: a CSMS repeating GetLog or GetChargingProfiles
 * while the link is down must not fill the journal's disk (and so the room transaction messages need). Past it, the
 * oldest pending rows of that kind are dropped as a new one is queued. Kinds not listed are not bounded here.
 */
export const maxPendingOfKind: ReadonlyMap<OutboxKind, number> = new Map<OutboxKind, number>([
  ['FirmwareStatusNotification', 200],
  ['DiagnosticsStatusNotification', 200],
  ['LogStatusNotification', 200],
  ['NotifyCustomerInformation', 1000],
  ['ReportChargingProfiles', 1000],
]);

/** How {@link OutboxStore.markDead} sets a message aside. */
export interface DeadLetterOptions {
  /**
   * OCPP 2.0.1: a dead StartTransaction row (its Started event) leaves the session's other messages pending: they go
   * out under the station's own transactionId, which needs no answer from the CSMS. Default false (1.6: they follow).
   */
  readonly keepFollowers?: boolean;
}

/** What {@link OutboxStore.markDead} set aside. */
export interface DeadLetterOutcome {
  /**
   * Seqs of the session's later messages that followed a dead-lettered StartTransaction into the dead letters in the
   * same transaction (its MeterValues, StopTransaction, DataTransfer): without the CSMS transactionId they could never
   * be delivered. Empty for any other message. Messages of that session queued later are stored dead at once.
   */
  readonly followers: readonly number[];
}

/** One queued message. */
export interface OutboxMessage {
  /** Strictly increasing; delivery order. */
  readonly seq: number;
  readonly kind: OutboxKind;
  /** Local session the message belongs to (null for non-transaction messages). */
  readonly sessionId: number | null;
  /**
   * The call's payload WITHOUT any CSMS transactionId: messages that need one are completed at send time from
   * {@link OutboxStore.transactionIdFor}, so a placeholder id never goes on the wire.
   */
  readonly payload: Readonly<Record<string, unknown>>;
  readonly createdAtMs: number;
  /** Failed delivery attempts so far. */
  readonly attempts: number;
  /** Not to be sent before this wall time (retry back-off). */
  readonly nextAttemptAtMs: number;
  /** OCPP 2.0.1: the transaction this message belongs to (absent for a message of no session, and from fakes). */
  readonly transaction?: OutboxTransaction;
}

/** What OCPP 2.0.1 needs of a message's session: the station authors the transactionId and numbers the events. */
export interface OutboxTransaction {
  /** The station-authored transactionId (≤ 36 characters), made when the session was journaled. */
  readonly id: string;
  /** This message's seqNo within its transaction (from 0, no gaps); null for a message that is no TransactionEvent. */
  readonly seqNo: number | null;
  /** When the EV was plugged in and the start was authorized (for the Started event's trigger), epoch ms. */
  readonly plugInAtMs: number | null;
  readonly authorizedAtMs: number | null;
}

/** What the CSMS answered to a delivered message, stored in the same database transaction that marks it delivered. */
export interface DeliveryAnswer {
  /** StartTransaction.conf transactionId. */
  readonly transactionId?: number;
  /**
   * OCPP 2.0.1: the StartTransaction row went out as TransactionEvent Started under the station's own transactionId
   * (the session's {@link OutboxTransaction.id}); no CSMS id is stored.
   */
  readonly stationTransactionId?: string;
  /** idTagInfo.status of Start/StopTransaction.conf. */
  readonly idTagStatus?: string;
  /** The whole answer, for audit. */
  readonly raw: unknown;
}

/** The outbox as the uplink sees it. All methods resolve once durable. */
export interface OutboxStore {
  /**
   * The oldest undelivered, non-dead message (regardless of its nextAttemptAtMs) of `lane`, or of either lane when
   * none is given; null when empty.
   */
  head(lane?: OutboxLane): Promise<OutboxMessage | null>;
  /** Marks `seq` delivered and stores the answer (for StartTransaction: the session's transactionId) atomically. */
  markDelivered(seq: number, answer: DeliveryAnswer): Promise<void>;
  /** Counts a failed attempt and sets when to try again. */
  markFailed(seq: number, error: string, nextAttemptAtMs: number): Promise<void>;
  /**
   * Gives up on `seq` after TransactionMessageAttempts: kept as a dead letter (never deleted) with the last error. A
   * StartTransaction takes its session's later messages with it (see {@link DeadLetterOutcome}).
   */
  markDead(seq: number, error: string, options?: DeadLetterOptions): Promise<DeadLetterOutcome>;
  /**
   * Removes a pending optional message (see {@link optionalKinds}) that the CSMS said it does not implement: neither
   * delivered nor a dead letter, just not for this CSMS. Refused for any other kind.
   */
  drop(seq: number, reason: string): Promise<void>;
  /** The CSMS transactionId of a local session, once StartTransaction.conf gave it. */
  transactionIdFor(sessionId: number): Promise<number | null>;
  /** Undelivered, non-dead messages. */
  depth(): Promise<number>;
  /** Appends a non-transaction message (StatusNotification, SecurityEventNotification …). */
  enqueue(kind: OutboxKind, sessionId: number | null, payload: Readonly<Record<string, unknown>>): Promise<number>;
}

/**
 * Durable key-value settings, namespaced: OCPP configuration keys ('ocpp.config'), the local authorization list
 * ('ocpp.localList'), the authorization cache ('ocpp.authCache'), charging profiles ('ocpp.profiles'), reservations.
 * Values are JSON-serialisable.
 */
export interface KeyValueStore {
  get(namespace: string, key: string): Promise<unknown>;
  set(namespace: string, key: string, value: unknown): Promise<void>;
  delete(namespace: string, key: string): Promise<void>;
  /** Every entry of a namespace. */
  list(namespace: string): Promise<ReadonlyMap<string, unknown>>;
  /** Drops a whole namespace (ClearCache, a full SendLocalList). */
  clear(namespace: string): Promise<void>;
}

import type { SessionEventKind, StopReason } from '../session/recorder.js';

/** A session as stored in the journal. Times are epoch ms UTC. */
export interface SessionRow {
  readonly id: number;
  readonly connectorId: number;
  readonly idTag: string | null;
  readonly plugInAtMs: number | null;
  readonly authorizedAtMs: number | null;
  readonly startAtMs: number;
  readonly stopAtMs: number | null;
  readonly unplugAtMs: number | null;
  readonly meterStartWh: number;
  readonly meterStopWh: number | null;
  readonly stopReason: StopReason | null;
  readonly csmsTransactionId: number | null;
  /** The stored cost breakdown (JSON written by src/billing), or null before it was computed. */
  readonly cost: unknown;
  /** False when the session's times were stamped before the clock was trusted (set from the CSMS or NTP). */
  readonly clockTrusted: boolean;
}

/** One journaled meter sample. */
export interface SampleRow {
  readonly sessionId: number | null;
  readonly atMs: number;
  readonly importWh: number;
  readonly totalPowerW: number;
  readonly currentsA: readonly number[];
  readonly voltagesV: readonly number[];
  readonly signedRecord: string | null;
}

/** One timeline event. */
export interface EventRow {
  readonly sessionId: number;
  readonly kind: SessionEventKind;
  readonly atMs: number;
  readonly detail: Readonly<Record<string, string | number | boolean | null>> | null;
}

/** Which sessions {@link JournalReader.sessions} returns for a range. */
export interface SessionRangeOptions {
  /**
   * false (the default): the sessions whose start lies in [fromMs, toMs) — a session belongs to the period it started
   * in (sessions and energy reports, recent sessions). true: every session that occupies the connector at some instant
   * of the range (utilization): plugged in (or, without a plug-in time, started) before `toMs`, and unplugged (or,
   * without an unplug, stopped) after `fromMs` or still open.
   */
  readonly overlapping?: boolean;
}

/** Read side of the journal, for billing, reports, receipts and export. */
export interface JournalReader {
  /** Sessions in [fromMs, toMs) by their start, or overlapping it (see {@link SessionRangeOptions}), oldest first. */
  sessions(range: { readonly fromMs: number; readonly toMs: number }, options?: SessionRangeOptions): Promise<readonly SessionRow[]>;
  session(id: number): Promise<SessionRow | null>;
  samples(sessionId: number): Promise<readonly SampleRow[]>;
  events(sessionId: number): Promise<readonly EventRow[]>;
  /** Stores the session's cost breakdown (JSON-serialisable). */
  saveCost(sessionId: number, cost: unknown): Promise<void>;
}
