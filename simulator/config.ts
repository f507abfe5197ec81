import { z } from 'zod';

/** The simulated EV and meter used by `evse sim` and tests. */
export const simulatorSchema = z
  .object({
    ev: z
      .object({
        maxCurrentA: z.number().min(1).max(80).default(16),
        phases: z.union([z.literal(1), z.literal(3)]).default(3),
        batteryWh: z.number().int().min(1000).max(200_000).default(60_000),
        startSocPercent: z.number().min(0).max(100).default(40),
        targetSocPercent: z.number().min(1).max(100).default(80),
      })
      .strict()
      .default({ maxCurrentA: 16, phases: 3, batteryWh: 60_000, startSocPercent: 40, targetSocPercent: 80 }),
    /** Id tag the simulated driver taps, unless free vend. */
    idTag: z.string().min(1).max(20).default('SIMCARD01'),
    /**
     * The building around the station, for load management with a simulated mains meter: its household and PV
     * profile, and the hour of the simulated day the run starts at.
     */
    building: z
      .object({
        profile: z.enum(['house', 'solar-day']).default('house'),
        startHour: z.number().min(0).max(23.99).default(7),
      })
      .strict()
      .default({ profile: 'house', startHour: 7 }),
  })
  .strict();
