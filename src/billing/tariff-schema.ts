import { z } from 'zod';
import { EvseError, EvseErrorCode } from '../errors.js';
import { describeIssues } from '../config/describe-issues.js';
import { minorUnitsOf } from './currencies.js';
import { normalizeDecimal } from './decimal.js';
import { isKnownTimeZone } from './wall-clock.js';

/** Day names in ISO order (index 0 = Monday), as a band lists them. */
export const dayNames = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type DayName = (typeof dayNames)[number];

const MINUTES_PER_DAY = 1440;

/** A non-negative decimal price or rate in the major unit ("0.39" or 0.39), kept as canonical decimal text. */
const decimalSchema = z
  .union([z.number(), z.string()], { error: 'must be a decimal number such as "0.39"' })
  .transform((value, ctx) => {
    const normalized = normalizeDecimal(value);
    if (!normalized.ok) {
      ctx.addIssue({ code: 'custom', message: normalized.message });
      return z.NEVER;
    }
    return normalized.text;
  });

/** "HH:MM" on the wall clock, 00:00–24:00. */
const wallTimeSchema = z
  .string()
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, { message: 'must be a wall time "HH:MM" between 00:00 and 24:00' });

/** Minutes since local midnight of a validated "HH:MM". */
export function minuteOfDay(wallTime: string): number {
  const [hours, minutes] = wallTime.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/** One time-of-use band: a price per kWh for [from, to) on the wall clock of the listed days. */
export const energyBandSchema = z
  .object({
    /** Shown on receipts ("night", "peak"). */
    label: z.string().min(1).max(32).optional(),
    days: z.array(z.enum(dayNames)).min(1).default([...dayNames]),
    from: wallTimeSchema,
    /** Exclusive; "24:00" is the end of the day. Bands do not wrap midnight: split 22:00–06:00 into two. */
    to: wallTimeSchema,
    pricePerKwh: decimalSchema,
  })
  .strict()
  .refine((band) => minuteOfDay(band.from) < minuteOfDay(band.to), {
    message: 'must be after "from" (bands do not wrap midnight: split 22:00–06:00 into 22:00–24:00 and 00:00–06:00)',
    path: ['to'],
  });

/**
 * The tariff (issue #7, deliverable 1). Prices are net of tax, in the major unit of `currency`, as exact decimals
 * with up to 6 places. Caps apply to the net price; tax is added on the capped net. See src/billing/README.md.
 */
export const tariffSchema = z
  .object({
    /** Named on receipts and stored with each cost breakdown. */
    id: z.string().min(1).max(64).default('default'),
    currency: z
      .string()
      .refine((code) => minorUnitsOf(code) !== undefined, { message: 'must be an ISO 4217 currency code such as "EUR"' })
      .default('EUR'),
    /** IANA zone of the bands; when absent, the station's `station.timeZone`. */
    timeZone: z
      .string()
      .refine(isKnownTimeZone, { message: 'must be an IANA time zone such as "Europe/Berlin"' })
      .optional(),
    /** Time-of-use bands; for every day they must cover 00:00–24:00 exactly once. */
    energyBands: z
      .array(energyBandSchema)
      .min(1)
      .default([{ days: [...dayNames], from: '00:00', to: '24:00', pricePerKwh: '0' }]),
    /** Per hour while energy flows. */
    pricePerChargingHour: decimalSchema.default('0'),
    /** Per minute the EV stays connected after it stopped drawing, once the grace period is over. */
    idleFeePerMinute: decimalSchema.default('0'),
    idleGraceMinutes: z.number().int().min(0).max(1440).default(0),
    /** Once per session. */
    flatFee: decimalSchema.default('0'),
    /** Least and most a session costs (net). */
    minPrice: decimalSchema.default('0'),
    maxPrice: decimalSchema.nullable().default(null),
    /** Added on the net price, e.g. "19" for 19 % VAT. */
    taxRatePercent: decimalSchema.default('0'),
    /**
     * A stopped session's bill closes at the unplug; when no unplug is journaled (a power cut, a pilot that never
     * showed state A), it closes this long after the stop, without idle time after the stop. Default 1440 (a day).
     */
    closeWithoutUnplugAfterMinutes: z.number().int().min(0).max(10_080).optional(),
  })
  .strict()
  .superRefine((tariff, ctx) => {
    checkBandCoverage(tariff.energyBands, ctx);
    if (tariff.maxPrice !== null && compareDecimals(tariff.maxPrice, tariff.minPrice) < 0) {
      ctx.addIssue({ code: 'custom', message: `must not be below minPrice (${tariff.minPrice})`, path: ['maxPrice'] });
    }
  });

export type Tariff = z.output<typeof tariffSchema>;
export type EnergyBand = Tariff['energyBands'][number];

/** A sensible default: free charging in EUR until the operator configures prices. */
export const defaultTariff: Tariff = tariffSchema.parse({});

/**
 * Flags overlaps (naming both bands and the span) and gaps (naming the span), each once with every day it affects,
 * so a band missing on all seven days gives one line, not seven.
 */
function checkBandCoverage(bands: readonly EnergyBand[], ctx: z.RefinementCtx): void {
  const gaps = new Map<string, { days: DayName[] }>();
  const overlaps = new Map<string, { later: number; message: string; days: DayName[] }>();
  const note = <V extends { days: DayName[] }>(map: Map<string, V>, key: string, day: DayName, fresh: () => V): void => {
    const entry = map.get(key) ?? fresh();
    entry.days.push(day);
    map.set(key, entry);
  };
  for (const day of dayNames) {
    const spans = bands
      .map((band, index) => ({ index, from: minuteOfDay(band.from), to: minuteOfDay(band.to), days: band.days }))
      .filter((span) => span.days.includes(day))
      .sort((a, b) => a.from - b.from || a.index - b.index);
    let coveredUntil = 0;
    let lastOwner: (typeof spans)[number] | undefined;
    for (const span of spans) {
      if (span.from > coveredUntil) {
        note(gaps, `${formatMinute(coveredUntil)}–${formatMinute(span.from)}`, day, () => ({ days: [] }));
      } else if (span.from < coveredUntil && lastOwner !== undefined) {
        // Report on the later-listed band of the pair, pointing at the other one.
        const [earlier, later] = lastOwner.index < span.index ? [lastOwner, span] : [span, lastOwner];
        const what = `energyBands.${earlier.index} from ${formatMinute(span.from)} to ${formatMinute(Math.min(coveredUntil, span.to))}`;
        note(overlaps, `${later.index} ${what}`, day, () => ({ later: later.index, message: `overlaps ${what}`, days: [] }));
      }
      if (span.to > coveredUntil) {
        coveredUntil = span.to;
        lastOwner = span;
      }
    }
    if (coveredUntil < MINUTES_PER_DAY) {
      note(gaps, `${formatMinute(coveredUntil)}–${formatMinute(MINUTES_PER_DAY)}`, day, () => ({ days: [] }));
    }
  }
  for (const overlap of overlaps.values()) {
    ctx.addIssue({ code: 'custom', message: `${overlap.message} on ${overlap.days.join(', ')}`, path: ['energyBands', overlap.later] });
  }
  for (const [span, gap] of gaps) {
    ctx.addIssue({ code: 'custom', message: `no band covers ${span} on ${gap.days.join(', ')}`, path: ['energyBands'] });
  }
}

/** "07:30" from a minute of the day. */
export function formatMinute(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

function compareDecimals(a: string, b: string): number {
  const [aWhole = '0', aFraction = ''] = a.split('.');
  const [bWhole = '0', bFraction = ''] = b.split('.');
  const width = Math.max(aFraction.length, bFraction.length);
  const aScaled = BigInt(aWhole + aFraction.padEnd(width, '0'));
  const bScaled = BigInt(bWhole + bFraction.padEnd(width, '0'));
  return aScaled < bScaled ? -1 : aScaled > bScaled ? 1 : 0;
}

/**
 * Validates a tariff from the config file, the CLI or the CSMS. Throws EvseError(TariffInvalid) whose message names
 * every bad field as `path: reason (got VALUE)`.
 */
export function parseTariff(input: unknown, source = 'tariff'): Tariff {
  const result = tariffSchema.safeParse(input);
  if (!result.success) {
    throw new EvseError(
      EvseErrorCode.TariffInvalid,
      `${source} is invalid:\n  ${describeIssues(result.error, input).join('\n  ')}`,
    );
  }
  return result.data;
}

/** How long after the stop a session without a journaled unplug keeps its bill open (see the tariff field). */
export function closeWithoutUnplugAfterMs(tariff: Tariff): number {
  return (tariff.closeWithoutUnplugAfterMinutes ?? DEFAULT_CLOSE_WITHOUT_UNPLUG_MINUTES) * 60_000;
}

const DEFAULT_CLOSE_WITHOUT_UNPLUG_MINUTES = 1440;

/** The time zone the bands of `tariff` follow (only for choosing the band: dates and times shown use the station's). */
export function tariffTimeZone(tariff: Tariff, stationTimeZone: string): string {
  return tariff.timeZone ?? stationTimeZone;
}

