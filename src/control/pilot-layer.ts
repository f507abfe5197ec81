import { reducesPower, type PilotOutput, type PilotReading, type PilotState } from '../../hal/pilot.js';
import type { Clock, TimerHandle } from '../clock.js';

/** Events of the pilot layer (DESIGN.md "two-level state machine"). */
export type PilotEventName =
  | 'EvConnected'
  | 'EvRequestsPower'
  | 'EvStoppedRequest'
  | 'EvDisconnected'
  | 'PilotFault'
  | 'PilotRecovered'
  | 'DiodeFault'
  | 'DiodeOk';

export interface PilotEvent {
  readonly name: PilotEventName;
  /** The debounced pilot state after the event. */
  readonly state: PilotState;
}

const powerStates: ReadonlySet<PilotState> = new Set(['C', 'D']);
const faultStates: ReadonlySet<PilotState> = new Set(['E', 'F', 'invalid']);

/**
 * Turns raw pilot readings into debounced states and events. A reading that reduces what the EV may draw (unplug,
 * C→B, E, F, out of range) is taken at once, because opening the contactor must not wait for a filter; a reading that
 * adds power (A→B, B→C) must be stable for `debounceMs` (≤ 50 ms per IEC 61851-1) so a glitch never closes it.
 *
 * The diode check: while PWM runs and an EV is present, the low level must reach about −12 V. Only a settled reading
 * counts: the driver says `unknown` until its detector has seen the PWM for its settle time, and such a reading (or the
 * debounced value from before the PWM started) is never taken for a verdict. `DiodeOk` is reported once per PWM run,
 * `DiodeFault` once per connection.
 */
export class PilotLayer {
  private state: PilotState;
  private pending: PilotState | null = null;
  private pendingTimer: TimerHandle | undefined;
  private diodeReported = false;
  private diodeConfirmed = false;
  private generator: PilotOutput = { mode: 'steady' };

  constructor(
    initial: PilotReading,
    private readonly debounceMs: number,
    private readonly clock: Clock,
    private readonly emit: (event: PilotEvent) => void,
  ) {
    this.state = initial.state;
  }

  /** The debounced state. */
  current(): PilotState {
    return this.state;
  }

  /**
   * Tells the layer what the generator is about to drive, before the write: in state F the reading F is ours, not a
   * fault, and a driver may report the new level synchronously from inside the write.
   */
  setGenerator(output: PilotOutput): void {
    // A new PWM run (or its end) needs a new check: the detector's earlier verdict speaks of another wave.
    if ((this.generator.mode === 'pwm') !== (output.mode === 'pwm')) this.diodeConfirmed = false;
    this.generator = output;
  }

  /** Feeds one raw reading from the driver. */
  feed(reading: PilotReading): void {
    this.checkDiode(reading);
    const next = reading.state;
    if (next === this.state) {
      this.cancelPending();
      return;
    }
    if (this.generator.mode === 'stateF' && next === 'F') {
      // We are driving −12 V ourselves: the CP reads F whatever the EV does. Keep the last known state.
      this.cancelPending();
      return;
    }
    if (reducesPower(this.state, next) || this.debounceMs === 0) {
      this.cancelPending();
      this.commit(next);
      return;
    }
    if (this.pending === next) return;
    this.cancelPending();
    this.pending = next;
    this.pendingTimer = this.clock.setTimeout(() => {
      this.pendingTimer = undefined;
      const stable = this.pending;
      this.pending = null;
      if (stable !== null && stable !== this.state) this.commit(stable);
    }, this.debounceMs);
  }

  dispose(): void {
    this.cancelPending();
  }

  private commit(next: PilotState): void {
    const prev = this.state;
    this.state = next;
    if (next === 'A') this.diodeReported = false;
    for (const name of eventsFor(prev, next)) this.emit({ name, state: next });
  }

  private checkDiode(reading: PilotReading): void {
    const evPresent = reading.state === 'B' || reading.state === 'C' || reading.state === 'D';
    if (this.generator.mode !== 'pwm' || !evPresent) return;
    if (reading.negativeLevel === 'absent' && !this.diodeReported) {
      this.diodeReported = true;
      this.emit({ name: 'DiodeFault', state: this.state });
    } else if (reading.negativeLevel === 'present' && !this.diodeConfirmed && !this.diodeReported) {
      this.diodeConfirmed = true;
      this.emit({ name: 'DiodeOk', state: this.state });
    }
  }

  private cancelPending(): void {
    if (this.pendingTimer !== undefined) this.clock.clearTimeout(this.pendingTimer);
    this.pendingTimer = undefined;
    this.pending = null;
  }
}

/** The pilot-layer events of one debounced transition. */
export function eventsFor(prev: PilotState, next: PilotState): PilotEventName[] {
  const events: PilotEventName[] = [];
  if (faultStates.has(next)) return ['PilotFault'];
  if (faultStates.has(prev)) events.push('PilotRecovered');
  if (next === 'A') return [...events, 'EvDisconnected'];
  if (prev === 'A' || faultStates.has(prev)) events.push('EvConnected');
  if (powerStates.has(next) && !powerStates.has(prev)) events.push('EvRequestsPower');
  if (next === 'B' && powerStates.has(prev)) events.push('EvStoppedRequest');
  return events;
}
