import type { Receipt } from '../billing/receipt.js';
import type { RecentSession } from './recent-sessions.js';
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
}

export type JournalQuestion =
  | { readonly op: 'sessions'; readonly limit: number; readonly days: number }
  | { readonly op: 'receipt'; readonly sessionId: number };

export type JournalAnswer = RecentSession[] | Receipt | null;

/** The station's thread → the worker. */
export type ToWebWorker =
  | { readonly type: 'status'; readonly view: StationStatusView }
  | { readonly type: 'answer'; readonly id: number; readonly ok: true; readonly value: JournalAnswer }
  | { readonly type: 'answer'; readonly id: number; readonly ok: false; readonly message: string }
  | { readonly type: 'close' };

/** The worker → the station's thread. */
export type FromWebWorker =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'listen-failed'; readonly code: string | null; readonly message: string }
  | { readonly type: 'ask'; readonly id: number; readonly question: JournalQuestion }
  | { readonly type: 'error'; readonly message: string; readonly url: string }
  | { readonly type: 'closed' };
