import type { EvProfile } from '../ev.js';
import type { ScenarioWorld } from '../scenario-world.js';
import type { SimFault } from '../world.js';
import type { BoardFault } from './virtual-board.js';

/**
 * What {@link BoardScenarioWorld} needs of a board: a structural subset of `VirtualBoard`, so the board itself fits,
 * and so does a proxy of a board that runs in a worker thread (`evse sim --board`).
 */
export interface BoardWorldTarget {
  readonly ev: {
    readonly sim: { readonly socPercent: number; readonly full: boolean; ignoresPwm: boolean };
    plug(): void;
    unplug(): void;
    replaceEv(profile: EvProfile): void;
  };
  inject(fault: BoardFault, active: boolean): void;
  /** The DS18B20's measured temperature. */
  setTemperature(celsius: number): void;
  /** The electrical model behind the meter: its phase voltages are what the meter reports. */
  readonly meterModel: { voltagesV: [number, number, number] };
}

/** Temperatures the DS18B20 measures for the temperature faults (as `SimWorld` sets them). */
export const boardFaultTemperatures = { normal: 25, high: 67, over: 75 } as const;
/** Phase voltages for the voltage faults (as `SimWorld` sets them). */
export const boardFaultVoltages = { normal: 230, over: 262, under: 180 } as const;

/** The simulator's faults a board world cannot play, and why. */
export const unplayableOnBoard: Partial<Record<SimFault, string>> = {
  'pilot-driver': 'a driver write failure cannot be played on the board (the real driver writes real files)',
  'relay-driver': 'a driver write failure cannot be played on the board (the real driver writes real files)',
};

/**
 * A {@link ScenarioWorld} over the virtual board: the EV is the board's, faults are played by the board's circuit
 * (relay, pilot front end, RCD, emergency stop, DS18B20, lock motor), meter silence by whoever serves the meter.
 * A fault the board cannot play throws naming it.
 */
export class BoardScenarioWorld implements ScenarioWorld {
  constructor(
    private readonly board: BoardWorldTarget,
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
    const { normal } = boardFaultTemperatures;
    switch (fault) {
      case 'rcd-trip':
      case 'emergency-stop':
      case 'cp-short':
      case 'missing-diode':
      case 'lock-jammed':
        this.board.inject(fault, active);
        return;
      case 'welded-contactor':
        this.board.inject('welded', active);
        return;
      case 'contactor-fails-to-close':
        this.board.inject('fails-to-close', active);
        return;
      case 'temperature-sensor':
        this.board.inject('sensor-gone', active);
        return;
      case 'meter-silent':
        this.meterSilence(active);
        return;
      case 'ev-ignores-pwm':
        this.board.ev.sim.ignoresPwm = active;
        return;
      case 'high-temperature':
        this.board.setTemperature(active ? boardFaultTemperatures.high : normal);
        return;
      case 'over-temperature':
        this.board.setTemperature(active ? boardFaultTemperatures.over : normal);
        return;
      case 'over-voltage':
        this.setVoltage(active ? boardFaultVoltages.over : boardFaultVoltages.normal);
        return;
      case 'under-voltage':
        this.setVoltage(active ? boardFaultVoltages.under : boardFaultVoltages.normal);
        return;
      case 'pilot-driver':
      case 'relay-driver':
        throw new Error(`fault "${fault}" cannot be played on the virtual board: ${unplayableOnBoard[fault] ?? ''}`);
    }
  }

  private setVoltage(v: number): void {
    this.board.meterModel.voltagesV = [v, v, v];
  }
}
