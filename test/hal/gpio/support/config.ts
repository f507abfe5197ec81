import { gpioConfigSchema, type GpioConfig } from '../../../../hal/gpio/config.js';

/** Sysfs numbers of the test wiring on a Pi 4 with a 6.6 kernel (gpiochip0 base 512). */
export const pins = {
  relay: 529, // line 17, active low
  aux: 539, // line 27
  atLeastA: 517,
  atLeastB: 518,
  atLeastC: 525,
  atLeastD: 531,
  overVoltage: 533,
  negativeLevel: 538,
  rcdTrip: 534,
  rcdSelfTest: 535,
  emergencyStop: 536, // normally closed: active low
  lockActuator: 537,
  lockFeedback: 528,
  /** Not in the default wiring; tests add it with `line(pins.ventilation)`. */
  ventilation: 530,
} as const;

/** A line of gpiochip0 by its sysfs number in the test wiring. */
export function line(sysfsNumber: number, activeLow = false): { chip: string; line: number; activeLow: boolean } {
  return { chip: 'gpiochip0', line: sysfsNumber - 512, activeLow };
}

/** The whole wiring as a station builder would write it. */
export function testGpioConfig(sysfsRoot: string, overrides: Record<string, unknown> = {}): GpioConfig {
  return gpioConfigSchema.parse({
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
    },
    contactor: { relay: line(pins.relay, true), aux: line(pins.aux) },
    cableLock: { actuator: line(pins.lockActuator), feedback: line(pins.lockFeedback) },
    inputs: {
      rcdTrip: { ...line(pins.rcdTrip), debounceMs: 5 },
      rcdSelfTest: line(pins.rcdSelfTest),
      emergencyStop: { ...line(pins.emergencyStop, true), debounceMs: 20 },
    },
    sysfsRoot,
    ...overrides,
  });
}

/** Raw comparator levels for a CP state (ideal comparators, active high). */
export function comparatorLevelsFor(state: 'A' | 'B' | 'C' | 'D' | 'E'): Record<'atLeastA' | 'atLeastB' | 'atLeastC' | 'atLeastD', 0 | 1> {
  const rank = { A: 4, B: 3, C: 2, D: 1, E: 0 }[state];
  return { atLeastA: rank >= 4 ? 1 : 0, atLeastB: rank >= 3 ? 1 : 0, atLeastC: rank >= 2 ? 1 : 0, atLeastD: rank >= 1 ? 1 : 0 };
}
