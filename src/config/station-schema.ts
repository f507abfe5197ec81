import { z } from 'zod';

/** Identity and electrical facts of the station. */
export const stationSchema = z
  .object({
    id: z.string().min(1).max(48).default('EVSE-SIM-1'),
    vendor: z.string().min(1).max(20).default('OpenEVSE-TS'),
    model: z.string().min(1).max(20).default('AC-1'),
    serialNumber: z.string().min(1).max(25).default('SIM-0001'),
    firmwareVersion: z.string().min(1).max(50).default('0.1.0'),
    /** IANA time zone for tariffs and reports. */
    timeZone: z.string().min(1).default('UTC'),
    /** Phases wired to the connector (1 or 3). */
    phases: z.union([z.literal(1), z.literal(3)]).default(3),
    nominalVoltageV: z.number().min(100).max(480).default(230),
  })
  .strict();

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
  })
  .strict();
