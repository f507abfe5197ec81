import type { EvProfile } from './ev.js';
import type { SimFault } from './world.js';

/**
 * The surroundings a scenario plays: the EV and the faults it can inject. `SimWorld` (the fast simulator) and the
 * virtual board's world implement it, so every scenario runs on both.
 */
export interface ScenarioWorld {
  readonly ev: { readonly socPercent: number; readonly full: boolean };
  /** A new car arrives (not yet plugged). */
  replaceEv(profile: EvProfile): void;
  plug(): void;
  unplug(): void;
  /** Switches an injected fault; a world that cannot play one throws naming it. */
  inject(fault: SimFault, active?: boolean): void;
}
