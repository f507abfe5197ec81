/**
 * The wiring `evse sim --board` uses when the config has no `gpio` section: the reference circuit on a Raspberry Pi 4
 * (kernel 6.6, gpiochip0 = pinctrl-bcm2711), as the hal/gpio README's example wires it. A fixed cable (no cable lock),
 * as the fast simulator's station. Input for `gpioConfigSchema`, which validates it.
 */
const line = (n: number, activeLow = false) => ({ chip: 'gpiochip0', line: n, activeLow });

export const benchGpioConfigInput = {
  pilot: {
    pwm: { pwmChip: 'pwmchip0', pwmChannel: 0 },
    comparators: {
      atLeastA: line(5),
      atLeastB: line(6),
      atLeastC: line(13),
      atLeastD: line(19),
      overVoltage: line(21),
      negativeLevel: line(26),
    },
  },
  contactor: { relay: line(17), aux: line(27) },
  inputs: {
    rcdTrip: { ...line(22), debounceMs: 5 },
    rcdSelfTest: line(23),
    emergencyStop: { ...line(24, true), debounceMs: 20 },
  },
  temperatureSensor: {},
} as const;
