import { z } from 'zod';

/** A DS18B20 as the kernel's w1_therm driver names it: family code 28, then the 48-bit serial in hex. */
export const ds18b20IdSchema = z.string().regex(/^28-[0-9a-f]{12}$/, 'a DS18B20 id such as 28-0316a2795dff');

/**
 * One DS18B20 temperature sensor on the kernel's 1-wire bus (`w1-gpio` overlay, `w1_therm` driver), read through sysfs.
 * Validated here as far as a file can be; whether the device exists (and which one, without an id) is checked at
 * startup.
 */
export const ds18b20ConfigSchema = z
  .object({
    /** The device folder name under `devicesDir`. Default: the only `28-*` device there (several are a config error). */
    id: ds18b20IdSchema.optional(),
    /** Where the kernel lists 1-wire devices; only tests change it. */
    devicesDir: z.string().min(1).default('/sys/bus/w1/devices'),
    /** Time between the end of one read and the start of the next (a conversion alone takes up to 750 ms). */
    pollIntervalMs: z.number().int().min(1000).max(60_000).default(5000),
    /** Consecutive failed reads after which the sensor counts as failed (one good read recovers it). */
    failAfter: z.number().int().min(1).max(100).default(3),
  })
  .strict();

export type Ds18b20Config = z.infer<typeof ds18b20ConfigSchema>;
