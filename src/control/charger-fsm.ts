import type { PilotOutput, PilotState } from '../../hal/pilot.js';
import { dutyForCurrent } from './power-limit.js';

/** OCPP 1.6 ChargePointStatus: the charger layer's states. */
export type ChargePointStatus =
  | 'Available'
  | 'Preparing'
  | 'Charging'
  | 'SuspendedEV'
  | 'SuspendedEVSE'
  | 'Finishing'
  | 'Reserved'
  | 'Unavailable'
  | 'Faulted';

/** OCPP 1.6 StopTransaction reasons. */
export type StopReason =
  | 'EmergencyStop'
  | 'EVDisconnected'
  | 'HardReset'
  | 'Local'
  | 'Other'
  | 'PowerLoss'
  | 'Reboot'
  | 'Remote'
  | 'SoftReset'
  | 'UnlockCommand'
  | 'DeAuthorized';

export type SessionPhase = 'none' | 'starting' | 'active' | 'stopping';
export type DiodeCheck = 'unchecked' | 'ok' | 'failed';
export type TimerName = 'force-open' | 'f-hold';

/**
 * Everything the charger layer knows. Plain data: the transition function below is pure, so every rule can be tested
 * as a table of `{ from, input, to, actions }`.
 */
export interface ChargerState {
  readonly status: ChargePointStatus;
  /** Debounced pilot state from the pilot layer. */
  readonly pilot: PilotState;
  /**
   * The diode check of this PWM run: `unchecked` until the pilot driver reports a settled negative level after the PWM
   * started (and again whenever the PWM stops), `ok` once it read present, `failed` once it read absent (kept until the
   * EV is unplugged). The contactor closes only on `ok`: a reading taken before the detector settled proves nothing.
   */
  readonly diode: DiodeCheck;
  /** Authorization for the next or current session; `idTag` null means free vend. */
  readonly authorization: { readonly idTag: string | null } | null;
  readonly freeVend: boolean;
  readonly session: SessionPhase;
  /** A stop is pending with this reason. */
  readonly stopReason: StopReason | null;
  /** A session ended while the EV is still plugged: Finishing until it leaves. */
  readonly finished: boolean;
  /** A stop-class fault is latched. */
  readonly stopFault: boolean;
  /** The latched faults require the running session to end with this reason. */
  readonly faultEndsSession: 'EmergencyStop' | 'Other' | null;
  /** Current offered now (already rate-limited by the runner), amperes. */
  readonly offeredA: number;
  readonly contactor: 'open' | 'closed';
  readonly output: PilotOutput;
  readonly operative: boolean;
  /** ChangeAvailability(Inoperative) arrived while a session ran: applied when it ends. */
  readonly inoperativeScheduled: boolean;
  readonly reserved: boolean;
  /** PWM was removed while the contactor was closed; the force-open timer runs. */
  readonly forceOpenArmed: boolean;
  readonly forceOpenExpired: boolean;
  /** State F has been held long enough after a fault; the generator may go back to steady +12 V. */
  readonly fHoldDone: boolean;
}

export type ChargerInput =
  | { readonly type: 'pilot'; readonly state: PilotState }
  | { readonly type: 'diode-failed' }
  | { readonly type: 'diode-ok' }
  /** Re-evaluate without a new fact (an output the runner held back may now be applied). */
  | { readonly type: 'recheck' }
  | { readonly type: 'authorize'; readonly idTag: string | null }
  | { readonly type: 'deauthorize' }
  | { readonly type: 'stop'; readonly reason: StopReason; readonly immediate?: boolean }
  | { readonly type: 'session-started' }
  | { readonly type: 'session-start-failed' }
  | { readonly type: 'session-stopped' }
  | { readonly type: 'faults'; readonly stop: boolean; readonly endsSession: 'EmergencyStop' | 'Other' | null }
  | { readonly type: 'offer'; readonly amps: number }
  | { readonly type: 'availability'; readonly operative: boolean }
  | { readonly type: 'reservation'; readonly active: boolean }
  | { readonly type: 'timer'; readonly name: TimerName };

export type ChargerAction =
  | { readonly type: 'contactor'; readonly position: 'open' | 'closed' }
  | { readonly type: 'pilot'; readonly output: PilotOutput }
  | { readonly type: 'start-session'; readonly idTag: string | null }
  | { readonly type: 'stop-session'; readonly reason: StopReason }
  | { readonly type: 'start-timer'; readonly name: TimerName; readonly ms: number }
  | { readonly type: 'cancel-timer'; readonly name: TimerName }
  | { readonly type: 'status'; readonly status: ChargePointStatus };

export interface ChargerTiming {
  /** Force the contactor open this long after PWM was removed if the EV keeps asking for power. */
  readonly forceOpenMs: number;
  /** Hold state F at least this long after a stop fault. */
  readonly fHoldMs: number;
}

export const defaultTiming: ChargerTiming = { forceOpenMs: 3000, fHoldMs: 300 };

/** The state at boot: nothing plugged as far as we know, contactor open, generator steady. */
export function initialChargerState(opts: { freeVend: boolean; offeredA: number; pilot?: PilotState }): ChargerState {
  return {
    status: 'Available',
    pilot: opts.pilot ?? 'A',
    diode: 'unchecked',
    authorization: null,
    freeVend: opts.freeVend,
    session: 'none',
    stopReason: null,
    finished: false,
    stopFault: false,
    faultEndsSession: null,
    offeredA: opts.offeredA,
    contactor: 'open',
    output: { mode: 'steady' },
    operative: true,
    inoperativeScheduled: false,
    reserved: false,
    forceOpenArmed: false,
    forceOpenExpired: false,
    fHoldDone: true,
  };
}

const evPresentStates: ReadonlySet<PilotState> = new Set(['B', 'C', 'D']);
const powerStates: ReadonlySet<PilotState> = new Set(['C', 'D']);

/**
 * The safety interlock of DESIGN.md invariant 1, as a predicate over the state: a closed contactor may stay closed only
 * while it holds. `offering` covers "current limit at least 6 A"; the one exception is the bounded grace after PWM was
 * removed, during which an EV is given time to stop drawing before the contactor opens under load (the diode check is
 * then `unchecked` again, which keeps a closed contactor but never closes one).
 */
export function interlockHolds(s: ChargerState): boolean {
  return (
    powerStates.has(s.pilot) &&
    s.diode !== 'failed' &&
    (s.session === 'active' || s.session === 'stopping') &&
    s.authorization !== null &&
    !s.stopFault &&
    s.offeredA >= 6
  );
}

/** Closing needs the interlock and a diode check that passed on a settled reading of this PWM run. */
export function interlockAllowsClose(s: ChargerState): boolean {
  return interlockHolds(s) && s.diode === 'ok';
}

/** Whether the station offers charging (PWM on) in this state. */
function offering(s: ChargerState): boolean {
  return (
    s.session === 'active' &&
    s.stopReason === null &&
    !s.stopFault &&
    (s.operative || s.inoperativeScheduled) &&
    s.offeredA >= 6 &&
    evPresentStates.has(s.pilot) &&
    s.diode !== 'failed'
  );
}

/** Folds one input into the facts, without deciding anything yet. */
function apply(s: ChargerState, input: ChargerInput): ChargerState {
  switch (input.type) {
    case 'pilot': {
      if (input.state === 'A') {
        // Unplugged: a pending or running session ends; a finished one is done; the diode gets a fresh check.
        // An authorization given before plugging in stays (OCPP's ConnectionTimeOut expires it, in the runner).
        const running = s.session === 'active' || s.session === 'starting';
        return {
          ...s,
          pilot: 'A',
          diode: 'unchecked',
          finished: false,
          stopReason: running ? (s.stopReason ?? 'EVDisconnected') : s.stopReason,
        };
      }
      return { ...s, pilot: input.state };
    }
    case 'diode-failed':
      return { ...s, diode: 'failed' };
    case 'diode-ok':
      // Only a reading of the PWM that runs now counts; one that arrives after the PWM stopped is stale.
      return s.output.mode === 'pwm' && s.diode === 'unchecked' ? { ...s, diode: 'ok' } : s;
    case 'recheck':
      return s;
    case 'authorize':
      if (s.session !== 'none' || s.finished || !s.operative) return s;
      return { ...s, authorization: { idTag: input.idTag } };
    case 'deauthorize':
      if (s.session === 'none') return { ...s, authorization: null };
      return { ...s, stopReason: s.stopReason ?? 'DeAuthorized' };
    case 'stop':
      if (s.session === 'active' || s.session === 'starting') {
        // An immediate stop (shutdown, reset) does not wait for the EV to stop drawing.
        const forceOpenExpired = input.immediate === true || s.forceOpenExpired;
        return { ...s, stopReason: s.stopReason ?? input.reason, forceOpenExpired };
      }
      return s.session === 'none' ? { ...s, authorization: null } : s;
    case 'session-started':
      return s.session === 'starting' ? { ...s, session: 'active' } : s;
    case 'session-start-failed':
      return { ...s, session: 'none', authorization: null, stopReason: null };
    case 'session-stopped': {
      const operative = s.inoperativeScheduled ? false : s.operative;
      return {
        ...s,
        session: 'none',
        stopReason: null,
        authorization: null,
        finished: evPresentStates.has(s.pilot),
        operative,
        inoperativeScheduled: false,
      };
    }
    case 'faults':
      return {
        ...s,
        stopFault: input.stop,
        faultEndsSession: input.endsSession,
        fHoldDone: input.stop && !s.stopFault ? false : s.fHoldDone,
      };
    case 'offer':
      return { ...s, offeredA: input.amps };
    case 'availability':
      if (input.operative) return { ...s, operative: true, inoperativeScheduled: false };
      if (s.session !== 'none') return { ...s, inoperativeScheduled: true };
      return { ...s, operative: false, authorization: null };
    case 'reservation':
      return { ...s, reserved: input.active };
    case 'timer':
      if (input.name === 'force-open') return s.forceOpenArmed ? { ...s, forceOpenExpired: true } : s;
      return { ...s, fHoldDone: true };
  }
}

function desiredOutput(s: ChargerState): PilotOutput {
  if (s.stopFault && !s.fHoldDone) return { mode: 'stateF' };
  if (offering(s)) return { mode: 'pwm', dutyPercent: dutyForCurrent(s.offeredA) };
  return { mode: 'steady' };
}

function sameOutput(a: PilotOutput, b: PilotOutput): boolean {
  if (a.mode !== b.mode) return false;
  return a.mode !== 'pwm' || (b.mode === 'pwm' && a.dutyPercent === b.dutyPercent);
}

/** The status implied by the facts. While a stop is being committed the status holds (journal first). */
function deriveStatus(s: ChargerState, previous: ChargePointStatus): ChargePointStatus {
  if (s.stopFault) return 'Faulted';
  if (s.session === 'stopping' || (s.session === 'active' && s.stopReason !== null)) {
    return previous === 'Faulted' ? 'Finishing' : previous;
  }
  const evPresent = evPresentStates.has(s.pilot);
  if (s.session === 'none') {
    if (!s.operative) return 'Unavailable';
    if (!evPresent) return s.reserved ? 'Reserved' : 'Available';
    return s.finished ? 'Finishing' : 'Preparing';
  }
  if (s.session === 'starting') return 'Preparing';
  // active, no stop pending
  if (!offering(s)) return 'SuspendedEVSE';
  if (s.contactor === 'closed') return 'Charging';
  return powerStates.has(s.pilot) ? 'SuspendedEVSE' : 'SuspendedEV';
}

/**
 * The charger layer's transition function: pure, `(state, input) → { state, actions }`. Actions are ordered for
 * safety: an opening contactor comes first, a closing one after the pilot output it depends on.
 */
export function step(
  prev: ChargerState,
  input: ChargerInput,
  timing: ChargerTiming = defaultTiming,
): { state: ChargerState; actions: ChargerAction[] } {
  let s = apply(prev, input);
  const first: ChargerAction[] = [];
  const rest: ChargerAction[] = [];

  // Faults that end sessions turn into a stop request.
  if ((s.session === 'active' || s.session === 'starting') && s.stopReason === null && s.faultEndsSession !== null) {
    s = { ...s, stopReason: s.faultEndsSession };
  }

  // A new session starts once an EV is present and someone (or free vend) authorized it.
  if (
    s.session === 'none' &&
    !s.finished &&
    s.operative &&
    !s.stopFault &&
    evPresentStates.has(s.pilot) &&
    (s.authorization !== null || s.freeVend)
  ) {
    const idTag = s.authorization?.idTag ?? null;
    s = { ...s, session: 'starting', authorization: s.authorization ?? { idTag: null } };
    rest.push({ type: 'start-session', idTag });
  }

  // Contactor: open at once when the interlock fails for a safety reason; after PWM removal give the EV a bounded
  // grace to stop drawing; close only when everything holds and PWM is on.
  const wantOffer = offering(s);
  if (s.contactor === 'closed') {
    const safe = interlockHolds(s) && s.session !== 'stopping';
    const graceOver = !wantOffer && s.forceOpenExpired;
    if (!safe || graceOver) {
      s = { ...s, contactor: 'open', forceOpenArmed: false, forceOpenExpired: false };
      first.push({ type: 'contactor', position: 'open' });
      const timerFired = input.type === 'timer' && input.name === 'force-open';
      if (prev.forceOpenArmed && !timerFired) rest.push({ type: 'cancel-timer', name: 'force-open' });
    } else if (!wantOffer && !s.forceOpenArmed) {
      s = { ...s, forceOpenArmed: true, forceOpenExpired: false };
      rest.push({ type: 'start-timer', name: 'force-open', ms: timing.forceOpenMs });
    } else if (wantOffer && s.forceOpenArmed) {
      s = { ...s, forceOpenArmed: false, forceOpenExpired: false };
      rest.push({ type: 'cancel-timer', name: 'force-open' });
    }
  } else if (s.forceOpenArmed || s.forceOpenExpired) {
    if (s.forceOpenArmed) rest.push({ type: 'cancel-timer', name: 'force-open' });
    s = { ...s, forceOpenArmed: false, forceOpenExpired: false };
  }

  // Pilot generator.
  const output = desiredOutput(s);
  if (!sameOutput(output, s.output)) {
    first.push({ type: 'pilot', output });
    if (output.mode === 'stateF') rest.push({ type: 'start-timer', name: 'f-hold', ms: timing.fHoldMs });
    // A new PWM run needs a new diode check; a duty change within a run keeps it.
    const pwmRunEnds = s.output.mode === 'pwm' && output.mode !== 'pwm';
    const pwmRunStarts = s.output.mode !== 'pwm' && output.mode === 'pwm';
    const diode = s.diode === 'failed' || !(pwmRunEnds || pwmRunStarts) ? s.diode : 'unchecked';
    s = { ...s, output, diode };
  }

  if (s.contactor === 'open' && wantOffer && output.mode === 'pwm' && interlockAllowsClose(s)) {
    s = { ...s, contactor: 'closed' };
    first.push({ type: 'contactor', position: 'closed' });
  }

  // The stop is committed once the contactor is open (meterStop is then final).
  if (s.session === 'active' && s.stopReason !== null && s.contactor === 'open') {
    rest.push({ type: 'stop-session', reason: s.stopReason });
    s = { ...s, session: 'stopping' };
  }

  const status = deriveStatus(s, prev.status);
  if (status !== prev.status) rest.push({ type: 'status', status });
  s = { ...s, status };

  return { state: s, actions: [...first, ...rest] };
}
