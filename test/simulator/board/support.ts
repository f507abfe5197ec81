import type { BoardGpioConfig } from '../../../simulator/board/wiring.js';

/** A board wired like the hal/gpio README's example: comparators, relay (active-low) with aux, lock, RCD, E-stop. */
export function boardGpioConfig(): BoardGpioConfig {
  const l = (line: number, activeLow = false) => ({ chip: 'gpiochip0', line, activeLow });
  return {
    pilot: {
      pwm: { pwmChip: 'pwmchip0', pwmChannel: 0, polarity: 'normal' },
      comparators: { atLeastA: l(5), atLeastB: l(6), atLeastC: l(13), atLeastD: l(19), overVoltage: l(21), negativeLevel: l(26) },
    },
    contactor: { relay: l(17, true), aux: l(27) },
    cableLock: { actuator: l(25), feedback: l(16) },
    inputs: { rcdTrip: l(22), rcdSelfTest: l(23), emergencyStop: l(24, true) },
    ventilation: { chip: 'pinctrl-bcm2711', line: 12 },
  };
}

/** sysfs number of a gpiochip0 line on a Pi 4 with kernel 6.6. */
export const n = (line: number): number => 512 + line;
