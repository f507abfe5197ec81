import { receiptFromJournal, type Receipt } from '../billing/receipt.js';
import type { JournalReader } from '../journal/ports.js';
import { dailyEnergy, sessionSeries, utilizationHours, type DailyEnergy, type SessionSeries, type UtilizationHours } from './chart-series.js';
import type { MetricsSnapshot } from './metrics-data.js';
import { recentSessions, type RecentSession } from './recent-sessions.js';
import { buildStatusView, type StationStatusView, type StatusSources } from './status-view.js';

/** The station's snapshots as they come, for the live stream (`GET /api/events`). */
export interface LiveStatus {
  /** Calls `listener` with every new snapshot until the returned function is called. */
  subscribe(listener: (view: StationStatusView) => void): () => void;
  /** Told how many live streams are open: the station pushes a snapshot per meter reading only while some are. */
  streamsOpen?(count: number): void;
}

/** What the status app serves, wherever it comes from (this thread, or the station's thread through messages). */
export interface StatusData {
  readonly stationId: string;
  status(): Promise<StationStatusView>;
  /** Snapshots pushed by the station; null where nothing pushes them (then `/api/events` answers 503). */
  readonly live: LiveStatus | null;
  /** Null when the station has no journal (the session list and receipts then answer 503). */
  readonly sessions: ((query: { readonly limit: number; readonly days: number }) => Promise<RecentSession[]>) | null;
  /** The receipt of a session, null for an unknown session. */
  readonly receipt: ((sessionId: number) => Promise<Receipt | null>) | null;
  /** The power curve of a session (null for an unknown one); the three chart series are null without a journal. */
  readonly series: ((sessionId: number, points: number) => Promise<SessionSeries | null>) | null;
  readonly daily: ((days: number) => Promise<DailyEnergy[]>) | null;
  readonly hours: ((days: number) => Promise<UtilizationHours>) | null;
  /** The building's day (load management's mains, EV and surplus power per minute); null on a station without it. */
  readonly load: (() => Promise<LoadDay>) | null;
  /** What `/metrics` needs beyond the status; null when metrics are off (`web.metrics: false`, no route). */
  readonly metrics: (() => Promise<MetricsSnapshot>) | null;
}

/** The building's day for the page's chart: one point per minute, W, and the fuse and mode for the caption. */
export interface LoadDay {
  readonly mode: string;
  readonly fuseA: number;
  readonly points: readonly { readonly at: string; readonly mainsW: number; readonly evW: number; readonly surplusW: number }[];
}

function loadDay(sources: StatusSources): LoadDay {
  const load = sources.station.load;
  if (!load) return { mode: 'off', fuseA: 0, points: [] };
  const f = load.figures();
  return {
    mode: f.mode,
    fuseA: f.fuseA,
    points: load.history().map((p) => ({ at: new Date(p.atMs).toISOString(), mainsW: Math.round(p.mainsW), evW: Math.round(p.evW), surplusW: Math.round(p.surplusW) })),
  };
}

/** The data computed where the station runs: from the station itself and the journal's read side. */
export function localStatusData(sources: StatusSources, reader: JournalReader | null): StatusData {
  const { config, clock } = sources;
  const reportContext = () => ({ tariff: sources.station.tariffs.current(), timeZone: config.station.timeZone, nowMs: clock.nowMs() });
  return {
    stationId: config.station.id,
    status: () => buildStatusView(sources),
    live: null,
    sessions: reader
      ? (query) => recentSessions(reader, { ...query, nowMs: clock.nowMs(), timeZone: config.station.timeZone })
      : null,
    receipt: reader
      ? (sessionId) =>
          receiptFromJournal(reader, sessionId, {
            tariff: sources.station.tariffs.current(),
            stationTimeZone: config.station.timeZone,
            stationId: config.station.id,
            nowMs: clock.nowMs(),
          })
      : null,
    series: reader ? (sessionId, points) => sessionSeries(reader, sessionId, points) : null,
    daily: reader ? (days) => dailyEnergy(reader, days, reportContext()) : null,
    hours: reader ? (days) => utilizationHours(reader, days, reportContext()) : null,
    load: sources.station.load ? () => Promise.resolve(loadDay(sources)) : null,
    metrics: config.web.metrics
      ? async () => ({ counts: sources.station.counters(), journal: (await sources.journalFigures?.()) ?? null })
      : null,
  };
}
