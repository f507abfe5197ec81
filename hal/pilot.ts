/**
 * Control pilot contract (IEC 61851-1). The driver senses the CP level and drives the 1 kHz PWM;
 * it holds no charging logic. Debounce of electrical noise belongs to the driver, state logic to `src/control`.
 */

/** CP state from the positive (high) level, see REFERENCE.md. `invalid` is a level outside every window (e.g. above 13 V). */
export type PilotState = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'invalid';

/** What the pilot input sees now. */
export interface PilotReading {
  /** State from the high level of the CP signal. */
  readonly state: PilotState;
  /**
   * True when the low level of the PWM reads about −12 V. With PWM running and an EV connected this proves the
   * EV's diode; it is false when the low level is missing (diode shorted or missing). Meaningless without PWM.
   */
  readonly negativeLevelOk: boolean;
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
