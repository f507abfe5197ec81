import type { EventRow, JournalReader, SampleRow, SessionRangeOptions, SessionRow } from '../journal/ports.js';
import type { StopReason } from '../session/recorder.js';
import { computeCost, costSessionFromJournal, registerCurveOf, type CostBreakdown } from './cost.js';
import { formatMinor } from './decimal.js';
import { maskIdTag, tariffOfSession } from './receipt.js';
import { stationZoneOfSession, storedFinalBreakdown } from './stored-cost.js';
import type { RegisterCurve } from './register-curve.js';
import type { Tariff } from './tariff-schema.js';
import { buildTimeline, type Interval, type SessionTimeline } from './timeline.js';
import { formatWallTime, splitByWallClock, wallTimeAt } from './wall-clock.js';

/** A session ready for reporting: its row, timeline and cost (under the tariff it was billed with). */
export interface ReportSession {
  readonly session: SessionRow;
  readonly timeline: SessionTimeline;
  /** The stored final breakdown (what was billed) when there is one, else recomputed (see {@link reportSession}). */
  readonly cost: CostBreakdown;
  /** The station zone stored with the session (its dates are shown and bucketed in it), or null when none was. */
  readonly stationTimeZone: string | null;
  /** The import register over the session (meter start, samples, meter stop): the energy of any part of it. */
  readonly register: RegisterCurve;
  /** Load management's last totals for the session (its `load-summary` event), or null on a station without it. */
  readonly load: SessionLoad | null;
}

/** Where a session's energy came from under load management, and how long the fuse held it back. */
export interface SessionLoad {
  readonly solarWh: number;
  readonly gridWh: number;
  readonly fuseLimitedS: number;
}

/** The newest `load-summary` of a session's events (totals are cumulative, so the last one holds). */
function loadOfEvents(events: readonly EventRow[]): SessionLoad | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e?.kind !== 'load-summary' || e.detail === null) continue;
    const { solarWh, gridWh, fuseLimitedS } = e.detail;
    if (typeof solarWh === 'number' && typeof gridWh === 'number' && typeof fuseLimitedS === 'number') return { solarWh, gridWh, fuseLimitedS };
  }
  return null;
}

/** What reports need besides the journal. */
export interface ReportContext {
  /** Used for sessions without a stored tariff. */
  readonly tariff: Tariff;
  /** Reports bucket by this zone's wall clock. */
  readonly timeZone: string;
  readonly nowMs: number;
}

/** A time range [fromMs, toMs). */
export interface ReportRange {
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * Prepares one session from its journal rows. Its cost is the final breakdown stored with it when there is one (a
 * report shows what was billed, as the receipt does); otherwise it is recomputed with the tariff and station zone
 * stored with the session, falling back to the context's.
 */
export function reportSession(
  session: SessionRow,
  samples: readonly SampleRow[],
  events: readonly EventRow[],
  context: ReportContext,
): ReportSession {
  const costSession = costSessionFromJournal(session, samples, events);
  const register = registerCurveOf(costSession);
  const timeline = buildTimeline(session, events, context.nowMs);
  const zone = stationZoneOfSession(session, context.timeZone);
  const cost =
    storedFinalBreakdown(session) ?? computeCost(tariffOfSession(session, context.tariff), costSession, context.nowMs, zone.zone);
  return { session, timeline, cost, register, stationTimeZone: zone.stored ? zone.zone : null, load: loadOfEvents(events) };
}

/**
 * Reads the sessions of `range` with their samples and events, and prepares them: by default those that started in
 * the range (sessions and energy reports: a session belongs to the period it started in); with `overlapping`, every
 * session that occupied the connector during the range (utilization).
 */
export async function loadReportSessions(
  reader: JournalReader,
  range: ReportRange,
  context: ReportContext,
  options: SessionRangeOptions = {},
): Promise<ReportSession[]> {
  const sessions = await reader.sessions(range, options);
  const prepared: ReportSession[] = [];
  for (const session of sessions) {
    const [samples, events] = await Promise.all([reader.samples(session.id), reader.events(session.id)]);
    prepared.push(reportSession(session, samples, events, context));
  }
  return prepared;
}

// ---------------------------------------------------------------------------------------------------------------
// Sessions

/** One line per session. */
export interface SessionReportRow {
  readonly id: number;
  readonly connectorId: number;
  readonly idTag: string | null;
  readonly start: string;
  readonly stop: string | null;
  readonly stopReason: StopReason | null;
  readonly connectedMinutes: number;
  readonly chargingMinutes: number;
  readonly idleMinutes: number;
  readonly energyWh: number;
  readonly currency: string;
  readonly totalMinor: number;
  readonly total: string;
  readonly clockTrusted: boolean;
  /**
   * Load management (columns present only when some session of the report ran under it): energy from PV surplus and
   * from the grid, and the minutes the building's fuse held the EV back.
   */
  readonly solarWh?: number | null;
  readonly gridWh?: number | null;
  readonly fuseLimitedMinutes?: number | null;
}

/**
 * The sessions report: one row per session that started in the range (whole sessions, not clipped), oldest first.
 * Times are on the station's wall clock: the zone stored with each session, `timeZone` for sessions without one.
 * Charging and idle minutes are the billed ones (fault pauses excluded).
 */
export function sessionsReport(sessions: readonly ReportSession[], timeZone: string): SessionReportRow[] {
  const withLoad = sessions.some((s) => s.load !== null);
  return [...sessions]
    .sort((a, b) => a.session.startAtMs - b.session.startAtMs)
    .map(({ session, timeline, cost, stationTimeZone, load }) => ({
      id: session.id,
      connectorId: session.connectorId,
      idTag: maskIdTag(session.idTag),
      start: formatWallTime(stationTimeZone ?? timeZone, session.startAtMs),
      stop: session.stopAtMs === null ? null : formatWallTime(stationTimeZone ?? timeZone, session.stopAtMs),
      stopReason: session.stopReason,
      connectedMinutes: minutes(timeline.connectedMs),
      chargingMinutes: minutes(cost.time.chargingMs),
      idleMinutes: minutes(cost.idle.idleMs),
      energyWh: cost.energyWh,
      currency: cost.currency,
      totalMinor: cost.totalMinor,
      total: formatMinor(cost.totalMinor, cost.minorUnits),
      clockTrusted: session.clockTrusted,
      ...(withLoad
        ? { solarWh: load?.solarWh ?? null, gridWh: load?.gridWh ?? null, fuseLimitedMinutes: load === null ? null : minutes(load.fuseLimitedS * 1000) }
        : {}),
    }));
}

// ---------------------------------------------------------------------------------------------------------------
// Energy and revenue per period

export const reportPeriods = ['day', 'week', 'month'] as const;
export type ReportPeriod = (typeof reportPeriods)[number];

/** Energy and revenue of the sessions that started in one period (per currency, should the tariff have changed it). */
export interface EnergyPeriodRow {
  readonly period: ReportPeriod;
  /** "2026-06-01", ISO week "2026-W23", or "2026-06". */
  readonly key: string;
  readonly currency: string;
  readonly sessions: number;
  readonly energyWh: number;
  readonly netMinor: number;
  readonly taxMinor: number;
  readonly revenueMinor: number;
  readonly revenue: string;
}

/**
 * Energy and revenue per day, ISO week and month of the session start on the station's wall clock: a whole session
 * (all its energy and its whole bill) belongs to the period it started in, as a bill does.
 */
export function energyReport(sessions: readonly ReportSession[], timeZone: string, periods: readonly ReportPeriod[] = reportPeriods): EnergyPeriodRow[] {
  const rows = new Map<string, EnergyPeriodRow & { minorUnits: number }>();
  for (const { session, cost, stationTimeZone } of sessions) {
    for (const period of periods) {
      const key = periodKey(period, stationTimeZone ?? timeZone, session.startAtMs);
      const mapKey = `${period} ${key} ${cost.currency}`;
      const row = rows.get(mapKey) ?? {
        period,
        key,
        currency: cost.currency,
        minorUnits: cost.minorUnits,
        sessions: 0,
        energyWh: 0,
        netMinor: 0,
        taxMinor: 0,
        revenueMinor: 0,
        revenue: '',
      };
      rows.set(mapKey, {
        ...row,
        sessions: row.sessions + 1,
        energyWh: row.energyWh + cost.energyWh,
        netMinor: row.netMinor + cost.netMinor,
        taxMinor: row.taxMinor + cost.taxMinor,
        revenueMinor: row.revenueMinor + cost.totalMinor,
      });
    }
  }
  const order = (p: ReportPeriod): number => periods.indexOf(p);
  return [...rows.values()]
    .sort((a, b) => order(a.period) - order(b.period) || a.key.localeCompare(b.key) || a.currency.localeCompare(b.currency))
    .map(({ minorUnits, ...row }) => ({ ...row, revenue: formatMinor(row.revenueMinor, minorUnits) }));
}

/** The bucket of an instant: local date, ISO week, or month. */
export function periodKey(period: ReportPeriod, timeZone: string, atMs: number): string {
  const wall = wallTimeAt(timeZone, atMs);
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (period === 'day') return `${wall.year}-${pad(wall.month)}-${pad(wall.day)}`;
  if (period === 'month') return `${wall.year}-${pad(wall.month)}`;
  // ISO 8601 week: the week belongs to the year of its Thursday.
  const date = Date.UTC(wall.year, wall.month - 1, wall.day);
  const thursday = date + (3 - wall.weekday) * 86_400_000;
  const weekYear = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(weekYear, 0, 1)) / (7 * 86_400_000)) + 1;
  return `${weekYear}-W${pad(week)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Utilization

/** One hour of the day in the peak-hours histogram. */
export interface PeakHour {
  readonly hour: number;
  readonly occupiedMinutes: number;
  readonly chargingMinutes: number;
  readonly sessionsStarted: number;
}

/** How the station was used over a range. */
export interface UtilizationReport {
  readonly from: string;
  readonly to: string;
  readonly connectors: number;
  /** Sessions that occupied the connector during the range, including those started before it or still open. */
  readonly sessions: number;
  /** Connector-time available: the range times the connectors. */
  readonly availableMinutes: number;
  readonly occupiedMinutes: number;
  readonly chargingMinutes: number;
  readonly idleMinutes: number;
  /** Shares of the available time, 0–1. */
  readonly occupiedShare: number;
  readonly chargingShare: number;
  readonly idleShare: number;
  /** Averages per session of the in-range parts: occupied, charging minutes and energy over `sessions`. */
  readonly averageConnectedMinutes: number;
  readonly averageChargingMinutes: number;
  readonly averageEnergyWh: number;
  /** Energy delivered within the range (the register interpolated at its edges, as the tariff split does). */
  readonly energyWh: number;
  /** Local hour of day 0–23, by the station's wall clock. */
  readonly peakHours: readonly PeakHour[];
}

/**
 * Utilization over `range`: occupied (plugged in), charging and idle time as shares of the connector-time available;
 * a histogram per local hour of day; averages per session.
 *
 * Every session that occupied the connector at some instant of the range counts (load them with
 * `loadReportSessions(…, { overlapping: true })`; sessions given that do not overlap are left out), with only its part
 * inside the range: times are clipped to the range, and energy is the register's advance within the range,
 * interpolated between samples at the range's edges (whole Wh, as the tariff split does). So a car plugged in at 23:00
 * and left until 07:00 counts in both days, and the figures of consecutive ranges add up (energy to the Wh).
 * `sessions` counts the overlapping sessions; the averages divide the in-range totals by it. `sessionsStarted` per
 * hour counts only sessions that started within the range.
 */
export function utilizationReport(
  sessions: readonly ReportSession[],
  range: ReportRange,
  timeZone: string,
  connectors = 1,
): UtilizationReport {
  const spanMs = Math.max(0, range.toMs - range.fromMs) * connectors;
  const hours = Array.from({ length: 24 }, (_, hour) => ({ hour, occupiedMs: 0, chargingMs: 0, sessionsStarted: 0 }));
  let occupiedMs = 0;
  let chargingMs = 0;
  let idleMs = 0;
  let energyWh = 0;
  const overlapping = sessions.filter(({ timeline }) => occupiesDuring(timeline, range));
  for (const { session, timeline, register } of overlapping) {
    const occupied = clip({ fromMs: timeline.pluggedInAtMs, toMs: timeline.occupiedUntilMs }, range);
    const charging = timeline.charging.map((i) => clip(i, range));
    occupiedMs += length(occupied);
    chargingMs += sum(charging.map(length));
    idleMs += sum(timeline.idle.map((i) => length(clip(i, range))));
    energyWh += energyWithin(register, range);
    addPerHour(hours, timeZone, [occupied], 'occupiedMs');
    addPerHour(hours, timeZone, charging, 'chargingMs');
    if (session.startAtMs >= range.fromMs && session.startAtMs < range.toMs) {
      const startHour = hours[Math.floor(wallTimeAt(timeZone, session.startAtMs).msOfDay / 3_600_000)];
      if (startHour) startHour.sessionsStarted += 1;
    }
  }
  const count = overlapping.length;
  const share = (ms: number): number => (spanMs > 0 ? round4(ms / spanMs) : 0);
  return {
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    connectors,
    sessions: count,
    availableMinutes: minutes(spanMs),
    occupiedMinutes: minutes(occupiedMs),
    chargingMinutes: minutes(chargingMs),
    idleMinutes: minutes(idleMs),
    occupiedShare: share(occupiedMs),
    chargingShare: share(chargingMs),
    idleShare: share(idleMs),
    averageConnectedMinutes: count > 0 ? minutes(occupiedMs / count) : 0,
    averageChargingMinutes: count > 0 ? minutes(chargingMs / count) : 0,
    averageEnergyWh: count > 0 ? Math.round(energyWh / count) : 0,
    energyWh,
    peakHours: hours.map((h) => ({
      hour: h.hour,
      occupiedMinutes: minutes(h.occupiedMs),
      chargingMinutes: minutes(h.chargingMs),
      sessionsStarted: h.sessionsStarted,
    })),
  };
}

function addPerHour(
  hours: { occupiedMs: number; chargingMs: number }[],
  timeZone: string,
  intervals: readonly Interval[],
  field: 'occupiedMs' | 'chargingMs',
): void {
  for (const interval of intervals) {
    if (interval.toMs <= interval.fromMs) continue;
    const pieces = splitByWallClock(timeZone, interval.fromMs, interval.toMs, (wall) => {
      const hour = Math.floor(wall.msOfDay / 3_600_000);
      return { key: hour, untilMinuteOfDay: (hour + 1) * 60 };
    });
    for (const piece of pieces) {
      const bucket = hours[piece.key];
      if (bucket) bucket[field] += piece.toMs - piece.fromMs;
    }
  }
}

/** True when the session occupied the connector at some instant of the range (a zero-length one: it lies inside). */
function occupiesDuring(timeline: SessionTimeline, range: ReportRange): boolean {
  if (timeline.pluggedInAtMs >= range.toMs) return false;
  return timeline.occupiedUntilMs > range.fromMs || timeline.pluggedInAtMs >= range.fromMs;
}

/**
 * The energy (whole Wh) the register advanced by within `range`: the register at the range's edges, interpolated
 * between readings; the range is first cut to the readings (no energy before the start or after the last reading).
 * Over consecutive ranges these add up exactly to the session's energy.
 */
export function energyWithin(register: RegisterCurve, range: ReportRange): number {
  const first = register.firstAtMs;
  const last = register.lastAtMs;
  if (first === undefined || last === undefined) return 0;
  const fromMs = Math.max(first, range.fromMs);
  const toMs = Math.min(last, range.toMs);
  if (toMs <= fromMs) return 0;
  return register.at(toMs).wh - register.at(fromMs).wh;
}

function clip(interval: Interval, range: ReportRange): Interval {
  const fromMs = Math.max(interval.fromMs, range.fromMs);
  return { fromMs, toMs: Math.max(fromMs, Math.min(interval.toMs, range.toMs)) };
}

function length(interval: Interval): number {
  return interval.toMs - interval.fromMs;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Whole minutes, rounded half-up (durations in reports; the exact ms stay in the timeline). */
function minutes(ms: number): number {
  return Math.round(ms / 60_000);
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
