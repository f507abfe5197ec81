/**
 * Builds the OCPP 2.0.1 TransactionEvent of a queued outbox message, at send time:
 * - the journal's StartTransaction row (1.6-shaped, written with the session's start) → Started, its register beside
 *   the TxStartedMeasurands sampled at the start;
 * - its StopTransaction row → Ended, with the 2.0.1 stoppedReason and triggerReason, the TxEndedMeasurands sampled
 *   during the transaction (Sample.Periodic) and at its end;
 * - a session's MeterValues row (periodic / clock-aligned samples) → Updated with MeterValuePeriodic / MeterValueClock;
 * - a TransactionEvent row (an Updated the 2.0.1 uplink queued: a charging state change, an authorization…) → Updated.
 * The transactionId and seqNo come from the journal with the message (durable, so a reboot continues them); `offline`
 * is whether the station was offline when the event happened. Pure: every fact is an argument.
 */
import type { OutboxMessage } from '../../../journal/ports.js';
import { endedReasons, isStopReason } from './stop-reasons.js';
import { decideAll, type StationFact, type TxPoints } from './tx-points.js';
import { registerValue } from './meter-values.js';
import type { TxValues } from './tx-meter-values.js';
import type {
  ChargingState,
  IdToken,
  IdTokenKind,
  MeterValue,
  ReadingContext,
  SampledValue,
  TransactionEventRequest,
  TriggerReason,
} from './types.js';

/** What the builder needs beyond the message. */
export interface EventContext {
  readonly points: TxPoints;
  /** The station was offline when the event happened. */
  readonly offline: boolean;
  /** The EVSE of the station's one connector. */
  readonly evseId: number;
  /** The kind of token an id tag is (a card tap is ISO14443, a remote start's token keeps its own type). */
  readonly idTokenType: (idTag: string) => IdTokenKind;
  /** RequestStartTransaction's remoteStartId when this session was started remotely. */
  readonly remoteStartId?: number;
  /** The session was stopped by a master pass (C16). */
  readonly masterPass?: boolean;
  /** E10: the transaction ended while its EV was away (the Ended's chargingState is Idle). */
  readonly evAway?: boolean;
  /** TxStartedMeasurands / TxEndedMeasurands sampled for this transaction (Started / Ended only). */
  readonly txValues?: TxValues;
}

/** The register entry of a Started / Ended with the values sampled at that moment beside it. */
function withSampled(register: MeterValue, sampled: MeterValue | undefined): MeterValue {
  return sampled ? { timestamp: register.timestamp, sampledValue: [...register.sampledValue, ...sampled.sampledValue] } : register;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const iso = (ms: number): string => new Date(ms).toISOString();

function idTokenOf(idTag: unknown, ctx: EventContext): IdToken | string {
  if (idTag === null || idTag === undefined) return { idToken: '', type: 'NoAuthorization' };
  if (typeof idTag !== 'string' || idTag.length > 36) return `idTag ${JSON.stringify(idTag)} is no 2.0.1 idToken (a string of at most 36)`;
  return { idToken: idTag, type: ctx.idTokenType(idTag) };
}

/** The Started event's time and trigger: the session's facts in time order, through the configured start points. */
function startedAt(message: OutboxMessage, startAtMs: number, ctx: EventContext): { atMs: number; triggerReason: TriggerReason } {
  const remote = ctx.remoteStartId !== undefined;
  const facts: { atMs: number; fact: StationFact }[] = [];
  const plugInAtMs = message.transaction?.plugInAtMs ?? null;
  const authorizedAtMs = message.transaction?.authorizedAtMs ?? null;
  if (plugInAtMs !== null) facts.push({ atMs: plugInAtMs, fact: { kind: 'plugged-in' } });
  if (authorizedAtMs !== null) facts.push({ atMs: authorizedAtMs, fact: { kind: 'authorized', remote } });
  // Stable sort: on a tie the plug-in comes first (the station records the plug, then the authorization it completes).
  facts.sort((a, b) => a.atMs - b.atMs);
  facts.push({ atMs: Math.max(startAtMs, ...facts.map((f) => f.atMs)), fact: { kind: 'power-path-closed' } });
  const first = decideAll(ctx.points, facts.map((f) => f.fact))[0];
  const at = first === undefined ? undefined : facts[first.index];
  if (first === undefined || at === undefined || first.decision.action !== 'start') {
    // The start points need a fact the journal does not keep (EnergyTransfer): the session's start stands for it.
    return { atMs: startAtMs, triggerReason: remote ? 'RemoteStart' : 'ChargingStateChanged' };
  }
  // The power path closes because the last of plug-in and authorization arrived: that fact is the trigger (an
  // authorization for cable-first E02, the plug for authorization-first E03).
  const completing = at.fact.kind === 'power-path-closed' ? facts[first.index - 1]?.fact : undefined;
  const triggerReason: TriggerReason =
    completing?.kind === 'plugged-in' ? 'CablePluggedIn' : completing?.kind === 'authorized' ? 'Authorized' : first.decision.triggerReason;
  // A remote start's authorization is its trigger.
  return { atMs: at.atMs, triggerReason: remote && triggerReason === 'Authorized' ? 'RemoteStart' : triggerReason };
}

/** A 1.6 sampled value (value a string, `unit`) as 2.0.1 (value a number, `unitOfMeasure`); null when not numeric. */
function sampledValueFrom16(v: unknown): SampledValue | null {
  if (!isObject(v) || v['format'] === 'SignedData') return null;
  const value = Number(v['value']);
  if (typeof v['value'] !== 'string' || !Number.isFinite(value)) return null;
  return {
    value,
    ...(typeof v['context'] === 'string' ? { context: v['context'] as ReadingContext } : {}),
    ...(typeof v['measurand'] === 'string' ? { measurand: v['measurand'] } : {}),
    ...(typeof v['phase'] === 'string' ? { phase: v['phase'] } : {}),
    ...(v['location'] === 'Outlet' ? { location: 'Outlet' as const } : {}),
    ...(typeof v['unit'] === 'string' ? { unitOfMeasure: { unit: v['unit'] } } : {}),
  };
}

/** 1.6-shaped meterValue entries (the shared scheduler's) as 2.0.1 ones; 2.0.1 ones pass as they are. */
export function meterValuesFrom(raw: unknown): MeterValue[] | string {
  if (!Array.isArray(raw)) return 'meterValue is not a list';
  const out: MeterValue[] = [];
  for (const mv of raw) {
    if (!isObject(mv) || typeof mv['timestamp'] !== 'string' || !Array.isArray(mv['sampledValue'])) return 'a meterValue has no timestamp or sampledValue';
    const values = (mv['sampledValue'] as unknown[])
      .map((v) => (isObject(v) && typeof v['value'] === 'number' ? (v as unknown as SampledValue) : sampledValueFrom16(v)))
      .filter((v): v is SampledValue => v !== null);
    if (values.length > 0) out.push({ timestamp: mv['timestamp'], sampledValue: values });
  }
  return out;
}

function triggerOfContext(meterValue: readonly MeterValue[]): TriggerReason {
  const context = meterValue[0]?.sampledValue[0]?.context;
  return context === 'Sample.Clock' ? 'MeterValueClock' : context === 'Trigger' ? 'Trigger' : 'MeterValuePeriodic';
}

/** The TransactionEvent for a message of a session, or why it cannot be built (then it is an attempt that failed). */
export function transactionEventOf(message: OutboxMessage, ctx: EventContext): TransactionEventRequest | string {
  const tx = message.transaction;
  if (message.sessionId === null || tx === undefined) return `${message.kind} #${message.seq} has no transaction (no session, or a journal without 2.0.1 ids)`;
  if (tx.seqNo === null) return `${message.kind} #${message.seq} has no seqNo`;
  const p = message.payload;
  const common = { seqNo: tx.seqNo, ...(ctx.offline ? { offline: true } : {}), evse: { id: ctx.evseId, connectorId: 1 } };
  switch (message.kind) {
    case 'StartTransaction': {
      const startAtMs = typeof p['timestamp'] === 'string' ? Date.parse(p['timestamp']) : NaN;
      if (!Number.isFinite(startAtMs) || typeof p['meterStart'] !== 'number') return `StartTransaction #${message.seq} has no timestamp or meterStart`;
      const idToken = idTokenOf(p['idTag'], ctx);
      if (typeof idToken === 'string') return idToken;
      const { atMs, triggerReason } = startedAt(message, startAtMs, ctx);
      return {
        eventType: 'Started',
        timestamp: iso(atMs),
        triggerReason,
        ...common,
        transactionInfo: {
          transactionId: tx.id,
          chargingState: 'EVConnected',
          ...(ctx.remoteStartId !== undefined ? { remoteStartId: ctx.remoteStartId } : {}),
        },
        idToken,
        ...(typeof p['reservationId'] === 'number' ? { reservationId: p['reservationId'] } : {}),
        meterValue: [withSampled(registerValue(p['meterStart'], iso(startAtMs), 'Transaction.Begin'), ctx.txValues?.started)],
      };
    }
    case 'StopTransaction': {
      const reason = p['reason'];
      if (typeof p['timestamp'] !== 'string' || typeof p['meterStop'] !== 'number' || !isStopReason(reason)) {
        return `StopTransaction #${message.seq} has no timestamp, meterStop or known reason`;
      }
      const { stoppedReason, triggerReason } = endedReasons(reason, { masterPass: ctx.masterPass === true });
      let idToken: IdToken | undefined;
      if (typeof p['idTag'] === 'string') {
        const token = idTokenOf(p['idTag'], ctx);
        if (typeof token === 'string') return token;
        idToken = token;
      }
      const chargingState: ChargingState = reason === 'EVDisconnected' || ctx.evAway === true ? 'Idle' : 'EVConnected';
      return {
        eventType: 'Ended',
        timestamp: p['timestamp'],
        triggerReason,
        ...common,
        transactionInfo: { transactionId: tx.id, chargingState, stoppedReason },
        ...(idToken ? { idToken } : {}),
        meterValue: [...(ctx.txValues?.periodic ?? []), withSampled(registerValue(p['meterStop'], p['timestamp'], 'Transaction.End'), ctx.txValues?.ended)],
      };
    }
    case 'MeterValues': {
      const meterValue = meterValuesFrom(p['meterValue']);
      if (typeof meterValue === 'string') return `MeterValues #${message.seq}: ${meterValue}`;
      const first = meterValue[0];
      if (first === undefined) return `MeterValues #${message.seq} has no numeric sampled value`;
      return {
        eventType: 'Updated',
        timestamp: first.timestamp,
        triggerReason: triggerOfContext(meterValue),
        ...common,
        transactionInfo: { transactionId: tx.id },
        meterValue,
      };
    }
    case 'TransactionEvent': {
      if (typeof p['timestamp'] !== 'string' || typeof p['triggerReason'] !== 'string') return `TransactionEvent #${message.seq} has no timestamp or triggerReason`;
      const meterValue = p['meterValue'] === undefined ? [] : meterValuesFrom(p['meterValue']);
      if (typeof meterValue === 'string') return `TransactionEvent #${message.seq}: ${meterValue}`;
      const idToken = p['idToken'] === undefined ? undefined : idTokenOf(p['idToken'], ctx);
      if (typeof idToken === 'string') return idToken;
      return {
        eventType: 'Updated',
        timestamp: p['timestamp'],
        triggerReason: p['triggerReason'] as TriggerReason,
        ...common,
        transactionInfo: {
          transactionId: tx.id,
          ...(typeof p['chargingState'] === 'string' ? { chargingState: p['chargingState'] as ChargingState } : {}),
        },
        ...(idToken ? { idToken } : {}),
        ...(meterValue.length > 0 ? { meterValue } : {}),
      };
    }
    default:
      return `${message.kind} #${message.seq} is no TransactionEvent`;
  }
}

/** The payload of an Updated the 2.0.1 uplink queues (kind TransactionEvent): the facts of the moment, nothing of the wire. */
export interface UpdatedFacts {
  readonly timestamp: string;
  readonly triggerReason: TriggerReason;
  readonly chargingState?: ChargingState;
  /** The id tag that authorized (Authorized trigger); its type is looked up at send time. */
  readonly idToken?: string;
  readonly meterValue?: readonly MeterValue[];
}
