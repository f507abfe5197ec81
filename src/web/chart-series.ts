import { formatMoney } from '../billing/decimal.js';
import { energyReport, periodKey, reportSession, utilizationReport, type PeakHour, type ReportContext, type ReportRange, type ReportSession } from '../billing/reports.js';
import { storedFinalBreakdown } from '../billing/stored-cost.js';
import { wallTimeAt } from '../billing/wall-clock.js';
import type { EventRow, JournalReader, SampleRow } from '../journal/ports.js';

/** Points a session's power curve is cut down to at most (a phone draws no more, and the answer stays small). */
export const MAX_SERIES_POINTS = 500;
export const MAX_DAILY_DAYS = 366;
export const MAX_UTILIZATION_DAYS = 366;

const DAY_MS = 86_400_000;

/** One point of a session's curve: the mean power over its part of the samples. */
export interface SeriesPoint {
  readonly at: string;
  readonly powerW: number;
  readonly importWh: number;
  /** The station's offer (its limit) in force at that time, from the journal's limit-changed events; null before the first. */
  readonly offeredA: number | null;
}

export interface SessionSeries {
  readonly sessionId: number;
  readonly startedAt: string;
  readonly stoppedAt: string | null;
  readonly energyWh: number;
  /** Samples in the journal; `points` holds at most the asked number of them, averaged. */
  readonly samples: number;
  readonly points: readonly SeriesPoint[];
}

/** The offer in force at each instant: the amps of the last limit-changed event at or before it. */
function offerAt(events: readonly EventRow[]): (atMs: number) => number | null {
  const changes = events
    .filter((e) => e.kind === 'limit-changed' && typeof e.detail?.['amps'] === 'number')
    .map((e) => ({ atMs: e.atMs, amps: e.detail?.['amps'] as number }))
    .sort((a, b) => a.atMs - b.atMs);
  return (atMs) => {
    let amps: number | null = null;
    for (const change of changes) {
      if (change.atMs > atMs) break;
      amps = change.amps;
    }
    return amps;
  };
}

/**
 * At most `points` points from `samples` (oldest first): consecutive samples are grouped evenly and each group gives
 * its mean power and its last register reading, so a peak of a few seconds still moves its point.
 */
export function downsample(samples: readonly SampleRow[], points: number): { atMs: number; powerW: number; importWh: number }[] {
  const groups = Math.min(samples.length, Math.max(1, points));
  const out: { atMs: number; powerW: number; importWh: number }[] = [];
  for (let g = 0; g < groups; g++) {
    const group = samples.slice(Math.floor((g * samples.length) / groups), Math.floor(((g + 1) * samples.length) / groups));
    const last = group[group.length - 1];
    if (last === undefined) continue;
    out.push({ atMs: last.atMs, powerW: Math.round(group.reduce((s, x) => s + x.totalPowerW, 0) / group.length), importWh: last.importWh });
  }
  return out;
}

/** A session's power and offered current over time, from the journal; null for an unknown session. */
export async function sessionSeries(reader: JournalReader, sessionId: number, points: number): Promise<SessionSeries | null> {
  const session = await reader.session(sessionId);
  if (session === null) return null;
  const [samples, events] = await Promise.all([reader.samples(sessionId), reader.events(sessionId)]);
  const offer = offerAt(events);
  const sorted = [...samples].sort((a, b) => a.atMs - b.atMs);
  const lastWh = session.meterStopWh ?? sorted[sorted.length - 1]?.importWh ?? session.meterStartWh;
  return {
    sessionId,
    startedAt: new Date(session.startAtMs).toISOString(),
    stoppedAt: session.stopAtMs === null ? null : new Date(session.stopAtMs).toISOString(),
    energyWh: Math.max(0, lastWh - session.meterStartWh),
    samples: sorted.length,
    points: downsample(sorted, Math.min(points, MAX_SERIES_POINTS)).map((p) => ({
      at: new Date(p.atMs).toISOString(),
      powerW: p.powerW,
      importWh: p.importWh,
      offeredA: offer(p.atMs),
    })),
  };
}

/**
 * The sessions of a range prepared for the charts, reading no more than they need: these answers are computed on the
 * station's thread, and a month of sessions with a sample per second would be a million rows to copy and walk there.
 * A finished session's energy and bill come from its stored final breakdown, so its samples are read only when it has
 * none (a running session); its events (the charging intervals of the busy-hours chart) only when `events` is asked.
 */
async function chartSessions(
  reader: JournalReader,
  range: ReportRange,
  context: ReportContext,
  options: { readonly overlapping: boolean; readonly events: boolean },
): Promise<ReportSession[]> {
  const rows = await reader.sessions(range, { overlapping: options.overlapping });
  const prepared: ReportSession[] = [];
  for (const row of rows) {
    const needSamples = storedFinalBreakdown(row) === null;
    const [samples, events] = await Promise.all([needSamples ? reader.samples(row.id) : [], options.events ? reader.events(row.id) : []]);
    prepared.push(reportSession(row, samples, events, context));
  }
  return prepared;
}

/** One local day of the energy chart (sessions belong to the day they started, as in `evse report energy`). */
export interface DailyEnergy {
  readonly date: string;
  readonly sessions: number;
  readonly energyWh: number;
  /** Revenue with tax, per currency (one unless the tariff's currency changed that day). */
  readonly revenue: readonly { readonly currency: string; readonly minor: number; readonly minorUnits: number; readonly text: string }[];
}

/** The first instant of the local day `daysBack` days before the one `nowMs` lies in. */
function localDayStart(timeZone: string, nowMs: number, daysBack: number): number {
  const wall = wallTimeAt(timeZone, nowMs);
  const roughly = nowMs - wall.msOfDay - daysBack * DAY_MS;
  // Across a DST change the day is 23 or 25 h long: take the offset at that day's noon.
  const noon = wallTimeAt(timeZone, roughly + 12 * 3_600_000);
  return Date.UTC(noon.year, noon.month - 1, noon.day) - noon.offsetMs;
}

/** Energy and revenue per local day for the last `days` days (today included), oldest first, empty days as zeros. */
export async function dailyEnergy(reader: JournalReader, days: number, context: ReportContext): Promise<DailyEnergy[]> {
  const fromMs = localDayStart(context.timeZone, context.nowMs, days - 1);
  const sessions = await chartSessions(reader, { fromMs, toMs: context.nowMs + 1 }, context, { overlapping: false, events: false });
  const rows = energyReport(sessions, context.timeZone, ['day']);
  const minorUnits = new Map(sessions.map((s) => [s.cost.currency, s.cost.minorUnits]));
  const out: DailyEnergy[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const date = periodKey('day', context.timeZone, localDayStart(context.timeZone, context.nowMs, i) + 12 * 3_600_000);
    const ofDay = rows.filter((r) => r.key === date);
    out.push({
      date,
      sessions: ofDay.reduce((s, r) => s + r.sessions, 0),
      energyWh: ofDay.reduce((s, r) => s + r.energyWh, 0),
      revenue: ofDay.map((r) => ({
        currency: r.currency,
        minor: r.revenueMinor,
        minorUnits: minorUnits.get(r.currency) ?? 2,
        text: formatMoney(r.revenueMinor, minorUnits.get(r.currency) ?? 2, r.currency),
      })),
    });
  }
  return out;
}

export interface UtilizationHours {
  readonly from: string;
  readonly to: string;
  readonly sessions: number;
  readonly occupiedShare: number;
  readonly chargingShare: number;
  /** Local hour of day 0–23 (the utilization report's peak-hours histogram). */
  readonly hours: readonly PeakHour[];
}

/** The peak-hours histogram of `evse report utilization` over the last `days` days. */
export async function utilizationHours(reader: JournalReader, days: number, context: ReportContext): Promise<UtilizationHours> {
  const range = { fromMs: context.nowMs - days * DAY_MS, toMs: context.nowMs };
  // Energy is not charted here: only the times matter, from the events.
  const sessions = await chartSessions(reader, range, context, { overlapping: true, events: true });
  const report = utilizationReport(sessions, range, context.timeZone);
  return {
    from: report.from,
    to: report.to,
    sessions: report.sessions,
    occupiedShare: report.occupiedShare,
    chargingShare: report.chargingShare,
    hours: report.peakHours,
  };
}
