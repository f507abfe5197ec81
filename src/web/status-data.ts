import { receiptFromJournal, type Receipt } from '../billing/receipt.js';
import type { JournalReader } from '../journal/ports.js';
import type { MetricsSnapshot } from './metrics-data.js';
import { recentSessions, type RecentSession } from './recent-sessions.js';
import { buildStatusView, type StationStatusView, type StatusSources } from './status-view.js';

/** What the status app serves, wherever it comes from (this thread, or the station's thread through messages). */
export interface StatusData {
  readonly stationId: string;
  status(): Promise<StationStatusView>;
  /** Null when the station has no journal (the session list and receipts then answer 503). */
  readonly sessions: ((query: { readonly limit: number; readonly days: number }) => Promise<RecentSession[]>) | null;
  /** The receipt of a session, null for an unknown session. */
  readonly receipt: ((sessionId: number) => Promise<Receipt | null>) | null;
  /** What `/metrics` needs beyond the status; null when metrics are off (`web.metrics: false`, no route). */
  readonly metrics: (() => Promise<MetricsSnapshot>) | null;
}

/** The data computed where the station runs: from the station itself and the journal's read side. */
export function localStatusData(sources: StatusSources, reader: JournalReader | null): StatusData {
  const { config, clock } = sources;
  return {
    stationId: config.station.id,
    status: () => buildStatusView(sources),
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
    metrics: config.web.metrics
      ? async () => ({ counts: sources.station.counters(), journal: (await sources.journalFigures?.()) ?? null })
      : null,
  };
}
