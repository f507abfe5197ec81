/**
 * Requests that change something, relayed from the page's worker to the station's thread (src/web/worker.ts →
 * server.ts): a driver's feedback and the operator's actions. The worker parses and checks them at the HTTP edge (zod,
 * session cookie, CSRF); the station's thread carries them out through the station's inputs and the journal, and
 * answers with the HTTP status the worker sends back. Plain data: it crosses threads by structured clone.
 */
import type { LoadMode } from '../control/load/load-manager.js';
import type { DriverFeedback } from '../journal/page-records.js';

/** What the operator can do from the /operator page (src/web/operator/actions.ts carries them out). */
export type OperatorRequest =
  | { readonly op: 'alerts' }
  | { readonly op: 'alert-state'; readonly alertId: number; readonly state: 'acknowledged' | 'closed' }
  | { readonly op: 'reset-faults' }
  | { readonly op: 'stop-session' }
  | { readonly op: 'availability'; readonly operative: boolean }
  /** Load management's mode (a station with a mains meter). */
  | { readonly op: 'load-mode'; readonly mode: LoadMode }
  | { readonly op: 'health' }
  | { readonly op: 'diagnostics' }
  | { readonly op: 'action-log'; readonly limit: number }
  /** A login or logout, journaled beside the actions. */
  | { readonly op: 'note'; readonly what: 'login' | 'login-failed' | 'logout' };

export type PageRequest =
  | { readonly kind: 'feedback'; readonly sessionId: number; readonly feedback: DriverFeedback; readonly clientAddress: string }
  | { readonly kind: 'operator'; readonly request: OperatorRequest; readonly clientAddress: string };

/** HTTP statuses an answer may carry. */
export type PageStatus = 200 | 400 | 404 | 409 | 500 | 503;

export type PageAnswer =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly status: PageStatus; readonly error: string };

/** Carries out one request on the station's thread; never rejects (a failure is an answer with its status). */
export type PageRequestHandler = (request: PageRequest) => Promise<PageAnswer>;

export const refused = (status: PageStatus, error: string): PageAnswer => ({ ok: false, status, error });
