import type { ContactorFeedbackFault, ContactorPosition } from '../../hal/contactor.js';
import type { StationHardware } from '../../hal/index.js';
import type { PilotOutput } from '../../hal/pilot.js';
import type { Clock, TimerHandle } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { logSafely } from './safe-log.js';
import { interlockAllowsClose, interlockHolds, type ChargerState } from './charger-fsm.js';
import type { FaultRegistry } from './fault-registry.js';
import type { PilotLayer } from './pilot-layer.js';

/** What became of a closing the state machine asked for. */
export type CloseOutcome =
  /** The relay is energised. */
  | 'closed'
  /** Not now: the fresh readings or the hardware say wait (the guard asks for a re-check when it may be retried). */
  | 'held'
  /** Refused for good: the interlock fails on fresh readings, or the relay could not be written (a fault is raised). */
  | 'refused';

export interface OutputGuardDeps {
  readonly hardware: StationHardware;
  readonly pilotLayer: PilotLayer;
  readonly faults: FaultRegistry;
  readonly clock: Clock;
  /** Real time for the hardware's own timing (minimum closing interval), which `--speed` must not shorten. */
  readonly ioClock: Clock;
  readonly log: Logger;
  /** The outputs moved (posted as notifications, after the safety actions). */
  readonly onContactor: (position: ContactorPosition) => void;
  /** A closing held back may be retried now: the runner re-evaluates the state machine. */
  readonly recheck: () => void;
  /** The fresh reading shows the diode missing. */
  readonly diodeFailed: () => void;
}

/**
 * The outputs: contactor and pilot generator. Every write to them goes through here, and so does every safety
 * re-check against the hardware's own readings:
 * - opening is synchronous and comes first; nothing (no log, no listener) runs before the GPIO write;
 * - closing re-checks the interlock on a fresh pilot reading, with a settled diode check, and waits out the relay's
 *   minimum closing interval (a wait, never a fault);
 * - the control tick re-checks a closed contactor against fresh readings, so a missed event cannot leave it closed;
 * - the auxiliary contact's supervision is the driver's (it knows the relay's timing); its verdicts become faults here.
 */
export class OutputGuard {
  private openSinceMono: number | null = 0;
  private closeWaitTimer: TimerHandle | undefined;
  private closeHeldForReading = false;
  private readonly unsubscribers: (() => void)[] = [];

  constructor(private readonly deps: OutputGuardDeps) {}

  /** Subscribes to the contactor's feedback and its faults. */
  start(): void {
    const { contactor } = this.deps.hardware;
    this.unsubscribers.push(
      contactor.onFeedbackFault((fault) => this.onFeedbackFault(fault)),
      contactor.onFeedback(() => this.onFeedbackAgreement()),
    );
  }

  /** Monotonic time since which the contactor has been open, or null while closed (the sample monitor needs it). */
  openSince(): number | null {
    return this.openSinceMono;
  }

  /** Opens the contactor. Synchronous, never throws; a failed write puts the pilot in F and raises driver-failure. */
  open(): boolean {
    const { contactor, pilot } = this.deps.hardware;
    this.cancelCloseWait();
    this.openSinceMono ??= this.deps.clock.monotonicMs();
    try {
      contactor.open();
    } catch (err) {
      // The relay may still be energised: tell the EV to stop drawing, then latch the fault.
      this.deps.pilotLayer.setGenerator({ mode: 'stateF' });
      try {
        pilot.setOutput({ mode: 'stateF' });
      } catch {
        /* already failing; the fault below says so */
      }
      this.deps.faults.raise('driver-failure', `contactor open failed: ${errorMessage(err)}`);
      return false;
    }
    this.deps.onContactor('open');
    // A contact that never moved (fails-to-close) has no edge to report: its agreement is checked here.
    this.onFeedbackAgreement();
    return true;
  }

  /** Closes the contactor if fresh readings and the hardware allow it now; see {@link CloseOutcome}. */
  close(state: ChargerState): CloseOutcome {
    const { contactor, pilot } = this.deps.hardware;
    const reading = pilot.read();
    if (reading.negativeLevel === 'absent') {
      this.deps.diodeFailed();
      return 'refused';
    }
    if (!interlockAllowsClose({ ...state, pilot: reading.state }) || this.deps.faults.summary().stopLatched) {
      logSafely(this.deps.log, 'warn', { pilot: reading.state }, 'close refused by interlock on fresh reading');
      return 'refused';
    }
    if (reading.negativeLevel !== 'present') {
      // The detector has not settled on this PWM run (or restarted): wait for the driver's next reading.
      this.closeHeldForReading = true;
      return 'held';
    }
    const waitMs = contactor.closeAllowedInMs();
    if (waitMs > 0) {
      this.holdFor(waitMs);
      return 'held';
    }
    try {
      contactor.close();
    } catch (err) {
      this.open();
      this.deps.faults.raise('driver-failure', `contactor close failed: ${errorMessage(err)}`);
      return 'refused';
    }
    this.openSinceMono = null;
    this.deps.onContactor('closed');
    return 'closed';
  }

  /** A new pilot reading arrived: a closing held for a settled diode reading may be retried. */
  pilotReadingChanged(): void {
    if (!this.closeHeldForReading) return;
    this.closeHeldForReading = false;
    this.deps.recheck();
  }

  /** Drives the pilot generator. False when the write failed (outputs forced safe, driver-failure raised). */
  setPilot(output: PilotOutput): boolean {
    const { pilot } = this.deps.hardware;
    this.deps.pilotLayer.setGenerator(output);
    try {
      pilot.setOutput(output);
    } catch (err) {
      this.forceSafe('pilot write failed');
      this.deps.faults.raise('driver-failure', `pilot output failed: ${errorMessage(err)}`);
      return false;
    }
    return true;
  }

  /**
   * Forces the outputs safe without the state machine (exit path, driver failures): contactor open, then the pilot.
   * Never throws; safe to call at any time, repeatedly.
   */
  forceSafe(reason: string, output: PilotOutput = { mode: 'steady' }): void {
    const { contactor, pilot } = this.deps.hardware;
    this.cancelCloseWait();
    try {
      contactor.open();
      this.openSinceMono ??= this.deps.clock.monotonicMs();
    } catch (err) {
      logSafely(this.deps.log, 'error', { err: errorMessage(err), reason }, 'contactor open failed in safe state');
    }
    this.deps.pilotLayer.setGenerator(output);
    try {
      pilot.setOutput(output);
    } catch (err) {
      logSafely(this.deps.log, 'error', { err: errorMessage(err), reason }, 'pilot output failed in safe state');
    }
  }

  /**
   * The control tick's re-check (every 100 ms): a relay that is energised while the state machine wants it open, or
   * whose conditions no longer hold on fresh readings, is opened here even when no event arrived. Returns true when
   * it had to act.
   */
  supervise(state: ChargerState): boolean {
    const { contactor, pilot } = this.deps.hardware;
    if (contactor.commanded() !== 'closed') return false;
    const reading = pilot.read();
    const fresh: ChargerState = {
      ...state,
      pilot: reading.state,
      diode: reading.negativeLevel === 'absent' ? 'failed' : state.diode,
    };
    const holds = state.contactor === 'closed' && interlockHolds(fresh) && !this.deps.faults.summary().stopLatched;
    if (holds) return false;
    this.open();
    logSafely(this.deps.log, 'warn', { pilot: reading.state, wanted: state.contactor }, 'control tick opened the contactor');
    return true;
  }

  dispose(): void {
    this.cancelCloseWait();
    for (const u of this.unsubscribers.splice(0)) u();
  }

  private holdFor(ms: number): void {
    this.cancelCloseWait();
    this.closeWaitTimer = this.deps.ioClock.setTimeout(() => {
      this.closeWaitTimer = undefined;
      this.deps.recheck();
    }, ms);
  }

  private cancelCloseWait(): void {
    this.closeHeldForReading = false;
    if (this.closeWaitTimer !== undefined) this.deps.ioClock.clearTimeout(this.closeWaitTimer);
    this.closeWaitTimer = undefined;
  }

  private onFeedbackFault(fault: ContactorFeedbackFault): void {
    if (fault.kind === 'welded') {
      this.deps.faults.raise('contactor-welded', `auxiliary contact still closed ${Math.round(fault.afterMs)} ms after open`);
    } else {
      this.deps.faults.raise('contactor-close-failed', `auxiliary contact still open ${Math.round(fault.afterMs)} ms after close`);
    }
  }

  /** The auxiliary contact agrees with an open command: the contactor's own faults are gone. */
  private onFeedbackAgreement(): void {
    const { contactor } = this.deps.hardware;
    if (contactor.feedback() === 'open' && contactor.commanded() === 'open') {
      this.deps.faults.conditionGone('contactor-welded');
      this.deps.faults.conditionGone('contactor-close-failed');
    }
  }

}

