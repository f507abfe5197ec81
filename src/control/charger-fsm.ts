import type { PilotOutput, PilotState } from '../../hal/pilot.js';
import { dutyForCurrent } from '../../hal/pilot-duty.js';

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
export type TimerName = 'force-open' | 'f-hold' | 'connection-timeout';
/**
 * The cable lock of a socket outlet: `none` when the station has a fixed cable (no lock fitted); `locking` and
 * `unlocking` while a command runs; `failed` when the last command did not confirm (the position is then unknown, so
 * the plug counts as possibly locked).
 */
export type LockState = 'none' | 'unlocked' | 'locking' | 'locked' | 'unlocking' | 'failed';

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
  /**
   * OCPP ConnectionTimeOut: the timer runs while an authorization waits for a plug-in or a plug-in waits for an
   * authorization (never with free vend).
   */
  readonly connectionTimerArmed: boolean;
  /** A plug-in was never authorized within ConnectionTimeOut: the connector shows Available again (cleared on unplug). */
  readonly connectionTimedOut: boolean;
  /** The station has a ventilation output (IEC 61851-1 state D may be charged); without it D never closes. */
  readonly ventilationAvailable: boolean;
  /** The ventilation output as last commanded. */
  readonly ventilation: boolean;
  readonly lock: LockState;
  /** OCPP UnlockConnectorOnEVSideDisconnect: when false, an unplug leaves the cable locked (see `lockHold`). */
  readonly unlockOnEvSideDisconnect: boolean;
  /**
   * The EV left while the cable stays locked (UnlockConnectorOnEVSideDisconnect false): released by a tap of the id
   * tag that started the session (`idTag`) or by UnlockConnector.
   */
  readonly lockHold: { readonly idTag: string | null } | null;
  /** UnlockConnector arrived: the lock is released (even when it reads unlocked) once the session stopped. */
  readonly unlockRequested: boolean;
  /**
   * End the session when the EV side disconnects (state A), default true. When false an active session is kept,
   * suspended (contactor open, steady +12 V, SuspendedEV) until the EV comes back or something else stops it (OCPP 1.6
   * StopTransactionOnEVSideDisconnect, 2.0.1 TxCtrlr.StopTxOnEVSideDisconnect / E10).
   */
  readonly stopOnEvSideDisconnect: boolean;
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
  | { readonly type: 'timer'; readonly name: TimerName }
  /** The outcome of a `lock` / `unlock` action (hal/cable-lock.ts: confirmed by the feedback, or not). */
  | { readonly type: 'lock-result'; readonly operation: 'lock' | 'unlock'; readonly ok: boolean }
  /** OCPP UnlockConnector: stop a running session with UnlockCommand, then release the lock. */
  | { readonly type: 'unlock-request' }
  /** OCPP UnlockConnectorOnEVSideDisconnect changed (and once at startup with the stored value). */
  | { readonly type: 'unlock-on-ev-side-disconnect'; readonly value: boolean }
  /** Whether state A ends an active session (see `ChargerState.stopOnEvSideDisconnect`); live, and once at startup. */
  | { readonly type: 'stop-on-ev-side-disconnect'; readonly value: boolean };

export type ChargerAction =
  | { readonly type: 'contactor'; readonly position: 'open' | 'closed' }
  | { readonly type: 'pilot'; readonly output: PilotOutput }
  | { readonly type: 'start-session'; readonly idTag: string | null }
  | { readonly type: 'stop-session'; readonly reason: StopReason }
  | { readonly type: 'start-timer'; readonly name: TimerName; readonly ms: number }
  | { readonly type: 'cancel-timer'; readonly name: TimerName }
  | { readonly type: 'status'; readonly status: ChargePointStatus }
  /** Switch the ventilation output (state D with ventilation). */
  | { readonly type: 'ventilation'; readonly on: boolean }
  /** Drive the cable lock; its outcome comes back as a `lock-result` input. */
  | { readonly type: 'lock' }
  | { readonly type: 'unlock' };

export interface ChargerTiming {
  /** Force the contactor open this long after PWM was removed if the EV keeps asking for power. */
  readonly forceOpenMs: number;
  /** Hold state F at least this long after a stop fault. */
  readonly fHoldMs: number;
  /**
   * OCPP ConnectionTimeOut in ms: how long an authorization waits for a plug-in, and a plug-in for an authorization;
   * 0 = never.
   */
  readonly connectionTimeoutMs: number;
}

/** Without an uplink nobody sets ConnectionTimeOut, so it never expires; the OCPP key (default 60 s) sets it. */
export const defaultTiming: ChargerTiming = { forceOpenMs: 3000, fHoldMs: 300, connectionTimeoutMs: 0 };

/** The state at boot: nothing plugged as far as we know, contactor open, generator steady. */
export function initialChargerState(opts: {
  freeVend: boolean;
  offeredA: number;
  pilot?: PilotState;
  /** A socket outlet with a cable lock (default: fixed cable, no lock). */
  cableLock?: boolean;
  /** `control.ventilationAvailable` (default false: state D is refused). */
  ventilationAvailable?: boolean;
  /** OCPP UnlockConnectorOnEVSideDisconnect (default true). */
  unlockOnEvSideDisconnect?: boolean;
  /** End the session when the EV side disconnects (default true). */
  stopOnEvSideDisconnect?: boolean;
}): ChargerState {
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
    connectionTimerArmed: false,
    connectionTimedOut: false,
    ventilationAvailable: opts.ventilationAvailable ?? false,
    ventilation: false,
    lock: opts.cableLock === true ? 'unlocked' : 'none',
    unlockOnEvSideDisconnect: opts.unlockOnEvSideDisconnect ?? true,
    lockHold: null,
    unlockRequested: false,
    stopOnEvSideDisconnect: opts.stopOnEvSideDisconnect ?? true,
  };
}

const evPresentStates: ReadonlySet<PilotState> = new Set(['B', 'C', 'D']);
const powerStates: ReadonlySet<PilotState> = new Set(['C', 'D']);

/** The EV asks for power in a state this station may serve: C, or D only with ventilation (IEC 61851-1). */
function powerAllowed(s: ChargerState): boolean {
  return s.pilot === 'C' || (s.pilot === 'D' && s.ventilationAvailable);
}

/** No lock fitted, or the lock confirmed: the plug is held. */
function lockHeld(s: ChargerState): boolean {
  return s.lock === 'none' || s.lock === 'locked';
}

/**
 * The safety interlock of DESIGN.md invariant 1, as a predicate over the state: a closed contactor may stay closed only
 * while it holds. It has no current floor: a limit that drops below 6 A is not a safety condition, so it removes the
 * PWM (`offering` needs 6 A) and the EV gets the same bounded grace as for a stop to stop drawing before the contactor
 * opens, never under load at once (the diode check is then `unchecked` again, which keeps a closed contactor but never
 * closes one). Safety conditions (pilot, diode, lock, faults) open at once.
 */
export function interlockHolds(s: ChargerState): boolean {
  return (
    powerAllowed(s) &&
    lockHeld(s) &&
    s.diode !== 'failed' &&
    (s.session === 'active' || s.session === 'stopping') &&
    s.authorization !== null &&
    !s.stopFault
  );
}

/** Closing needs the interlock, at least 6 A offered, and a diode check that passed on a settled reading of this PWM run. */
export function interlockAllowsClose(s: ChargerState): boolean {
  return interlockHolds(s) && s.offeredA >= 6 && s.diode === 'ok';
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
    s.diode !== 'failed' &&
    // IEC practice: the plug is locked before power is offered, so the EV is never invited to draw through a plug
    // that could still be pulled, and a lock that fails never leaves an EV that was told it may draw.
    lockHeld(s)
  );
}

/** Waiting for the other half of "authorized and plugged in" (OCPP ConnectionTimeOut applies). */
function awaitingConnection(s: ChargerState): boolean {
  if (s.session !== 'none' || s.finished || !s.operative || s.freeVend || s.connectionTimedOut) return false;
  return (s.authorization !== null) !== evPresentStates.has(s.pilot);
}

/**
 * An active session kept while no EV is connected (stopOnEvSideDisconnect false): suspended, waiting for the EV to
 * come back or for a stop.
 */
export function evSideSuspended(s: ChargerState): boolean {
  return s.session === 'active' && s.stopReason === null && s.pilot === 'A';
}

/**
 * OCPP 2.0.1 E10.FR.02: with a fixed cable nothing holds the session for its driver once the EV left, so
 * EVConnectionTimeOut ends it (a socket outlet keeps the plug locked for the card that started it, E10.FR.01).
 */
function suspendedTimesOut(s: ChargerState): boolean {
  return evSideSuspended(s) && s.lock === 'none';
}

/** Folds one input into the facts, without deciding anything yet. */
function apply(s: ChargerState, input: ChargerInput): ChargerState {
  switch (input.type) {
    case 'pilot': {
      if (input.state === 'A') {
        // Unplugged: a pending or running session ends (an active one is kept, suspended, when the setting says so);
        // a finished one is done; the diode gets a fresh check. An authorization given before plugging in stays (the
        // connection-timeout timer expires it).
        const running = s.session === 'starting' || (s.session === 'active' && s.stopOnEvSideDisconnect);
        return {
          ...s,
          pilot: 'A',
          diode: 'unchecked',
          finished: false,
          connectionTimedOut: false,
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
      // The id tag that started the session releases a cable held after the EV left; the tap is used up.
      if (s.lockHold !== null && s.lockHold.idTag === input.idTag && s.session === 'none') return { ...s, lockHold: null };
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
      return s.session === 'starting' ? { ...s, session: 'active', connectionTimedOut: false } : s;
    case 'session-start-failed':
      return { ...s, session: 'none', authorization: null, stopReason: null };
    case 'session-stopped': {
      const operative = s.inoperativeScheduled ? false : s.operative;
      // UnlockConnectorOnEVSideDisconnect false: the cable stays locked after the EV left, for the starting id tag.
      const hold =
        s.stopReason === 'EVDisconnected' && !s.unlockOnEvSideDisconnect && !s.unlockRequested && s.lock === 'locked'
          ? { idTag: s.authorization?.idTag ?? null }
          : s.lockHold;
      return {
        ...s,
        lockHold: hold,
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
      switch (input.name) {
        case 'force-open':
          return s.forceOpenArmed ? { ...s, forceOpenExpired: true } : s;
        case 'f-hold':
          return { ...s, fHoldDone: true };
        case 'connection-timeout': {
          if (!s.connectionTimerArmed) return s; // stale: cancelled after it fired
          const expired = { ...s, connectionTimerArmed: false };
          // The EV never came back to a kept session: it is deauthorized (E10.FR.02).
          if (suspendedTimesOut(s)) return { ...expired, stopReason: 'DeAuthorized' };
          if (!awaitingConnection(s)) return expired;
          // An authorization nobody plugged in for is dropped; a plug-in nobody authorized shows Available again.
          return s.authorization !== null ? { ...expired, authorization: null } : { ...expired, connectionTimedOut: true };
        }
      }
      return s;
    case 'lock-result':
      if (input.operation === 'lock' && s.lock === 'locking') {
        if (input.ok) return { ...s, lock: 'locked' };
        // The session cannot go on without a held plug (the runner raises cable-lock-failed); once it stopped, one
        // release is tried, since a lock that did not confirm may still hold the plug.
        const running = s.session === 'active' || s.session === 'starting';
        return { ...s, lock: 'failed', unlockRequested: true, stopReason: running ? (s.stopReason ?? 'Other') : s.stopReason };
      }
      if (input.operation === 'unlock' && s.lock === 'unlocking') return { ...s, lock: input.ok ? 'unlocked' : 'failed' };
      return s; // stale or unexpected
    case 'unlock-request':
      if (s.lock === 'none') return s;
      if (s.session === 'active' || s.session === 'starting') {
        return { ...s, unlockRequested: true, lockHold: null, stopReason: s.stopReason ?? 'UnlockCommand' };
      }
      return { ...s, unlockRequested: true, lockHold: null };
    case 'unlock-on-ev-side-disconnect':
      return { ...s, unlockOnEvSideDisconnect: input.value };
    case 'stop-on-ev-side-disconnect': {
      // Set to true while a session is kept without an EV: the rule applies now, the session ends.
      const ends = input.value && evSideSuspended(s);
      return { ...s, stopOnEvSideDisconnect: input.value, stopReason: ends ? 'EVDisconnected' : s.stopReason };
    }
  }
}

/** Ventilation runs while an EV asks for power in D during a session, and whenever the contactor is closed in D. */
function wantsVentilation(s: ChargerState): boolean {
  if (!s.ventilationAvailable || s.pilot !== 'D') return false;
  return s.contactor === 'closed' || offering(s);
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
    // OCPP 1.6: a tap with no EV yet makes the connector Preparing (no longer available to someone else).
    if (!evPresent) return s.authorization !== null ? 'Preparing' : s.reserved ? 'Reserved' : 'Available';
    if (s.finished) return 'Finishing';
    // A plug-in never authorized within ConnectionTimeOut: available to whoever authorizes next.
    if (s.connectionTimedOut) return s.reserved ? 'Reserved' : 'Available';
    return 'Preparing';
  }
  if (s.session === 'starting' || s.lock === 'locking') return 'Preparing';
  // active, no stop pending
  // The EV left a kept session (E10): 1.6 has no status of its own for it; SuspendedEV says the EV takes no energy.
  if (s.pilot === 'A') return 'SuspendedEV';
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

  // OCPP ConnectionTimeOut: runs while an authorization waits for the EV or the EV for an authorization; a new tap
  // restarts it.
  const wantConnectionTimer = (awaitingConnection(s) || suspendedTimesOut(s)) && timing.connectionTimeoutMs > 0;
  if (wantConnectionTimer && (!s.connectionTimerArmed || (input.type === 'authorize' && s.authorization !== prev.authorization))) {
    s = { ...s, connectionTimerArmed: true };
    rest.push({ type: 'start-timer', name: 'connection-timeout', ms: timing.connectionTimeoutMs });
  } else if (!wantConnectionTimer && s.connectionTimerArmed) {
    s = { ...s, connectionTimerArmed: false };
    rest.push({ type: 'cancel-timer', name: 'connection-timeout' });
  }

  // Cable lock: locked once the session started, before any PWM (offering() waits for the confirmation).
  if (s.session === 'active' && s.stopReason === null && evPresentStates.has(s.pilot) && (s.lock === 'unlocked' || s.lock === 'failed')) {
    s = { ...s, lock: 'locking' };
    rest.push({ type: 'lock' });
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

  // Ventilation (state D): on before the contactor closes, off only once it is open.
  if (!s.ventilation && wantsVentilation(s)) {
    s = { ...s, ventilation: true };
    first.push({ type: 'ventilation', on: true });
  }

  if (s.contactor === 'open' && wantOffer && output.mode === 'pwm' && interlockAllowsClose(s)) {
    s = { ...s, contactor: 'closed' };
    first.push({ type: 'contactor', position: 'closed' });
  }

  if (s.ventilation && !wantsVentilation(s)) {
    s = { ...s, ventilation: false };
    rest.push({ type: 'ventilation', on: false });
  }

  // The stop is committed once the contactor is open (meterStop is then final).
  if (s.session === 'active' && s.stopReason !== null && s.contactor === 'open') {
    rest.push({ type: 'stop-session', reason: s.stopReason });
    s = { ...s, session: 'stopping' };
  }

  // The lock is released only after the session stopped and the contactor is open: automatically unless the cable is
  // held for its id tag (UnlockConnectorOnEVSideDisconnect false), always on UnlockConnector or after a failed lock.
  if (
    s.session === 'none' &&
    s.contactor === 'open' &&
    s.lock !== 'none' &&
    s.lock !== 'locking' &&
    s.lock !== 'unlocking' &&
    (s.unlockRequested || (s.lock === 'locked' && s.lockHold === null))
  ) {
    s = { ...s, lock: 'unlocking', unlockRequested: false };
    rest.push({ type: 'unlock' });
  }

  const status = deriveStatus(s, prev.status);
  if (status !== prev.status) rest.push({ type: 'status', status });
  s = { ...s, status };

  return { state: s, actions: [...first, ...rest] };
}
