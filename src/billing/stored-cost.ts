import { z } from 'zod';
import type { SessionRow } from '../journal/ports.js';
import type { CostBreakdown } from './cost.js';
import { tariffSchema } from './tariff-schema.js';
import { isKnownTimeZone } from './wall-clock.js';

const minor = z.number().int();
const ms = z.number().int().nonnegative();
const zone = z.string().refine(isKnownTimeZone);

/** The shape of a breakdown as `computeCost` writes it (JSON in the journal's `sessions.cost`). */
const storedBreakdownSchema = z.object({
  version: z.literal(1),
  tariff: tariffSchema,
  timeZone: zone,
  stationTimeZone: zone.optional(),
  currency: z.string(),
  minorUnits: z.number().int().min(0).max(6),
  final: z.boolean(),
  computedAtMs: z.number(),
  energyWh: z.number().int(),
  energy: z.array(
    z.object({
      bandIndex: z.number().int(),
      band: z.string(),
      fromMs: z.number(),
      toMs: z.number(),
      fromWh: z.number(),
      toWh: z.number(),
      wh: z.number().int(),
      interpolated: z.boolean(),
      pricePerKwh: z.string(),
      amountMinor: minor,
    }),
  ),
  time: z.object({ chargingMs: ms, pricePerHour: z.string(), amountMinor: minor }),
  idle: z.object({ idleMs: ms, graceMs: ms, billableMs: ms, pricePerMinute: z.string(), amountMinor: minor }),
  pauses: z.array(z.object({ fromMs: z.number(), toMs: z.number(), ms, faults: z.array(z.string()) })).optional(),
  flatFeeMinor: minor,
  cap: z.object({ applied: z.enum(['min', 'max']).nullable(), adjustmentMinor: minor }),
  netMinor: minor,
  taxRatePercent: z.string(),
  taxMinor: minor,
  totalMinor: minor,
  rounding: z.string(),
  readingAnomalies: z.number().int(),
});

/**
 * The breakdown stored with a session, when the journal holds a well-formed one (final or not), else null. What the
 * journal holds was written by this module's `computeCost`; anything else (hand edits, an older layout) is not
 * trusted as a bill and the session is recomputed instead.
 */
export function storedBreakdown(session: SessionRow): CostBreakdown | null {
  if (session.cost === null || session.cost === undefined) return null;
  const parsed = storedBreakdownSchema.safeParse(session.cost);
  return parsed.success ? parsed.data : null;
}

/** The stored breakdown when it is final: the bill as it was closed, never to be recomputed. */
export function storedFinalBreakdown(session: SessionRow): CostBreakdown | null {
  const stored = storedBreakdown(session);
  return stored !== null && stored.final ? stored : null;
}

/**
 * The station zone a session was billed in: recorded with its stored breakdown (also the non-final one stored at
 * the start), else `fallback` (the zone of the config at hand).
 */
export function stationZoneOfSession(session: SessionRow, fallback: string): { zone: string; stored: boolean } {
  const stored = storedBreakdown(session);
  const zoneStored = stored?.stationTimeZone;
  return zoneStored !== undefined ? { zone: zoneStored, stored: true } : { zone: fallback, stored: false };
}
