/**
 * Ventilation output: the fan or damper a station that allows charging in state D (IEC 61851-1) switches on while an
 * EV asks for power in D.
 */
export interface VentilationOutput {
  /** Switches ventilation on or off. Synchronous; throws when the output could not be written. */
  set(on: boolean): void;
  /** The state last set. */
  isOn(): boolean;
  /** Switches off and releases the hardware. */
  dispose(): Promise<void>;
}
