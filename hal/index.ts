/** The hardware contracts the control core depends on. Drivers and simulator fakes implement them. */
export * from './meter.js';
export * from './pilot.js';
export * from './contactor.js';
export * from './inputs.js';

import type { EnergyMeter } from './meter.js';
import type { ControlPilot } from './pilot.js';
import type { Contactor } from './contactor.js';
import type { StationInputs } from './inputs.js';

/** Every driver of one connector, chosen once at startup by the composition root. */
export interface StationHardware {
  readonly meter: EnergyMeter;
  readonly pilot: ControlPilot;
  readonly contactor: Contactor;
  readonly inputs: StationInputs;
}
