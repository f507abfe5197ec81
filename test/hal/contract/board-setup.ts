/** What the board side of the contract shares between the parent (the board) and the child (the drivers). */
import type { GpioConfig } from '../../../hal/gpio/config.js';
import { line, pins, testGpioConfig } from '../gpio/support/config.js';
import { contractTiming } from './hardware-contract.js';

/** The test wiring, with the contract's contactor timing. */
export function contractGpioConfig(sysfsRoot: string): GpioConfig {
  return testGpioConfig(sysfsRoot, {
    contactor: {
      relay: line(pins.relay, true),
      aux: line(pins.aux),
      feedbackMs: contractTiming.feedbackMs,
      minCloseIntervalMs: contractTiming.minCloseIntervalMs,
    },
    pilot: {
      pwm: { pwmChip: 'pwmchip0', pwmChannel: 0 },
      comparators: {
        atLeastA: line(pins.atLeastA),
        atLeastB: line(pins.atLeastB),
        atLeastC: line(pins.atLeastC),
        atLeastD: line(pins.atLeastD),
        overVoltage: line(pins.overVoltage),
        negativeLevel: line(pins.negativeLevel),
      },
      negativeLevelSettleMs: contractTiming.negativeLevelSettleMs,
    },
  });
}

/** The environment variable that tells the drivers' side which serial device the board's meter answers on. */
export const meterPortEnv = 'EVSE_CONTRACT_METER_PORT';

/** Messages from the child (drivers) to the parent (board). */
export type BoardCommand =
  | 'reset'
  | 'plugEv'
  | 'closeS2'
  | 'openS2For15ms'
  | 'removeDiode'
  | 'welded:on'
  | 'welded:off'
  | 'fails-to-close:on'
  | 'fails-to-close:off'
  | 'tripRcd'
  | 'pressEmergencyStop';

export interface BoardRequest {
  readonly id: number;
  readonly command: BoardCommand;
}
export interface BoardReply {
  readonly id: number;
  readonly error?: string;
}
