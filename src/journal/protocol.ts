/**
 * Messages between the main-thread `Journal` and the journal worker that owns the SQLite connection.
 * Everything crossing is structured-clone data; the worker answers each request once, in order.
 */
import type { MeterSample } from '../../hal/meter.js';
import type { SessionEventRecord, SessionStart, SessionStop } from '../session/recorder.js';
import type { StoreOpenOptions } from './open.js';
import type { DeadLetterOptions, DeadLetterOutcome, DeliveryAnswer, EventRow, OutboxKind, OutboxLane, OutboxMessage, SampleRow, SessionRow } from './ports.js';
import type { DriverFeedback, FeedbackForward, FeedbackRow, OperatorActionInput, OperatorActionRow } from './page-records.js';
import type { PruneCursor } from './prune.js';
import type { RaiseOutcome } from './store/alerts.js';
import type {
  AlertGroupCount,
  AlertInput,
  AlertQuery,
  AlertRow,
  CleanShutdownKind,
  ClockCorrection,
  ForgottenIdTag,
  OpenReport,
  PendingAlerts,
  RecoveryReport,
} from './types.js';

/** What the worker can do; each write is one committed transaction before it answers. */
export interface WorkerApi {
  readonly startSession: (start: SessionStart, nowMs: number) => number;
  readonly recordSample: (sessionId: number, sample: MeterSample) => void;
  readonly recordEvent: (sessionId: number, event: SessionEventRecord) => void;
  readonly stopSession: (sessionId: number, stop: SessionStop, nowMs: number) => void;
  readonly recordUnplug: (sessionId: number, atMs: number) => void;
  readonly correctClock: (offsetMs: number, sinceMs: number) => ClockCorrection;
  readonly head: (lane?: OutboxLane) => OutboxMessage | null;
  readonly markDelivered: (seq: number, answer: DeliveryAnswer, nowMs: number) => void;
  readonly markFailed: (seq: number, error: string, nextAttemptAtMs: number) => void;
  readonly markDead: (seq: number, error: string, options?: DeadLetterOptions) => DeadLetterOutcome;
  readonly drop: (seq: number, reason: string) => void;
  readonly transactionIdFor: (sessionId: number) => number | null;
  readonly depth: () => number;
  readonly enqueue: (kind: OutboxKind, sessionId: number | null, payload: Readonly<Record<string, unknown>>, nowMs: number) => number;
  readonly kvGet: (namespace: string, key: string) => unknown;
  readonly kvSet: (namespace: string, key: string, value: unknown, nowMs: number) => void;
  readonly kvDelete: (namespace: string, key: string) => void;
  readonly kvList: (namespace: string) => Map<string, unknown>;
  readonly kvClear: (namespace: string) => void;
  readonly sessions: (fromMs: number, toMs: number, overlapping: boolean) => SessionRow[];
  readonly session: (id: number) => SessionRow | null;
  readonly samples: (sessionId: number) => SampleRow[];
  readonly events: (sessionId: number) => EventRow[];
  readonly saveCost: (sessionId: number, cost: unknown) => void;
  readonly forgetIdTag: (idTag: string) => ForgottenIdTag;
  readonly lastMeterWh: () => number | null;
  readonly raiseAlert: (alert: AlertInput, nowMs: number) => RaiseOutcome;
  readonly alerts: (latest?: number) => AlertRow[];
  readonly listAlerts: (q: AlertQuery) => AlertRow[];
  readonly setAlertState: (id: number, state: 'acknowledged' | 'closed', by: string, nowMs: number) => AlertRow;
  readonly alertGroupCounts: () => AlertGroupCount[];
  readonly registerAlertChannel: (channel: string, nowMs: number) => void;
  readonly pendingAlerts: (channel: string, limit: number, nowMs: number) => PendingAlerts;
  readonly confirmAlertDelivery: (channel: string, upToId: number, nowMs: number) => void;
  readonly noteCleanShutdown: (kind: CleanShutdownKind, nowMs: number) => void;
  readonly recordFeedback: (sessionId: number, feedback: DriverFeedback, clientAddress: string, forward: FeedbackForward, nowMs: number) => number;
  readonly feedback: (fromMs: number, toMs: number) => FeedbackRow[];
  readonly recordOperatorAction: (action: OperatorActionInput, nowMs: number) => number;
  readonly operatorActions: (limit: number) => OperatorActionRow[];
  readonly openSessionCount: () => number;
  readonly recover: (meterReadingWh: number | null, nowMs: number) => RecoveryReport;
  /** The first cursor of a prune (live size before); the prune then goes one `pruneStep` request at a time. */
  readonly pruneStart: (nowMs: number, retentionMs: number, budgetBytes: number) => PruneCursor;
  /** One short transaction of a prune, so requests posted meanwhile are served between two steps. */
  readonly pruneStep: (cursor: PruneCursor) => PruneCursor;
  readonly close: () => void;
}

export type WorkerOp = keyof WorkerApi;

export interface WorkerRequest {
  readonly id: number;
  readonly op: WorkerOp;
  readonly args: readonly unknown[];
  /** Main-thread wall time of the call, for alerts written after a storage failure. */
  readonly nowMs: number;
}

/** An error as it crosses the thread boundary: the main thread rebuilds an EvseError from it. */
export type SerializedError =
  | { readonly kind: 'evse'; readonly code: number; readonly message: string }
  | { readonly kind: 'storage'; readonly sqliteCode: string; readonly message: string }
  | { readonly kind: 'other'; readonly sqliteCode: string | null; readonly message: string };

export type WorkerReply =
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError }
  | { readonly type: 'ready'; readonly report: OpenReport }
  | { readonly type: 'open-failed'; readonly error: SerializedError };

/** What the worker is started with. */
export type WorkerInit = StoreOpenOptions;
