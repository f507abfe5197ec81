/** The hardware contracts the control core depends on. Drivers and simulator fakes implement them. */
export * from './meter.js';
export * from './pilot.js';
export * from './contactor.js';
export * from './inputs.js';
export * from './cable-lock.js';
export * from './ventilation.js';
export * from './temperature.js';

import type { EnergyMeter } from './meter.js';
import type { ControlPilot } from './pilot.js';
import type { Contactor } from './contactor.js';
import type { StationInputs } from './inputs.js';
import type { CableLock } from './cable-lock.js';
import type { VentilationOutput } from './ventilation.js';

/** Every driver of one connector, chosen once at startup by the composition root. */
export interface StationHardware {
  readonly meter: EnergyMeter;
  readonly pilot: ControlPilot;
  readonly contactor: Contactor;
  readonly inputs: StationInputs;
  /** The socket's cable lock; absent or null on a station with a fixed cable. */
  readonly cableLock?: CableLock | null;
  /** The ventilation output for state D; absent or null where none is fitted. */
  readonly ventilation?: VentilationOutput | null;
  /** The meter at the grid connection, for load management; absent or null where none is fitted. */
  readonly mainsMeter?: EnergyMeter | null;
}
