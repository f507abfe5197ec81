import { z } from 'zod';
import { ds18b20ConfigSchema } from '../onewire/config.js';

/**
 * One GPIO line, named the way `gpioinfo` shows it: a chip and a line offset. The chip is the character device name
 * (`gpiochip0`), the chip's label (`pinctrl-bcm2711`) or its sysfs directory name (`gpiochip512`); the driver turns it
 * into the sysfs number through the chip's `base`, because recent Raspberry Pi kernels moved the base.
 */
export const gpioLineSchema = z
  .object({
    chip: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'a chip name such as gpiochip0 or pinctrl-bcm2711'),
    line: z.number().int().min(0).max(1023),
    /** True when the signal is active (relay energised, comparator says "above", button pressed) at the low level. */
    activeLow: z.boolean().default(false),
  })
  .strict();

/** An input line with its own debounce: a new level counts only after it held this long. */
const debouncedInputSchema = gpioLineSchema
  .extend({ debounceMs: z.number().int().min(0).max(1000).optional() })
  .strict();

/** The 1 kHz pilot generator on the sysfs PWM interface (`/sys/class/pwm/pwmchipN/pwmM`). */
export const pilotPwmSchema = z
  .object({
    pwmChip: z.string().regex(/^pwmchip\d+$/, 'a sysfs PWM chip such as pwmchip0').default('pwmchip0'),
    pwmChannel: z.number().int().min(0).max(63).default(0),
    /**
     * `normal` when a high pin gives +12 V on CP; `inversed` for an inverting amplifier. Either way the duty cycle
     * the driver writes is the +12 V share, as IEC 61851-1 counts it.
     */
    polarity: z.enum(['normal', 'inversed']).default('normal'),
    /** 1 kHz: IEC 61851-1 allows ±2 %. */
    periodNs: z.number().int().min(980_000).max(1_020_000).default(1_000_000),
  })
  .strict();

/**
 * Comparator outputs that sense the CP high level (peak-held by the hardware, so they are steady while the PWM runs).
 * Each is active while the level is above its threshold; the thresholds sit in the gaps between the IEC windows.
 */
export const pilotComparatorsSchema = z
  .object({
    /** Active above about 10.5 V (between the B and A windows): state A. */
    atLeastA: gpioLineSchema,
    /** Active above about 7.5 V: state B or A. */
    atLeastB: gpioLineSchema,
    /** Active above about 4.5 V: state C or higher. */
    atLeastC: gpioLineSchema,
    /** Active above about 1.5 V: state D or higher; below it the pilot is in E (or F while we drive F). */
    atLeastD: gpioLineSchema,
    /** Optional: active above about 13.5 V, a pilot fault. */
    overVoltage: gpioLineSchema.optional(),
    /**
     * Active while the negative peak-hold of the CP signal is below about −11 V: the PWM low level reaches −12 V, the
     * EV's diode is present. Meaningful only once the PWM has run for `negativeLevelSettleMs` (see the README).
     */
    negativeLevel: gpioLineSchema,
  })
  .strict();

export const pilotSchema = z
  .object({
    pwm: pilotPwmSchema.default(pilotPwmSchema.parse({})),
    comparators: pilotComparatorsSchema,
    /**
     * A power-adding change of the decoded state (A → B, B → C) must hold this long; with the sampling interval it
     * bounds detection (≤ 50 ms).
     */
    debounceMs: z.number().int().min(0).max(45).default(20),
    /**
     * A power-reducing change (unplug, C → B, E, F, out of range) must hold only this long: one sampling interval
     * confirms it against a single-sample glitch without keeping the contactor closed behind the slower filter.
     */
    reductionDebounceMs: z.number().int().min(0).max(45).default(5),
    /**
     * How long the negative-level detector needs after the PWM starts before it reads anything useful (peak-hold
     * charge-up at 97 % duty, or decay of a −12 V held from state F): `negativeLevel` is `unknown` until this plus
     * `debounceMs` has passed on samples taken after the start.
     */
    negativeLevelSettleMs: z.number().int().min(0).max(200).default(10),
  })
  .strict();

export const contactorSchema = z
  .object({
    /** The relay driver output; active = relay energised = contactor closed. */
    relay: gpioLineSchema,
    /** Auxiliary (mirror) contact; active = contactor closed. Omit when the contactor has none. */
    aux: gpioLineSchema.optional(),
    /** The auxiliary contact must agree with the command within this time, else welded / fails to close. */
    feedbackMs: z.number().int().min(20).max(2000).default(250),
    /** Debounce of the auxiliary contact. */
    auxDebounceMs: z.number().int().min(0).max(100).default(10),
    /** Least time between two closings, to spare the contacts and the EV from relay chatter. */
    minCloseIntervalMs: z.number().int().min(0).max(600_000).default(1000),
  })
  .strict();

export const cableLockSchema = z
  .object({
    /** Active = actuator drives the lock closed. */
    actuator: gpioLineSchema,
    /** Active = the lock reports locked. */
    feedback: gpioLineSchema.optional(),
    feedbackDebounceMs: z.number().int().min(0).max(500).default(20),
    /** With a feedback input: the debounced feedback must confirm a lock or unlock within this time, else it failed. */
    lockTimeMs: z.number().int().min(50).max(10_000).default(1000),
    /** Without a feedback input: how long the actuator takes; a lock or unlock resolves after it. */
    runTimeMs: z.number().int().min(0).max(10_000).default(300),
    /** Where the lock goes when the station enters its safe state or the process exits. */
    safeState: z.enum(['unlocked', 'locked']).default('unlocked'),
  })
  .strict();

export const stationInputsSchema = z
  .object({
    /** Active = the residual current device tripped. */
    rcdTrip: debouncedInputSchema.optional(),
    /** Output that injects a test current into the RCD module, where the hardware has one. Active = testing. */
    rcdSelfTest: gpioLineSchema.optional(),
    /** Active = emergency stop pressed. Wire it normally-closed and set activeLow accordingly. */
    emergencyStop: debouncedInputSchema.optional(),
    /** Debounce of an input that gives none of its own. */
    defaultDebounceMs: z.number().int().min(0).max(1000).default(10),
  })
  .strict();

const gpioObjectSchema = z
  .object({
    pilot: pilotSchema,
    contactor: contactorSchema,
    cableLock: cableLockSchema.optional(),
    /** The fan or damper for charging in state D; active = ventilation on. Omit where none is fitted. */
    ventilation: gpioLineSchema.optional(),
    /** A DS18B20 inside the station on the kernel's 1-wire bus. Omit where none is fitted. */
    temperatureSensor: ds18b20ConfigSchema.optional(),
    inputs: stationInputsSchema.default(stationInputsSchema.parse({})),
    /** How often every input line is read. Polling bounds latency and survives lines without edge interrupts. */
    sampleIntervalMs: z.number().int().min(1).max(20).default(5),
    /** Where sysfs is mounted; only tests change it. */
    sysfsRoot: z.string().min(1).default('/sys'),
  })
  .strict();

/** GPIO and PWM wiring of the station. Required by `evse run` and `evse safe`, unused by `evse sim`. */
export const gpioConfigSchema = gpioObjectSchema.superRefine((cfg, ctx) => {
  if (cfg.pilot.debounceMs + cfg.sampleIntervalMs > 50) {
    ctx.addIssue({
      code: 'custom',
      path: ['pilot', 'debounceMs'],
      message: `pilot.debounceMs ${cfg.pilot.debounceMs} + sampleIntervalMs ${cfg.sampleIntervalMs} exceeds the 50 ms IEC 61851-1 detection bound`,
    });
  }
  const seen = new Map<string, string>();
  for (const [path, line] of namedLines(cfg)) {
    const key = `${line.chip}:${line.line}`;
    const other = seen.get(key);
    if (other !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: path.split('.'),
        message: `${line.chip} line ${line.line} is already used by ${other}`,
      });
    } else {
      seen.set(key, path);
    }
  }
});

export type GpioConfig = z.infer<typeof gpioConfigSchema>;
export type GpioLineConfig = z.infer<typeof gpioLineSchema>;
export type PilotPwmConfig = z.infer<typeof pilotPwmSchema>;
export type CableLockConfig = z.infer<typeof cableLockSchema>;

/** Every configured line with its config path (`contactor.relay`), the name errors and logs use for the pin. */
export function namedLines(cfg: z.infer<typeof gpioObjectSchema>): Array<[string, GpioLineConfig]> {
  const out: Array<[string, GpioLineConfig | undefined]> = [
    ['pilot.comparators.atLeastA', cfg.pilot.comparators.atLeastA],
    ['pilot.comparators.atLeastB', cfg.pilot.comparators.atLeastB],
    ['pilot.comparators.atLeastC', cfg.pilot.comparators.atLeastC],
    ['pilot.comparators.atLeastD', cfg.pilot.comparators.atLeastD],
    ['pilot.comparators.overVoltage', cfg.pilot.comparators.overVoltage],
    ['pilot.comparators.negativeLevel', cfg.pilot.comparators.negativeLevel],
    ['contactor.relay', cfg.contactor.relay],
    ['contactor.aux', cfg.contactor.aux],
    ['cableLock.actuator', cfg.cableLock?.actuator],
    ['cableLock.feedback', cfg.cableLock?.feedback],
    ['ventilation', cfg.ventilation],
    ['inputs.rcdTrip', cfg.inputs.rcdTrip],
    ['inputs.rcdSelfTest', cfg.inputs.rcdSelfTest],
    ['inputs.emergencyStop', cfg.inputs.emergencyStop],
  ];
  return out.filter((entry): entry is [string, GpioLineConfig] => entry[1] !== undefined);
}
