import type { Receipt } from '../billing/receipt.js';
import type { DailyEnergy, SessionSeries, UtilizationHours } from './chart-series.js';
import type { MetricsSnapshot } from './metrics-data.js';
import type { PageAnswer, PageRequest } from './page-requests.js';
import type { RecentSession } from './recent-sessions.js';
import type { LoadDay } from './status-data.js';
import type { StationStatusView } from './status-view.js';

/** What the status page's worker is started with. */
export interface WebWorkerInit {
  readonly host: string;
  readonly port: number;
  readonly stationId: string;
  /** False: the station keeps sessions in memory only (the list and receipts answer 503). */
  readonly hasJournal: boolean;
  /** Journal questions relayed to the station's thread at once; more are refused with 503 (a flood stays off it). */
  readonly maxPending: number;
  /** Serve `/metrics` (config `web.metrics`). */
  readonly metrics: boolean;
  /** The station has load management: serve `/api/load/day`. */
  readonly load: boolean;
  /** Drivers' feedback is taken (the station keeps a journal); the route exists only then. */
  readonly feedback: boolean;
  /** The operator's scrypt hash when the operator view is on; null: no operator route exists. */
  readonly operatorPasswordHash: string | null;
}

export type JournalQuestion =
  | { readonly op: 'sessions'; readonly limit: number; readonly days: number }
  | { readonly op: 'receipt'; readonly sessionId: number }
  /** The page's charts: a session's power curve, energy per day, the peak-hours histogram (all bounded by app.ts). */
  | { readonly op: 'series'; readonly sessionId: number; readonly points: number }
  | { readonly op: 'daily'; readonly days: number }
  | { readonly op: 'hours'; readonly days: number }
  /** The building's day (load management), from the station's memory. */
  | { readonly op: 'load' }
  /** Asked at each scrape of `/metrics`: the station's totals and the journal's figures, fresh. */
  | { readonly op: 'metrics' };

export type JournalAnswer = RecentSession[] | Receipt | MetricsSnapshot | SessionSeries | DailyEnergy[] | UtilizationHours | LoadDay | null;

/** The station's thread → the worker. */
export type ToWebWorker =
  | { readonly type: 'status'; readonly view: StationStatusView }
  | { readonly type: 'answer'; readonly id: number; readonly ok: true; readonly value: JournalAnswer }
  | { readonly type: 'answer'; readonly id: number; readonly ok: false; readonly message: string }
  | { readonly type: 'acted'; readonly id: number; readonly answer: PageAnswer }
  | { readonly type: 'close' };

/** The worker → the station's thread. */
export type FromWebWorker =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'listen-failed'; readonly code: string | null; readonly message: string }
  | { readonly type: 'ask'; readonly id: number; readonly question: JournalQuestion }
  /** A feedback or an operator action, carried out on the station's thread (src/web/page-actions.ts). */
  | { readonly type: 'act'; readonly id: number; readonly request: PageRequest }
  | { readonly type: 'error'; readonly message: string; readonly url: string }
  /** How many live streams are open now (the station pushes every meter reading only while some are). */
  | { readonly type: 'streams'; readonly open: number }
  | { readonly type: 'closed' };
