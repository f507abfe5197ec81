import type { EvProfile } from '../../../simulator/ev.js';
import type { BoardFault, VirtualBoard } from '../../../simulator/board/index.js';
import type { ScenarioWorld } from '../../../simulator/scenarios.js';
import type { SimFault } from '../../../simulator/world.js';

/** The scenario faults the board plays, and the board fault each one is. */
const boardFaultOf: Partial<Record<SimFault, BoardFault>> = {
  'rcd-trip': 'rcd-trip',
  'emergency-stop': 'emergency-stop',
  'welded-contactor': 'welded',
  'contactor-fails-to-close': 'fails-to-close',
  'cp-short': 'cp-short',
  'missing-diode': 'missing-diode',
  'lock-jammed': 'lock-jammed',
};

/**
 * The scenario's world on the virtual board: the EV is the board's, faults are the board's (plus the served meter
 * falling silent, and an EV that ignores the PWM). Kept here rather than waiting for `simulator/board/world.ts`
 * (BoardScenarioWorld, written alongside `evse sim --board`): the mapping is this small, and the daemon's side of
 * board-sim never touches it. A fault the board cannot play (mains voltage, temperature, driver failures) throws
 * naming it, as the interface asks.
 */
export class BoardWorld implements ScenarioWorld {
  constructor(
    private readonly board: VirtualBoard,
    private readonly meterSilence: (silent: boolean) => void,
  ) {}

  get ev(): { readonly socPercent: number; readonly full: boolean } {
    return this.board.ev.sim;
  }

  replaceEv(profile: EvProfile): void {
    this.board.ev.replaceEv(profile);
  }

  plug(): void {
    this.board.ev.plug();
  }

  unplug(): void {
    this.board.ev.unplug();
  }

  inject(fault: SimFault, active = true): void {
    if (fault === 'meter-silent') return this.meterSilence(active);
    if (fault === 'ev-ignores-pwm') {
      this.board.ev.sim.ignoresPwm = active;
      return;
    }
    const onBoard = boardFaultOf[fault];
    if (onBoard === undefined) {
      throw new Error(`the virtual board cannot play the fault "${fault}" (it plays: ${[...Object.keys(boardFaultOf), 'meter-silent', 'ev-ignores-pwm'].join(', ')})`);
    }
    this.board.inject(onBoard, active);
  }
}
