/**
 * TxStartPoint / TxStopPoint (TxCtrlr): a pure decision of when a transaction starts and ends, from the configured
 * points and the station's facts in the order they happened.
 *
 * 2.0.1 semantics: a transaction STARTS at the first fact that makes any start point true; it ENDS at the first fact
 * that makes a stop point false that was true while the transaction ran. PowerPathClosed is "EV connected and
 * authorized, the contactor may close"; EnergyTransfer is energy flowing. An unplugged EV always ends a running
 * transaction (nothing of it can go on without the EV), whatever the stop points.
 */
import type { StopReason } from '../../../session/recorder.js';
import type { TriggerReason } from './types.js';

export type TxPoint = 'EVConnected' | 'Authorized' | 'PowerPathClosed' | 'EnergyTransfer';

/** The points this station can detect (no parking bay sensor, no signed data): the device model's valuesList. */
export const SUPPORTED_TX_POINTS: readonly TxPoint[] = ['EVConnected', 'Authorized', 'PowerPathClosed', 'EnergyTransfer'];

export interface TxPoints {
  readonly start: readonly TxPoint[];
  readonly stop: readonly TxPoint[];
}

/** OCA's recommended defaults: start when power may flow, end when the driver or the EV leaves. */
export const DEFAULT_TX_POINTS: TxPoints = { start: ['PowerPathClosed'], stop: ['EVConnected', 'Authorized'] };

/** Parses a TxStartPoint / TxStopPoint value (a comma-separated list); null when it holds an unsupported point or none. */
export function parseTxPoints(value: string): TxPoint[] | null {
  const items = value.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
  if (items.length === 0) return null;
  const points: TxPoint[] = [];
  for (const item of items) {
    if (!(SUPPORTED_TX_POINTS as readonly string[]).includes(item)) return null;
    if (!points.includes(item as TxPoint)) points.push(item as TxPoint);
  }
  return points;
}

/** A fact of the station, in the order it happened. */
export type StationFact =
  | { readonly kind: 'plugged-in' }
  | { readonly kind: 'unplugged' }
  | { readonly kind: 'authorized'; readonly remote: boolean }
  /** The authorization ended: a card tap, a remote stop, a CSMS that refused the token, a reset… */
  | { readonly kind: 'deauthorized'; readonly reason: StopReason }
  | { readonly kind: 'power-path-closed' }
  | { readonly kind: 'power-path-opened'; readonly reason: StopReason }
  | { readonly kind: 'energy-flow-started' }
  | { readonly kind: 'energy-flow-stopped' };

export interface TxConditions {
  readonly evConnected: boolean;
  readonly authorized: boolean;
  readonly powerPathClosed: boolean;
  readonly energyTransfer: boolean;
}

export interface TxState {
  readonly conditions: TxConditions;
  readonly running: boolean;
  /** Stop points that were true while the transaction ran (only those can end it). */
  readonly armedStops: readonly TxPoint[];
}

export const IDLE: TxState = {
  conditions: { evConnected: false, authorized: false, powerPathClosed: false, energyTransfer: false },
  running: false,
  armedStops: [],
};

export type TxDecision =
  | { readonly action: 'none' }
  | { readonly action: 'start'; readonly triggerReason: TriggerReason }
  | { readonly action: 'end'; readonly triggerReason: TriggerReason; readonly reason: StopReason };

function holds(point: TxPoint, c: TxConditions): boolean {
  switch (point) {
    case 'EVConnected':
      return c.evConnected;
    case 'Authorized':
      return c.authorized;
    case 'PowerPathClosed':
      return c.powerPathClosed;
    case 'EnergyTransfer':
      return c.energyTransfer;
  }
}

function apply(c: TxConditions, fact: StationFact): TxConditions {
  switch (fact.kind) {
    case 'plugged-in':
      return { ...c, evConnected: true };
    case 'unplugged':
      return { evConnected: false, authorized: c.authorized, powerPathClosed: false, energyTransfer: false };
    case 'authorized':
      return { ...c, authorized: true };
    case 'deauthorized':
      return { ...c, authorized: false, powerPathClosed: false, energyTransfer: false };
    case 'power-path-closed':
      return { ...c, powerPathClosed: true };
    case 'power-path-opened':
      return { ...c, powerPathClosed: false, energyTransfer: false };
    case 'energy-flow-started':
      return { ...c, energyTransfer: true };
    case 'energy-flow-stopped':
      return { ...c, energyTransfer: false };
  }
}

/** The trigger of a Started event: the fact that made the start point true. */
function startTrigger(fact: StationFact): TriggerReason {
  switch (fact.kind) {
    case 'plugged-in':
      return 'CablePluggedIn';
    case 'authorized':
      return fact.remote ? 'RemoteStart' : 'Authorized';
    default:
      return 'ChargingStateChanged';
  }
}

/** The trigger and reason of an Ended event: the fact that made a stop point false. */
function endOf(fact: StationFact): { triggerReason: TriggerReason; reason: StopReason } {
  switch (fact.kind) {
    case 'unplugged':
      return { triggerReason: 'EVDeparted', reason: 'EVDisconnected' };
    case 'deauthorized':
      return {
        triggerReason: fact.reason === 'Remote' ? 'RemoteStop' : fact.reason === 'DeAuthorized' ? 'Deauthorized' : 'StopAuthorized',
        reason: fact.reason,
      };
    case 'power-path-opened':
      return { triggerReason: fact.reason === 'Remote' ? 'RemoteStop' : 'ChargingStateChanged', reason: fact.reason };
    default:
      return { triggerReason: 'ChargingStateChanged', reason: 'Other' };
  }
}

/** The next state after `fact`, and whether the transaction starts or ends with it. */
export function decideTx(points: TxPoints, state: TxState, fact: StationFact): { state: TxState; decision: TxDecision } {
  const conditions = apply(state.conditions, fact);
  if (!state.running) {
    const starts = points.start.some((p) => holds(p, conditions) && !holds(p, state.conditions));
    if (!starts) return { state: { ...state, conditions }, decision: { action: 'none' } };
    const armedStops = points.stop.filter((p) => holds(p, conditions));
    return { state: { conditions, running: true, armedStops }, decision: { action: 'start', triggerReason: startTrigger(fact) } };
  }
  const ends = (fact.kind === 'unplugged' && state.conditions.evConnected) || state.armedStops.some((p) => !holds(p, conditions));
  if (ends) return { state: { conditions, running: false, armedStops: [] }, decision: { action: 'end', ...endOf(fact) } };
  const armedStops = points.stop.filter((p) => state.armedStops.includes(p) || holds(p, conditions));
  return { state: { conditions, running: true, armedStops }, decision: { action: 'none' } };
}

/** Runs facts through {@link decideTx}; the decisions that are not `none`, with the index of the fact that made them. */
export function decideAll(points: TxPoints, facts: readonly StationFact[], from: TxState = IDLE): { index: number; decision: TxDecision }[] {
  const out: { index: number; decision: TxDecision }[] = [];
  let state = from;
  facts.forEach((fact, index) => {
    const next = decideTx(points, state, fact);
    state = next.state;
    if (next.decision.action !== 'none') out.push({ index, decision: next.decision });
  });
  return out;
}
