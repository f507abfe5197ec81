import type { BoardChip } from './options.js';

/** One line as the daemon's `gpio` config names it (`hal/gpio/config.ts`). */
export interface BoardLineConfig {
  readonly chip: string;
  readonly line: number;
  readonly activeLow?: boolean;
}

/**
 * The parts of the daemon's `gpio` config the board needs, as a plain structural type: the validated `GpioConfig`
 * fits it, and so does a config with sections added later (`ventilation`, `temperatureSensor`). An absent part is a
 * part the board does not have fitted.
 */
export interface BoardGpioConfig {
  readonly pilot: {
    readonly pwm?: {
      readonly pwmChip?: string;
      readonly pwmChannel?: number;
      /** `inversed`: the ±12 V amplifier inverts. */
      readonly polarity?: 'normal' | 'inversed';
    };
    readonly comparators: {
      readonly atLeastA: BoardLineConfig;
      readonly atLeastB: BoardLineConfig;
      readonly atLeastC: BoardLineConfig;
      readonly atLeastD: BoardLineConfig;
      readonly overVoltage?: BoardLineConfig;
      readonly negativeLevel: BoardLineConfig;
    };
  };
  readonly contactor: { readonly relay: BoardLineConfig; readonly aux?: BoardLineConfig };
  readonly cableLock?: { readonly actuator: BoardLineConfig; readonly feedback?: BoardLineConfig };
  readonly inputs?: {
    readonly rcdTrip?: BoardLineConfig;
    readonly rcdSelfTest?: BoardLineConfig;
    readonly emergencyStop?: BoardLineConfig;
  };
  readonly ventilation?: BoardLineConfig;
}

/** Lines the board reads (the drivers write them). */
export const outputSignals = ['relay', 'lockActuator', 'rcdSelfTest', 'ventilation'] as const;
export type OutputSignal = (typeof outputSignals)[number];

/** Lines the board drives (the drivers read them). */
export const inputSignals = [
  'atLeastA',
  'atLeastB',
  'atLeastC',
  'atLeastD',
  'overVoltage',
  'negativeLevel',
  'aux',
  'lockFeedback',
  'rcdTrip',
  'emergencyStop',
] as const;
export type InputSignal = (typeof inputSignals)[number];

/** A signal on its sysfs line. */
export interface WiredLine {
  /** Config path, e.g. `contactor.relay`. */
  readonly path: string;
  readonly sysfsNumber: number;
  readonly activeLow: boolean;
}

/** Which sysfs line carries which signal; a signal not fitted is absent. */
export interface BoardWiring {
  readonly outputs: Partial<Record<OutputSignal, WiredLine>>;
  readonly inputs: Partial<Record<InputSignal, WiredLine>>;
  readonly pwmChip: string;
  readonly pwmChannel: number;
  /** The amplifier behind the PWM pin inverts. */
  readonly pwmInverting: boolean;
}

/**
 * The chip a config names, found the way the driver finds it: by character-device name first, then label, then sysfs
 * folder name (`gpiochip<base>`). Copied from the driver's rule on purpose: the board must not lean on the code under test.
 */
export function findBoardChip(chips: readonly BoardChip[], name: string): BoardChip | undefined {
  return (
    chips.find((c) => c.deviceName === name) ??
    chips.find((c) => c.label === name) ??
    chips.find((c) => `gpiochip${c.base}` === name)
  );
}

/**
 * Resolves the config's lines to sysfs numbers (base + line). Throws a RangeError naming the config path when a chip is
 * unknown, a line is beyond the chip, or two signals share a line: a board wired that way cannot be built.
 */
export function wireBoard(gpio: BoardGpioConfig, chips: readonly BoardChip[]): BoardWiring {
  const used = new Map<number, string>();
  const wire = (path: string, cfg: BoardLineConfig | undefined): WiredLine | undefined => {
    if (cfg === undefined) return undefined;
    const chip = findBoardChip(chips, cfg.chip);
    if (chip === undefined) {
      throw new RangeError(`gpio.${path}: chip ${JSON.stringify(cfg.chip)} is not on the board (${chips.map((c) => c.deviceName).join(', ')})`);
    }
    if (!Number.isInteger(cfg.line) || cfg.line < 0 || cfg.line >= chip.ngpio) {
      throw new RangeError(`gpio.${path}: line ${cfg.line} is not on ${cfg.chip} (lines 0…${chip.ngpio - 1})`);
    }
    const sysfsNumber = chip.base + cfg.line;
    const other = used.get(sysfsNumber);
    if (other !== undefined) throw new RangeError(`gpio.${path}: line ${cfg.line} of ${cfg.chip} is already ${other}`);
    used.set(sysfsNumber, `gpio.${path}`);
    return { path, sysfsNumber, activeLow: cfg.activeLow ?? false };
  };
  const cmp = gpio.pilot.comparators;
  const outputs: Partial<Record<OutputSignal, WiredLine>> = {};
  const inputs: Partial<Record<InputSignal, WiredLine>> = {};
  const put = <K extends string>(into: Partial<Record<K, WiredLine>>, key: K, line: WiredLine | undefined): void => {
    if (line !== undefined) into[key] = line;
  };
  put(outputs, 'relay', wire('contactor.relay', gpio.contactor.relay));
  put(inputs, 'aux', wire('contactor.aux', gpio.contactor.aux));
  put(inputs, 'atLeastA', wire('pilot.comparators.atLeastA', cmp.atLeastA));
  put(inputs, 'atLeastB', wire('pilot.comparators.atLeastB', cmp.atLeastB));
  put(inputs, 'atLeastC', wire('pilot.comparators.atLeastC', cmp.atLeastC));
  put(inputs, 'atLeastD', wire('pilot.comparators.atLeastD', cmp.atLeastD));
  put(inputs, 'overVoltage', wire('pilot.comparators.overVoltage', cmp.overVoltage));
  put(inputs, 'negativeLevel', wire('pilot.comparators.negativeLevel', cmp.negativeLevel));
  put(outputs, 'lockActuator', wire('cableLock.actuator', gpio.cableLock?.actuator));
  put(inputs, 'lockFeedback', wire('cableLock.feedback', gpio.cableLock?.feedback));
  put(inputs, 'rcdTrip', wire('inputs.rcdTrip', gpio.inputs?.rcdTrip));
  put(outputs, 'rcdSelfTest', wire('inputs.rcdSelfTest', gpio.inputs?.rcdSelfTest));
  put(inputs, 'emergencyStop', wire('inputs.emergencyStop', gpio.inputs?.emergencyStop));
  put(outputs, 'ventilation', wire('ventilation', gpio.ventilation));
  return {
    outputs,
    inputs,
    pwmChip: gpio.pilot.pwm?.pwmChip ?? 'pwmchip0',
    pwmChannel: gpio.pilot.pwm?.pwmChannel ?? 0,
    pwmInverting: gpio.pilot.pwm?.polarity === 'inversed',
  };
}
