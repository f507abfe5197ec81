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
