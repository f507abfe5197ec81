import type { PilotOutput } from '../../hal/pilot.js';
import type { Clock, TimerHandle } from '../clock.js';
import {
  step,
  type ChargePointStatus,
  type ChargerAction,
  type ChargerInput,
  type ChargerState,
  type ChargerTiming,
  type StopReason,
  type TimerName,
} from './charger-fsm.js';
import type { CloseOutcome } from './output-guard.js';

/** What the runner does for the state machine's actions. The outputs come first in every step (`step` orders them). */
export interface ChargerEffects {
  openContactor(): void;
  /** Closes if fresh readings and the hardware allow it now. */
  closeContactor(state: ChargerState): CloseOutcome;
  /** False when the write failed (the effects forced the outputs safe). */
  setPilot(output: PilotOutput): boolean;
  startSession(idTag: string | null): void;
  stopSession(reason: StopReason): void;
  statusChanged(status: ChargePointStatus, previous: ChargePointStatus): void;
  /** Switches the ventilation output (state D); synchronous, before any closing that needs it. */
  setVentilation(on: boolean): void;
  /** Starts driving the cable lock; the outcome comes back as a `lock-result` input. */
  driveLock(operation: 'lock' | 'unlock'): void;
  /** Told about an effect that threw (a bug below the runner); the runner carries on with the next action. */
  effectFailed(action: ChargerAction, err: unknown): void;
}

/**
 * Runs the pure charger state machine: feeds inputs one at a time (an input raised while actions are performed is
 * queued and runs next, in order), performs the returned actions through `effects`, and keeps its timers.
 */
export class ChargerRunner {
  private state: ChargerState;
  private readonly queue: ChargerInput[] = [];
  private dispatching = false;
  private readonly timers = new Map<TimerName, TimerHandle>();
  private stopped = false;

  constructor(
    initial: ChargerState,
    private readonly effects: ChargerEffects,
    private readonly clock: Clock,
    private readonly timing: () => ChargerTiming,
    /** Wraps every dispatch (the controller delivers notifications only after the whole reaction). */
    private readonly reacting: <T>(fn: () => T) => T = (fn) => fn(),
  ) {
    this.state = initial;
  }

  snapshot(): ChargerState {
    return this.state;
  }

  /** Feeds one input; inputs raised while performing actions are queued and run in order. */
  dispatch(input: ChargerInput): void {
    if (this.stopped) return;
    this.queue.push(input);
    if (this.dispatching) return;
    this.reacting(() => this.drain());
  }

  private drain(): void {
    this.dispatching = true;
    try {
      let next: ChargerInput | undefined;
      while ((next = this.queue.shift()) !== undefined) {
        const { state, actions } = step(this.state, next, this.timing());
        const previous = this.state;
        this.state = state;
        for (const action of actions) this.performIsolated(action, previous);
      }
    } finally {
      this.dispatching = false;
    }
  }

  /** The outputs were forced safe outside the state machine (exit path, driver failure): the state says so. */
  outputsForcedSafe(output: PilotOutput): void {
    this.state = { ...this.state, contactor: 'open', output };
  }

  /** Stops the timers; later inputs are ignored. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) this.clock.clearTimeout(t);
    this.timers.clear();
  }

  private performIsolated(action: ChargerAction, previous: ChargerState): void {
    try {
      this.perform(action, previous);
    } catch (err) {
      this.effects.effectFailed(action, err);
    }
  }

  private perform(action: ChargerAction, previous: ChargerState): void {
    switch (action.type) {
      case 'contactor':
        if (action.position === 'open') {
          this.effects.openContactor();
          return;
        }
        if (this.effects.closeContactor(this.state) !== 'closed') {
          // Held or refused: the relay stays open, and the state machine is told so by the state (a re-check input
          // follows when a held closing may be retried).
          this.state = { ...this.state, contactor: 'open' };
        }
        return;
      case 'pilot':
        if (!this.effects.setPilot(action.output)) this.outputsForcedSafe({ mode: 'steady' });
        return;
      case 'start-session':
        this.effects.startSession(action.idTag);
        return;
      case 'stop-session':
        this.effects.stopSession(action.reason);
        return;
      case 'start-timer':
        this.startTimer(action.name, action.ms);
        return;
      case 'cancel-timer':
        this.cancelTimer(action.name);
        return;
      case 'status':
        this.effects.statusChanged(action.status, previous.status);
        return;
      case 'ventilation':
        this.effects.setVentilation(action.on);
        return;
      case 'lock':
      case 'unlock':
        this.effects.driveLock(action.type);
        return;
    }
  }

  private startTimer(name: TimerName, ms: number): void {
    this.cancelTimer(name);
    this.timers.set(
      name,
      this.clock.setTimeout(() => {
        this.timers.delete(name);
        this.dispatch({ type: 'timer', name });
      }, ms),
    );
  }

  private cancelTimer(name: TimerName): void {
    const t = this.timers.get(name);
    if (t !== undefined) this.clock.clearTimeout(t);
    this.timers.delete(name);
  }
}
