/**
 * Control pilot contract (IEC 61851-1). The driver senses the CP level and drives the 1 kHz PWM;
 * it holds no charging logic. Debounce of electrical noise belongs to the driver, state logic to `src/control`.
 */

/** CP state from the positive (high) level, see REFERENCE.md. `invalid` is a level outside every window (e.g. above 13 V). */
export type PilotState = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'invalid';

/**
 * What the negative-level detector says about the low half of the PWM wave.
 * - `present`: the low level reaches about −12 V: with an EV connected, its diode is there.
 * - `absent`: the PWM has run for the detector's settle time and the low level does not reach −11 V (diode missing or
 *   shorted, CP shorted to PE).
 * - `unknown`: no reading can be trusted yet: no PWM runs, or it started less than the detector's settle time (plus the
 *   driver's debounce) ago. A real detector (peak-hold or low-phase sampler) reads nothing useful before that, so the
 *   control core must never take `unknown` for `absent` nor for `present`.
 */
export type NegativeLevel = 'present' | 'absent' | 'unknown';

/** What the pilot input sees now. */
export interface PilotReading {
  /** State from the high level of the CP signal. */
  readonly state: PilotState;
  /**
   * The low level of the PWM wave (the diode check). The driver reports `unknown` until its detector has settled after
   * the PWM started, then changes the reading to `present` or `absent` (listeners hear that change). Drivers report
   * `unknown` whenever the generator is not running PWM.
   */
  readonly negativeLevel: NegativeLevel;
}

const powerStates: ReadonlySet<PilotState> = new Set(['C', 'D']);
const faultStates: ReadonlySet<PilotState> = new Set(['E', 'F', 'invalid']);

/**
 * Whether going from `prev` to `next` can only reduce what the EV may draw (unplug, C/D → B, E, F, out of range).
 * Such a change must reach the contactor without the filter that guards power-adding changes: both the driver's
 * debounce and the control core's pilot layer let it through at once.
 */
export function reducesPower(prev: PilotState, next: PilotState): boolean {
  if (next === 'A' || faultStates.has(next)) return true;
  return powerStates.has(prev) && !powerStates.has(next);
}

/** What the pilot generator drives. */
export type PilotOutput =
  /** Steady +12 V: no PWM, charging not offered (states A/B without offer). */
  | { readonly mode: 'steady' }
  /** 1 kHz PWM at the given duty cycle in percent (IEC ranges: 10–96 %). */
  | { readonly mode: 'pwm'; readonly dutyPercent: number }
  /** Steady −12 V: state F, EVSE not available. */
  | { readonly mode: 'stateF' };

/** The control pilot of one connector. */
export interface ControlPilot {
  /** The latest (driver-debounced) reading. Synchronous: never waits on I/O. */
  read(): PilotReading;
  /**
   * Calls `listener` synchronously whenever the reading changes. Returns a function that unsubscribes.
   * The control core reacts in this callback, so opening the contactor never waits on a timer.
   */
  onChange(listener: (reading: PilotReading) => void): () => void;
  /**
   * Drives the generator. Synchronous, so a safety reduction (state F, steady) is on the wire when it returns.
   * Throws when the hardware refused the write; the caller treats that as a fault.
   */
  setOutput(output: PilotOutput): void;
  /** The output last set. */
  output(): PilotOutput;
  /** Releases the hardware, leaving the generator in state F where possible. */
  close(): Promise<void>;
}
