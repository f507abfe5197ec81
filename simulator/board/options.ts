import { z } from 'zod';

/** A GPIO chip of the simulated board: `class/gpio/gpiochip<base>` with its label, size and device name. */
export const boardChipSchema = z
  .object({
    deviceName: z.string().regex(/^gpiochip\d+$/, 'a character-device name such as gpiochip0'),
    label: z.string().min(1).max(64),
    base: z.number().int().min(0).max(4096),
    ngpio: z.number().int().min(1).max(512),
  })
  .strict();
export type BoardChip = z.output<typeof boardChipSchema>;

/** The chips of a Raspberry Pi 4 on kernel 6.6 (the sysfs base moved from 0 to 512). */
export const raspberryPi4Kernel66Chips: readonly BoardChip[] = [
  { deviceName: 'gpiochip0', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
  { deviceName: 'gpiochip1', label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
];

const evProfileSchema = z
  .object({
    maxCurrentA: z.number().positive().max(80).default(16),
    phases: z.union([z.literal(1), z.literal(3)]).default(3),
    batteryWh: z.number().positive().default(60_000),
    startSocPercent: z.number().min(0).max(100).default(40),
    targetSocPercent: z.number().min(0).max(100).default(90),
    reactionMs: z.number().min(0).max(60_000).default(500),
    hasDiode: z.boolean().default(true),
    needsVentilation: z.boolean().default(false),
  })
  .strict();

/**
 * The board's own options (timing, initial conditions), validated at the edge. Electrical timing is in real
 * milliseconds; `speed` only accelerates the EV and energy integration (see README.md).
 */
export const boardOptionsSchema = z
  .object({
    /** Where the tree goes; default a fresh folder under the OS temp dir. */
    root: z.string().min(1).optional(),
    /** Period of the kernel/physics loop, ms (real time). */
    tickMs: z.number().min(0.2).max(50).default(1),
    /** Lines exported less than this long ago have direction/active_low read every tick, later every `rescanMs`. */
    configSettleMs: z.number().int().min(0).max(10_000).default(500),
    /** How often `direction`, `active_low` and `polarity` of settled lines are re-read, ms. */
    rescanMs: z.number().int().min(1).max(1000).default(10),
    /** Physics (EV, energy) runs this many times faster than real time. */
    speed: z.number().positive().max(100_000).default(1),
    chips: z.array(boardChipSchema).min(1).default([...raspberryPi4Kernel66Chips]),
    /** PWM channels of `pwmchip0`. */
    npwm: z.number().int().min(1).max(16).default(2),
    relay: z
      .object({
        pullInMs: z.number().min(0).max(1000).default(15),
        dropOutMs: z.number().min(0).max(1000).default(10),
      })
      .strict()
      .default({ pullInMs: 15, dropOutMs: 10 }),
    lock: z.object({ lockTimeMs: z.number().min(0).max(10_000).default(300) }).strict().default({ lockTimeMs: 300 }),
    rcd: z.object({ selfTestTripMs: z.number().min(0).max(1000).default(30) }).strict().default({ selfTestTripMs: 30 }),
    temperatureSensor: z
      .object({
        /** Whether a DS18B20 is on the bus at all. */
        fitted: z.boolean().default(true),
        id: z.string().regex(/^28-[0-9a-f]{12}$/, 'a DS18B20 id such as 28-00000a1b2c3d').default('28-00000a1b2c3d'),
        celsius: z.number().min(-55).max(125).default(23.125),
      })
      .strict()
      .default({ fitted: true, id: '28-00000a1b2c3d', celsius: 23.125 }),
    ev: evProfileSchema.default(evProfileSchema.parse({})),
    meter: z
      .object({
        initialRegisterWh: z.number().int().min(0).default(1_234_567),
        voltageV: z.number().min(0).max(400).default(230),
      })
      .strict()
      .default({ initialRegisterWh: 1_234_567, voltageV: 230 }),
  })
  .strict();

export type BoardOptionsInput = z.input<typeof boardOptionsSchema>;
export type BoardOptions = z.output<typeof boardOptionsSchema>;

/** Parses the board's options; a bad option throws a RangeError naming the field path and the reason. */
export function parseBoardOptions(input: unknown): BoardOptions {
  const result = boardOptionsSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const first = result.error.issues[0];
  const path = first && first.path.length > 0 ? first.path.join('.') : '(options)';
  throw new RangeError(`virtual board option ${path}: ${first?.message ?? 'invalid'}`);
}
