import type { EventRow, SampleRow, SessionRow } from '../journal/ports.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import { minorUnitsOf } from './currencies.js';
import { decimalToMicros, divideRoundHalfUp } from './decimal.js';
import { RegisterCurve, type RegisterReading } from './register-curve.js';
import { closeWithoutUnplugAfterMs, dayNames, minuteOfDay, tariffTimeZone, type Tariff } from './tariff-schema.js';
import { buildTimeline, type SessionTimeline, type TimelineEvent, type TimelineSession } from './timeline.js';
import { WallClockSplitter, type WallClassification, type WallTime } from './wall-clock.js';

/**
 * Exact amounts are integers of 1/ATOMS_PER_UNIT of the currency's major unit. 3.6e12 makes every component an
 * integer: energy (µ-price/kWh × Wh), time (µ-price/h × ms), idle (µ-price/min × ms) and fixed fees (µ-price).
 */
const ATOMS_PER_UNIT = 3_600_000_000_000n;
const ATOMS_PER_MICRO = 3_600_000n;
/** Tax rates are µ-percent: the taxed amounts carry this extra denominator until the one rounding. */
const RATE_SCALE = 100_000_000n;

/** The rounding rule, stored with every breakdown so a bill says how it was rounded. */
export const ROUNDING_RULE =
  'exact until the end; the total is rounded once, half-up, to the currency minor unit; ' +
  'each line shows the rounded running sum up to it minus the one before, so lines add up to the total';

/** A session as the cost engine reads it: timeline facts, register readings and events. */
export interface CostSession extends TimelineSession {
  /** Register at the start; when absent, the first reading. */
  readonly meterStartWh?: number | null;
  /** Register at the stop; when absent, the last reading. */
  readonly meterStopWh?: number | null;
  readonly samples: readonly RegisterReading[];
  readonly events: readonly TimelineEvent[];
}

/** The energy of one contiguous stretch of one time-of-use band. */
export interface EnergySegment {
  readonly bandIndex: number;
  readonly band: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Register at the ends of the stretch. */
  readonly fromWh: number;
  readonly toWh: number;
  readonly wh: number;
  /** True when either end lies between two readings and was interpolated. */
  readonly interpolated: boolean;
  readonly pricePerKwh: string;
  readonly amountMinor: number;
}

/** The cost of a session, per band, per component and tax, in integer minor units. JSON-serialisable. */
export interface CostBreakdown {
  readonly version: 1;
  /** The tariff used, so the bill can be recomputed from the journal alone. */
  readonly tariff: Tariff;
  /** The zone of the tariff's bands: used only to choose the price band of each instant. */
  readonly timeZone: string;
  /**
   * The station's zone: every date and time shown for the session (receipt, reports, page, CSV) is in it. Absent in
   * breakdowns stored before it was recorded (then `timeZone` stands in).
   */
  readonly stationTimeZone?: string;
  readonly currency: string;
  readonly minorUnits: number;
  /**
   * True once nothing can change the bill any more: the session stopped and its EV was unplugged, or it stopped
   * `closeWithoutUnplugAfterMinutes` ago without a journaled unplug. A stopped session whose idle time may still grow
   * is not final.
   */
  readonly final: boolean;
  readonly computedAtMs: number;
  readonly energyWh: number;
  readonly energy: readonly EnergySegment[];
  readonly time: { readonly chargingMs: number; readonly pricePerHour: string; readonly amountMinor: number };
  readonly idle: {
    readonly idleMs: number;
    readonly graceMs: number;
    readonly billableMs: number;
    readonly pricePerMinute: string;
    readonly amountMinor: number;
  };
  /**
   * Stop-class fault pauses (the station held the power back): excluded from charging and idle time. Absent in
   * breakdowns stored before pauses were recorded.
   */
  readonly pauses?: readonly BilledPause[];
  readonly flatFeeMinor: number;
  /** Raises the net to minPrice or lowers it to maxPrice. */
  readonly cap: { readonly applied: 'min' | 'max' | null; readonly adjustmentMinor: number };
  readonly netMinor: number;
  readonly taxRatePercent: string;
  readonly taxMinor: number;
  readonly totalMinor: number;
  readonly rounding: string;
  /** Readings ignored or held because they went back in time or the register went backwards. */
  readonly readingAnomalies: number;
}

/** A fault pause as the breakdown keeps it. */
export interface BilledPause {
  readonly fromMs: number;
  readonly toMs: number;
  readonly ms: number;
  readonly faults: readonly string[];
}

/**
 * The timeline facts as billed: an unplug journaled later than `closeWithoutUnplugAfterMinutes` after the stop comes
 * after the bill closed without one, and does not reopen it (no idle after the stop, as for a missing unplug).
 */
export function billedFacts<S extends TimelineSession>(
  tariff: Tariff,
  session: S,
  events: readonly TimelineEvent[],
): { session: S; events: readonly TimelineEvent[] } {
  const stopAtMs = session.stopAtMs ?? events.find((e) => e.kind === 'stopped')?.atMs ?? null;
  const unplugAtMs = session.unplugAtMs ?? events.find((e) => e.kind === 'unplugged')?.atMs ?? null;
  if (stopAtMs === null || unplugAtMs === null || unplugAtMs <= stopAtMs + closeWithoutUnplugAfterMs(tariff)) return { session, events };
  return { session: { ...session, unplugAtMs: null }, events: events.filter((e) => e.kind !== 'unplugged') };
}

/** Whether a bill can still change at `nowMs` (see {@link CostBreakdown.final}). */
export function isBillClosed(tariff: Tariff, timeline: SessionTimeline, nowMs: number): boolean {
  if (timeline.stoppedAtMs === null) return false;
  return timeline.unpluggedAtMs !== null || nowMs >= timeline.stoppedAtMs + closeWithoutUnplugAfterMs(tariff);
}

/**
 * Computes a session's cost at `nowMs` (final when the session has stopped, running otherwise). Energy is split at
 * band boundaries in the tariff's time zone (`tariff.timeZone`, else `stationTimeZone`), using the register
 * readings; arithmetic is exact and rounded once (see {@link ROUNDING_RULE}).
 */
export function computeCost(tariff: Tariff, session: CostSession, nowMs: number, stationTimeZone = 'UTC'): CostBreakdown {
  const curve = registerCurveOf(session);
  const billed = billedFacts(tariff, session, session.events);
  const timeline = buildTimeline(billed.session, billed.events, nowMs);
  return costFromParts(tariff, stationTimeZone, curve, timeline, nowMs);
}

/** The running cost of an open session: {@link computeCost} at `nowMs`. Never decreases as samples and time advance. */
export function runningCost(tariff: Tariff, session: CostSession, nowMs: number, stationTimeZone = 'UTC'): CostBreakdown {
  return computeCost(tariff, session, nowMs, stationTimeZone);
}

/** The cost inputs of a journaled session. */
export function costSessionFromJournal(session: SessionRow, samples: readonly SampleRow[], events: readonly EventRow[]): CostSession {
  return { ...session, samples: samples.filter((s) => s.sessionId === null || s.sessionId === session.id), events };
}

/** The register over the session: the start reading, the samples inside the session, the stop reading. */
export function registerCurveOf(session: CostSession): RegisterCurve {
  const stopAtMs = session.stopAtMs;
  const endsWithStopReading = stopAtMs !== null && session.meterStopWh !== undefined && session.meterStopWh !== null;
  const hasStartReading = session.meterStartWh !== undefined && session.meterStartWh !== null;
  const inside = session.samples.filter(
    (s) =>
      (hasStartReading ? s.atMs > session.startAtMs : s.atMs >= session.startAtMs) &&
      (stopAtMs === null || (endsWithStopReading ? s.atMs < stopAtMs : s.atMs <= stopAtMs)),
  );
  const readings: RegisterReading[] = [];
  if (hasStartReading) readings.push({ atMs: session.startAtMs, importWh: session.meterStartWh ?? 0 });
  readings.push(...inside);
  if (endsWithStopReading) readings.push({ atMs: stopAtMs, importWh: session.meterStopWh ?? 0 });
  return RegisterCurve.from(readings);
}

/** The cost from prepared parts; the running-cost tracker keeps these incrementally. */
export function costFromParts(
  tariff: Tariff,
  stationTimeZone: string,
  curve: RegisterCurve,
  timeline: SessionTimeline,
  nowMs: number,
  bandSplitter?: WallClockSplitter<number>,
): CostBreakdown {
  const minorUnits = minorUnitsOf(tariff.currency);
  if (minorUnits === undefined) {
    throw new EvseError(EvseErrorCode.TariffInvalid, `tariff ${tariff.id}: unknown currency ${tariff.currency}`);
  }
  const timeZone = tariffTimeZone(tariff, stationTimeZone);

  // Exact lines in atoms, in display order; `lineAtoms` keeps them for the one rounding at the end.
  const lineAtoms: bigint[] = [];
  const segmentsExact = energySegments(tariff, timeZone, curve, bandSplitter);
  for (const segment of segmentsExact) lineAtoms.push(segment.atoms);

  const pricePerHourMicros = decimalToMicros(tariff.pricePerChargingHour);
  const timeAtoms = pricePerHourMicros * BigInt(timeline.chargingMs);
  lineAtoms.push(timeAtoms);

  const graceMs = tariff.idleGraceMinutes * 60_000;
  const billableIdleMs = Math.max(0, timeline.idleMs - graceMs);
  const idleAtoms = decimalToMicros(tariff.idleFeePerMinute) * BigInt(billableIdleMs) * 60n;
  lineAtoms.push(idleAtoms);

  const flatAtoms = decimalToMicros(tariff.flatFee) * ATOMS_PER_MICRO;
  lineAtoms.push(flatAtoms);

  const uncappedAtoms = lineAtoms.reduce((a, b) => a + b, 0n);
  const minAtoms = decimalToMicros(tariff.minPrice) * ATOMS_PER_MICRO;
  const maxAtoms = tariff.maxPrice === null ? null : decimalToMicros(tariff.maxPrice) * ATOMS_PER_MICRO;
  let netAtoms = uncappedAtoms;
  let capApplied: 'min' | 'max' | null = null;
  if (netAtoms < minAtoms) {
    netAtoms = minAtoms;
    capApplied = 'min';
  } else if (maxAtoms !== null && netAtoms > maxAtoms) {
    netAtoms = maxAtoms;
    capApplied = 'max';
  }
  lineAtoms.push(netAtoms - uncappedAtoms);

  // From here on amounts carry the tax denominator too.
  const scaled = lineAtoms.map((atoms) => atoms * RATE_SCALE);
  scaled.push(netAtoms * decimalToMicros(tariff.taxRatePercent));
  const linesMinor = roundByRunningSum(scaled, ATOMS_PER_UNIT * RATE_SCALE, 10n ** BigInt(minorUnits));

  const at = (index: number): number => linesMinor[index] ?? 0;
  const segmentCount = segmentsExact.length;
  const energy: EnergySegment[] = segmentsExact.map((s, i) => ({ ...s.segment, amountMinor: at(i) }));
  const capIndex = segmentCount + 3;
  const netMinor = linesMinor.slice(0, capIndex + 1).reduce((a, b) => a + b, 0);
  const taxMinor = at(capIndex + 1);

  return {
    version: 1,
    tariff,
    timeZone,
    stationTimeZone,
    currency: tariff.currency,
    minorUnits,
    final: isBillClosed(tariff, timeline, nowMs),
    computedAtMs: nowMs,
    energyWh: energy.reduce((sum, s) => sum + s.wh, 0),
    energy,
    time: { chargingMs: timeline.chargingMs, pricePerHour: tariff.pricePerChargingHour, amountMinor: at(segmentCount) },
    idle: {
      idleMs: timeline.idleMs,
      graceMs,
      billableMs: billableIdleMs,
      pricePerMinute: tariff.idleFeePerMinute,
      amountMinor: at(segmentCount + 1),
    },
    pauses: timeline.pauses.map((p) => ({ fromMs: p.fromMs, toMs: p.toMs, ms: p.toMs - p.fromMs, faults: p.faults })),
    flatFeeMinor: at(segmentCount + 2),
    cap: { applied: capApplied, adjustmentMinor: at(capIndex) },
    netMinor,
    taxRatePercent: tariff.taxRatePercent,
    taxMinor,
    totalMinor: netMinor + taxMinor,
    rounding: ROUNDING_RULE,
    readingAnomalies: curve.anomalies,
  };
}

/**
 * Rounds a list of exact amounts (numerators over `denominator`, in the major unit) to minor units so that the
 * rounded lines sum to the rounded total: line i = round(sum of 0..i) − round(sum of 0..i−1), rounding half-up.
 */
function roundByRunningSum(numerators: readonly bigint[], denominator: bigint, minorPerUnit: bigint): number[] {
  let runningExact = 0n;
  let runningRounded = 0n;
  return numerators.map((numerator) => {
    runningExact += numerator;
    const rounded = divideRoundHalfUp(runningExact * minorPerUnit, denominator);
    const line = rounded - runningRounded;
    runningRounded = rounded;
    return Number(line);
  });
}

interface ExactSegment {
  readonly segment: Omit<EnergySegment, 'amountMinor'>;
  readonly atoms: bigint;
}

/** Which band holds a wall time, and until which minute of that day (for {@link WallClockSplitter}). */
export function bandClassifier(tariff: Tariff): (wall: WallTime) => WallClassification<number> {
  return (wall) => {
    const day = dayNames[wall.weekday] ?? 'mon';
    const minute = Math.floor(wall.msOfDay / 60_000);
    const bandIndex = tariff.energyBands.findIndex(
      (band) => band.days.includes(day) && minuteOfDay(band.from) <= minute && minute < minuteOfDay(band.to),
    );
    const band = tariff.energyBands[bandIndex];
    if (band === undefined) {
      throw new EvseError(EvseErrorCode.InvariantViolated, `tariff ${tariff.id} has no band for ${day} minute ${minute}`);
    }
    return { key: bandIndex, untilMinuteOfDay: minuteOfDay(band.to) };
  };
}

/** Splits the register curve at the wall-clock band boundaries and prices each stretch exactly. */
function energySegments(tariff: Tariff, timeZone: string, curve: RegisterCurve, reusable?: WallClockSplitter<number>): ExactSegment[] {
  const fromMs = curve.firstAtMs;
  const toMs = curve.lastAtMs;
  if (fromMs === undefined || toMs === undefined || toMs <= fromMs) return [];
  const splitter =
    reusable !== undefined && reusable.fromMs === fromMs && reusable.timeZone === timeZone
      ? reusable
      : new WallClockSplitter(timeZone, fromMs, bandClassifier(tariff));
  const pieces = splitter.piecesUntil(toMs);
  return pieces.map((piece) => {
    const band = tariff.energyBands[piece.key];
    const start = curve.at(piece.fromMs);
    const end = curve.at(piece.toMs);
    const wh = end.wh - start.wh;
    const pricePerKwh = band?.pricePerKwh ?? '0';
    return {
      segment: {
        bandIndex: piece.key,
        band: band?.label ?? `${band?.from ?? ''}–${band?.to ?? ''}`,
        fromMs: piece.fromMs,
        toMs: piece.toMs,
        fromWh: start.wh,
        toWh: end.wh,
        wh,
        interpolated: start.interpolated || end.interpolated,
        pricePerKwh,
      },
      atoms: decimalToMicros(pricePerKwh) * BigInt(wh) * 3600n,
    };
  });
}
