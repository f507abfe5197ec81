import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { MeterSample } from '../../hal/meter.js';
import { systemClock, type Clock } from '../clock.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import { siblingModuleUrl, startModuleWorker } from '../worker-launcher.js';
import type { Logger } from '../logger.js';
import type { SessionEventRecord, SessionRecorder, SessionStart, SessionStop } from '../session/recorder.js';
import { journalDefaults as defaults, type SynchronousLevel } from './defaults.js';
import type {
  DeadLetterOptions,
  DeadLetterOutcome,
  DeliveryAnswer,
  EventRow,
  JournalReader,
  KeyValueStore,
  OutboxKind,
  OutboxLane,
  OutboxMessage,
  OutboxStore,
  SampleRow,
  SessionRangeOptions,
  SessionRow,
} from './ports.js';
import type { SerializedError, WorkerApi, WorkerInit, WorkerOp, WorkerReply, WorkerRequest } from './protocol.js';
import type { DriverFeedback, FeedbackForward, FeedbackRow, OperatorActionInput, OperatorActionRow } from './page-records.js';
import { pruneReport } from './prune.js';
import { lockStateDir, type StateLock } from './state-lock.js';
import { ALERT_BACKLOG_BOUND } from './store/alerts.js';
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
  PruneReport,
  RecoveryReport,
} from './types.js';

/** Options of {@link openJournal}; the `journal` config section fits in as is. */
export interface JournalOptions {
  readonly stateDir: string;
  readonly synchronous?: SynchronousLevel;
  readonly busyTimeoutMs?: number;
  readonly retentionDays?: number;
  readonly diskBudgetMB?: number;
  /** Holds every commit this long in the worker, emulating a slow disk (benchmarks, tests). */
  readonly commitDelayMs?: number;
  /** Tests only: caps the file at this many pages to provoke SQLITE_FULL. */
  readonly maxPageCount?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /**
   * The state directory's lock, when the caller took it before (the daemon does, before it touches any hardware); it
   * stays the caller's to release. Without it, openJournal takes the lock itself (naming `holder`) and releases it on
   * close. Either way the journal is never opened for writing, migrated or recovered without the lock.
   */
  readonly lock?: StateLock;
  /** Names this process in the lock file, e.g. "evse sim" (when openJournal takes the lock itself). */
  readonly holder?: string;
}

/** What the journal logs through (a pino child in the station); without a logger it stays silent. */
type JournalLog = Pick<Logger, 'info' | 'warn' | 'error'>;
const silent: JournalLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Called when the storage fails (disk full, I/O error, read-only, corrupt, worker died). */
export type UnavailableListener = (err: EvseError) => void;

/** Called after a raiseAlert committed: the alert's id, and false when it only counted an open alert again. */
export type AlertRaisedListener = (id: number, isNew: boolean) => void;

/** Called once when the journal worker thread died: no request will ever be answered again. */
export type WorkerLostListener = (err: EvseError) => void;

/**
 * The transaction journal as the station sees it. Every write resolves only after its own transaction committed in
 * the journal worker; a rejection means the fact is not durable.
 */
export interface Journal extends SessionRecorder, OutboxStore, KeyValueStore, JournalReader {
  /** Where the file is and what the integrity check at open found. */
  readonly openReport: OpenReport;
  /**
   * True from a storage failure until the next successful commit; while true, startSession rejects at once
   * (a session that could not be billed must not start).
   */
  readonly unavailable: boolean;
  /**
   * Boot recovery: closes every session found open (PowerLoss, or the journaled clean-shutdown kind) with meterStop =
   * `readMeterWh()` when it answers a plausible register, else the last journaled register, and queues its
   * StopTransaction. Call once after open, before anything new starts. `readMeterWh` is only called when a session
   * is open; a rejection counts as "could not read".
   */
  recover(readMeterWh: () => Promise<number | null>): Promise<RecoveryReport>;
  /** Journals a planned restart, so the session recovery finds open at the next boot gets this stop reason. */
  noteCleanShutdown(kind: CleanShutdownKind): Promise<void>;
  /**
   * The CSMS gave the time: corrects by `offsetMs` what this boot stamped with its untrusted clock since `sinceMs`
   * (sessions started untrusted, their samples and events, pending outbox rows) and marks it trusted. Posted at once,
   * so an outbox read issued after this call already sees the corrected payloads.
   */
  correctClock(offsetMs: number, sinceMs: number): Promise<ClockCorrection>;
  /** Subscribes to storage failures; returns the unsubscribe function. */
  onUnavailable(listener: UnavailableListener): () => void;
  /**
   * Subscribes to the death of the journal worker (after onUnavailable's listeners ran). Unlike a storage failure it
   * does not heal: the station enters the safe state and exits for systemd to restart it.
   */
  onWorkerLost(listener: WorkerLostListener): () => void;
  /**
   * Journals an alert; resolves its id. One whose dedupKey (default: the code) matches an alert still open or
   * acknowledged bumps that one's count and lastAtMs and resolves ITS id; a closed one is never reopened (a new alert).
   * An alert for the 'driver' audience is born closed.
   */
  raiseAlert(alert: AlertInput): Promise<number>;
  /** Subscribes to committed raises (fired after raiseAlert resolved); returns the unsubscribe function. */
  onAlertRaised(listener: AlertRaisedListener): () => void;
  /**
   * Acknowledges or closes an alert; resolves the row after the change. Rejects EvseError AlertNotFound (no such id)
   * or AlertStateInvalid (anything but open → acknowledged → closed, open → closed).
   */
  setAlertState(id: number, state: 'acknowledged' | 'closed', by: string): Promise<AlertRow>;
  /** Alerts `q` selects, newest first (without a filter: all of them). */
  listAlerts(q: AlertQuery): Promise<AlertRow[]>;
  /** First time only: the channel's cursor starts after the newest alert now (a new channel gets no history). */
  registerAlertChannel(channel: string): Promise<void>;
  /**
   * Alerts past the channel's cursor, oldest first, at most `limit` (new alerts only: a repeat is not re-sent). The
   * backlog is bounded (ALERT_BACKLOG_BOUND): older ones are skipped, the cursor moves past them, `skipped` counts them.
   */
  pendingAlerts(channel: string, limit: number): Promise<PendingAlerts>;
  /** Persists the channel's cursor: every alert up to `upToId` was delivered (never moves back). */
  confirmAlertDelivery(channel: string, upToId: number): Promise<void>;
  /** Alerts counted per code, severity and detector in the worker (the /metrics tally). */
  alertGroupCounts(): Promise<AlertGroupCount[]>;
  /**
   * Every alert, oldest first (ones the failed storage could not take yet come last, with id 0); with `latest`, the
   * newest that many only.
   */
  alerts(latest?: number): Promise<readonly AlertRow[]>;
  /**
   * Stores a driver's feedback on a session and queues `forward` (a DataTransfer of the session) in one transaction;
   * resolves with the outbox seq. Rejects FeedbackExists for a second one, InvalidArgument for an unknown session.
   */
  recordFeedback(sessionId: number, feedback: DriverFeedback, clientAddress: string, forward: FeedbackForward): Promise<number>;
  /** Feedback given in [fromMs, toMs), oldest first. */
  feedback(range: { readonly fromMs: number; readonly toMs: number }): Promise<readonly FeedbackRow[]>;
  /** Journals one operator action of the station page (src/web/operator). */
  recordOperatorAction(action: OperatorActionInput): Promise<number>;
  /**
   * OCPP 2.0.1 N10 (CustomerInformation clear): replaces `idTag` by a random pseudonym in sessions (energy, times and
   * cost stay: billing records), their events, alerts, operator actions, feedback and settled outbox rows, in one
   * transaction. Pending outbox rows keep it until delivered (the CSMS knows it). Rejects InvalidArgument for no token.
   */
  forgetIdTag(idTag: string): Promise<ForgottenIdTag>;
  /** The newest `limit` operator actions, newest first. */
  operatorActions(limit: number): Promise<readonly OperatorActionRow[]>;
  /** The highest import register the journal knows, or null when it is empty (meter plausibility at boot). */
  lastMeterWh(): Promise<number | null>;
  /**
   * Retention and disk budget; undelivered data is never pruned. Call at boot and then e.g. daily. Runs in short
   * steps, each its own worker request, so commits are served in between; a call while one runs joins it.
   */
  prune(): Promise<PruneReport>;
  /** Finishes queued requests, closes the database and ends the worker. */
  close(): Promise<void>;
}

/** Why a delivery channel's name is refused, or null: a short non-empty name (it keys the channel's cursor). */
function badChannel(channel: string): EvseError | null {
  return typeof channel === 'string' && channel.length > 0 && channel.length <= 100
    ? null
    : new EvseError(EvseErrorCode.InvalidArgument, `an alert channel is named by 1 to 100 characters (got ${JSON.stringify(channel)})`);
}

function rebuildError(error: SerializedError): EvseError {
  switch (error.kind) {
    case 'evse':
      return new EvseError(error.code, error.message);
    case 'storage':
      return new EvseError(EvseErrorCode.JournalUnavailable, `journal unavailable (${error.sqliteCode}): ${error.message}`);
    case 'other':
      return new EvseError(
        EvseErrorCode.InvariantViolated,
        `journal error${error.sqliteCode === null ? '' : ` (${error.sqliteCode})`}: ${error.message}`,
      );
  }
}

/** Operations whose success says nothing about whether commits work again (reads, and prune steps). */
const readOps: ReadonlySet<WorkerOp> = new Set<WorkerOp>([
  'head',
  'transactionIdFor',
  'depth',
  'kvGet',
  'kvList',
  'sessions',
  'session',
  'samples',
  'events',
  'lastMeterWh',
  'alerts',
  'feedback',
  'operatorActions',
  'listAlerts',
  'alertGroupCounts',
  // Commits only when a backlog overflowed: its success is mostly a read.
  'pendingAlerts',
  'openSessionCount',
  'pruneStart',
  // A prune step may only look (a window with nothing old enough): not a proof that commits work again.
  'pruneStep',
]);

interface Pending {
  readonly op: WorkerOp;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

class WorkerJournal implements Journal {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<UnavailableListener>();
  private readonly lostListeners = new Set<WorkerLostListener>();
  private readonly alertListeners = new Set<AlertRaisedListener>();
  private failed = false;
  private closed = false;
  private lost = false;
  private pruning: Promise<PruneReport> | null = null;
  private readonly retentionMs: number;
  private readonly budgetBytes: number;

  constructor(
    private readonly worker: Worker,
    readonly openReport: OpenReport,
    private readonly clock: Clock,
    private readonly logger: JournalLog,
    options: { retentionDays: number; diskBudgetMB: number },
    private readonly releaseLock: () => void,
  ) {
    this.retentionMs = options.retentionDays * 86_400_000;
    this.budgetBytes = Math.floor(options.diskBudgetMB * 1024 * 1024);
    worker.on('message', (reply: WorkerReply) => this.answer(reply));
    worker.on('error', (err) => this.workerLost(err));
    worker.on('exit', (code) => {
      if (!this.closed) this.workerLost(new Error(`journal worker exited with code ${code}`));
    });
    // An idle journal does not keep the process alive; a call in flight does.
    worker.unref();
  }

  get unavailable(): boolean {
    return this.failed;
  }

  private answer(reply: WorkerReply): void {
    if (reply.type !== 'result' && reply.type !== 'error') return;
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.type === 'result') {
      if (this.failed && !readOps.has(waiter.op)) {
        this.failed = false;
        this.logger.info('journal commits again');
      }
      waiter.resolve(reply.value);
      return;
    }
    const err = rebuildError(reply.error);
    if (reply.error.kind === 'storage') this.markUnavailable(err);
    waiter.reject(err);
  }

  private markUnavailable(err: EvseError): void {
    const first = !this.failed;
    this.failed = true;
    if (!first) return;
    this.logger.error({ err: err.message }, 'journal unavailable');
    for (const listener of this.listeners) {
      try {
        listener(err);
      } catch (listenerErr) {
        this.logger.error({ err: String(listenerErr) }, 'journal-unavailable listener threw');
      }
    }
  }

  private workerLost(cause: Error): void {
    // 'error' and then 'exit' both arrive for one death: tell it once.
    if (this.lost) return;
    this.lost = true;
    const err = new EvseError(EvseErrorCode.JournalUnavailable, `journal worker lost: ${cause.message}`, { cause });
    this.closed = true;
    this.markUnavailable(err);
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
    for (const listener of this.lostListeners) {
      try {
        listener(err);
      } catch (listenerErr) {
        this.logger.error({ err: String(listenerErr) }, 'journal worker-lost listener threw');
      }
    }
  }

  private call<K extends WorkerOp>(op: K, ...args: Parameters<WorkerApi[K]>): Promise<ReturnType<WorkerApi[K]>> {
    if (this.closed) {
      return Promise.reject(new EvseError(EvseErrorCode.JournalUnavailable, `journal is closed (${op})`));
    }
    const id = this.nextId++;
    const request: WorkerRequest = { id, op, args, nowMs: this.clock.nowMs() };
    return new Promise<ReturnType<WorkerApi[K]>>((resolve, reject) => {
      this.pending.set(id, { op, resolve: resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage(request);
    });
  }

  // SessionRecorder
  startSession(start: SessionStart): Promise<number> {
    // A session that starts on a failing journal could not be billed: refuse until a commit succeeded again.
    if (this.failed) {
      return Promise.reject(
        new EvseError(EvseErrorCode.JournalUnavailable, 'journal unavailable: no new session until a commit succeeds again'),
      );
    }
    return this.call('startSession', start, this.clock.nowMs());
  }
  recordSample(sessionId: number, sample: MeterSample): Promise<void> {
    return this.call('recordSample', sessionId, sample);
  }
  recordEvent(sessionId: number, event: SessionEventRecord): Promise<void> {
    return this.call('recordEvent', sessionId, event);
  }
  stopSession(sessionId: number, stop: SessionStop): Promise<void> {
    return this.call('stopSession', sessionId, stop, this.clock.nowMs());
  }
  recordUnplug(sessionId: number, atMs: number): Promise<void> {
    return this.call('recordUnplug', sessionId, atMs);
  }

  // OutboxStore
  head(lane?: OutboxLane): Promise<OutboxMessage | null> {
    return lane === undefined ? this.call('head') : this.call('head', lane);
  }
  markDelivered(seq: number, answer: DeliveryAnswer): Promise<void> {
    return this.call('markDelivered', seq, answer, this.clock.nowMs());
  }
  markFailed(seq: number, error: string, nextAttemptAtMs: number): Promise<void> {
    return this.call('markFailed', seq, error, nextAttemptAtMs);
  }
  markDead(seq: number, error: string, options?: DeadLetterOptions): Promise<DeadLetterOutcome> {
    return this.call('markDead', seq, error, options);
  }
  drop(seq: number, reason: string): Promise<void> {
    return this.call('drop', seq, reason);
  }
  transactionIdFor(sessionId: number): Promise<number | null> {
    return this.call('transactionIdFor', sessionId);
  }
  depth(): Promise<number> {
    return this.call('depth');
  }
  enqueue(kind: OutboxKind, sessionId: number | null, payload: Readonly<Record<string, unknown>>): Promise<number> {
    return this.call('enqueue', kind, sessionId, payload, this.clock.nowMs());
  }

  // KeyValueStore
  get(namespace: string, key: string): Promise<unknown> {
    return this.call('kvGet', namespace, key);
  }
  set(namespace: string, key: string, value: unknown): Promise<void> {
    return this.call('kvSet', namespace, key, value, this.clock.nowMs());
  }
  delete(namespace: string, key: string): Promise<void> {
    return this.call('kvDelete', namespace, key);
  }
  list(namespace: string): Promise<ReadonlyMap<string, unknown>> {
    return this.call('kvList', namespace);
  }
  clear(namespace: string): Promise<void> {
    return this.call('kvClear', namespace);
  }

  // JournalReader
  sessions(range: { readonly fromMs: number; readonly toMs: number }, options: SessionRangeOptions = {}): Promise<readonly SessionRow[]> {
    return this.call('sessions', range.fromMs, range.toMs, options.overlapping === true);
  }
  session(id: number): Promise<SessionRow | null> {
    return this.call('session', id);
  }
  samples(sessionId: number): Promise<readonly SampleRow[]> {
    return this.call('samples', sessionId);
  }
  events(sessionId: number): Promise<readonly EventRow[]> {
    return this.call('events', sessionId);
  }
  saveCost(sessionId: number, cost: unknown): Promise<void> {
    return this.call('saveCost', sessionId, cost);
  }

  // Journal
  async recover(readMeterWh: () => Promise<number | null>): Promise<RecoveryReport> {
    let reading: number | null = null;
    if ((await this.call('openSessionCount')) > 0) {
      try {
        reading = await readMeterWh();
      } catch (err) {
        this.logger.warn({ err: String(err) }, 'meter unreadable during journal recovery; using the last journaled register');
      }
    }
    const report = await this.call('recover', reading, this.clock.nowMs());
    for (const closed of report.closed) {
      this.logger.warn(closed, 'session found open at boot closed');
    }
    return report;
  }
  correctClock(offsetMs: number, sinceMs: number): Promise<ClockCorrection> {
    return this.call('correctClock', offsetMs, sinceMs);
  }

  noteCleanShutdown(kind: CleanShutdownKind): Promise<void> {
    return this.call('noteCleanShutdown', kind, this.clock.nowMs());
  }
  onUnavailable(listener: UnavailableListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  onWorkerLost(listener: WorkerLostListener): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }
  raiseAlert(alert: AlertInput): Promise<number> {
    return this.call('raiseAlert', alert, this.clock.nowMs()).then(({ id, isNew }) => {
      // After the caller's continuation (a tick, once the promise jobs ran): a listener cannot delay the caller.
      process.nextTick(() => this.tellAlertRaised(id, isNew));
      return id;
    });
  }
  private tellAlertRaised(id: number, isNew: boolean): void {
    for (const listener of this.alertListeners) {
      try {
        listener(id, isNew);
      } catch (err) {
        this.logger.error({ err: String(err) }, 'alert-raised listener threw');
      }
    }
  }
  onAlertRaised(listener: AlertRaisedListener): () => void {
    this.alertListeners.add(listener);
    return () => this.alertListeners.delete(listener);
  }
  setAlertState(id: number, state: 'acknowledged' | 'closed', by: string): Promise<AlertRow> {
    if (!Number.isSafeInteger(id) || id < 1) {
      return Promise.reject(new EvseError(EvseErrorCode.AlertNotFound, `no alert ${String(id)}: an alert id is a whole number ≥ 1`));
    }
    if (state !== 'acknowledged' && state !== 'closed') {
      return Promise.reject(new EvseError(EvseErrorCode.AlertStateInvalid, `an alert can be acknowledged or closed, not ${String(state)}`));
    }
    if (typeof by !== 'string' || by.trim() === '') {
      return Promise.reject(new EvseError(EvseErrorCode.InvalidArgument, 'who changes an alert must be named (by)'));
    }
    return this.call('setAlertState', id, state, by, this.clock.nowMs());
  }
  listAlerts(q: AlertQuery): Promise<AlertRow[]> {
    if (q.limit !== undefined && (!Number.isSafeInteger(q.limit) || q.limit < 1)) {
      return Promise.reject(new EvseError(EvseErrorCode.InvalidArgument, `limit must be a whole number ≥ 1 (got ${q.limit})`));
    }
    return this.call('listAlerts', q);
  }
  registerAlertChannel(channel: string): Promise<void> {
    const bad = badChannel(channel);
    return bad ? Promise.reject(bad) : this.call('registerAlertChannel', channel, this.clock.nowMs());
  }
  pendingAlerts(channel: string, limit: number): Promise<PendingAlerts> {
    const bad = badChannel(channel);
    if (bad) return Promise.reject(bad);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > ALERT_BACKLOG_BOUND) {
      return Promise.reject(new EvseError(EvseErrorCode.InvalidArgument, `limit must be a whole number from 1 to ${ALERT_BACKLOG_BOUND} (got ${limit})`));
    }
    return this.call('pendingAlerts', channel, limit, this.clock.nowMs());
  }
  confirmAlertDelivery(channel: string, upToId: number): Promise<void> {
    const bad = badChannel(channel);
    if (bad) return Promise.reject(bad);
    if (!Number.isSafeInteger(upToId) || upToId < 0) {
      return Promise.reject(new EvseError(EvseErrorCode.InvalidArgument, `upToId must be a whole number ≥ 0 (got ${upToId})`));
    }
    return this.call('confirmAlertDelivery', channel, upToId, this.clock.nowMs());
  }
  alertGroupCounts(): Promise<AlertGroupCount[]> {
    return this.call('alertGroupCounts');
  }
  alerts(latest?: number): Promise<readonly AlertRow[]> {
    if (latest !== undefined && (!Number.isSafeInteger(latest) || latest < 1)) {
      return Promise.reject(new EvseError(EvseErrorCode.InvalidArgument, `latest must be a whole number ≥ 1 (got ${latest})`));
    }
    return latest === undefined ? this.call('alerts') : this.call('alerts', latest);
  }
  lastMeterWh(): Promise<number | null> {
    return this.call('lastMeterWh');
  }
  recordFeedback(sessionId: number, feedback: DriverFeedback, clientAddress: string, forward: FeedbackForward): Promise<number> {
    return this.call('recordFeedback', sessionId, feedback, clientAddress, forward, this.clock.nowMs());
  }
  feedback(range: { readonly fromMs: number; readonly toMs: number }): Promise<readonly FeedbackRow[]> {
    return this.call('feedback', range.fromMs, range.toMs);
  }
  recordOperatorAction(action: OperatorActionInput): Promise<number> {
    return this.call('recordOperatorAction', action, this.clock.nowMs());
  }
  forgetIdTag(idTag: string): Promise<ForgottenIdTag> {
    return this.call('forgetIdTag', idTag);
  }
  operatorActions(limit: number): Promise<readonly OperatorActionRow[]> {
    return this.call('operatorActions', limit);
  }
  prune(): Promise<PruneReport> {
    this.pruning ??= this.pruneInSteps().finally(() => {
      this.pruning = null;
    });
    return this.pruning;
  }
  /**
   * Each step is its own request, posted only once the one before has answered: whatever the station posted meanwhile
   * (a session start, a sample) is queued ahead of the next step and served first.
   */
  private async pruneInSteps(): Promise<PruneReport> {
    let cursor = await this.call('pruneStart', this.clock.nowMs(), this.retentionMs, this.budgetBytes);
    while (cursor.phase !== 'done') cursor = await this.call('pruneStep', cursor);
    return pruneReport(cursor);
  }
  async close(): Promise<void> {
    if (this.closed) {
      // The worker died (its connection went with its thread): nothing left to close but the lock.
      if (this.lost) this.releaseLock();
      return;
    }
    try {
      await this.call('close');
    } finally {
      this.closed = true;
      try {
        await this.worker.terminate();
      } finally {
        // Only once the connection is gone may the next station open the file.
        this.releaseLock();
      }
    }
  }
}

/**
 * Opens the journal of `options.stateDir` in a worker thread: integrity check (a damaged file is moved aside and a
 * critical alert raised in the new one), WAL, the configured `synchronous`, migrations. Rejects with
 * EvseError(JournalUnavailable) when the storage cannot be opened at all (read-only file system, I/O error).
 * First of all it takes the state directory's exclusive lock (unless `options.lock` is given): while another process
 * holds it, rejects with StateDirLockedError (code StateDirLocked, exit 75) before the file is touched.
 */
export async function openJournal(options: JournalOptions): Promise<Journal> {
  if (options.lock !== undefined && resolve(options.lock.stateDir) !== resolve(options.stateDir)) {
    throw new EvseError(
      EvseErrorCode.InvariantViolated,
      `journal in ${options.stateDir} opened with the lock of another folder (${options.lock.stateDir})`,
    );
  }
  // Before the worker opens the file: a second station must not migrate, recover or write anything.
  const ownLock = options.lock === undefined ? lockStateDir(options.stateDir, options.holder ?? 'a journal writer') : null;
  const releaseLock = (): void => ownLock?.release();
  try {
    return await openLockedJournal(options, releaseLock);
  } catch (err) {
    releaseLock();
    throw err;
  }
}

async function openLockedJournal(options: JournalOptions, releaseLock: () => void): Promise<Journal> {
  const clock = options.clock ?? systemClock;
  const logger: JournalLog = options.logger?.child({ module: 'journal' }) ?? silent;
  const init: WorkerInit = {
    stateDir: options.stateDir,
    synchronous: options.synchronous ?? defaults.synchronous,
    busyTimeoutMs: options.busyTimeoutMs ?? defaults.busyTimeoutMs,
    commitDelayMs: options.commitDelayMs ?? defaults.commitDelayMs,
    nowMs: clock.nowMs(),
    ...(options.maxPageCount === undefined ? {} : { maxPageCount: options.maxPageCount }),
  };
  const worker = startModuleWorker(siblingModuleUrl(import.meta.url, 'worker'), init);
  const report = await new Promise<OpenReport>((resolve, reject) => {
    const onMessage = (reply: WorkerReply): void => {
      if (reply.type === 'ready') {
        cleanup();
        resolve(reply.report);
      } else if (reply.type === 'open-failed') {
        cleanup();
        const err =
          reply.error.kind === 'evse'
            ? rebuildError(reply.error)
            : new EvseError(EvseErrorCode.JournalUnavailable, `cannot open the journal in ${options.stateDir}: ${reply.error.message}`);
        void worker.terminate();
        reject(err);
      }
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new EvseError(EvseErrorCode.JournalUnavailable, `journal worker failed to start: ${err.message}`, { cause: err }));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
  });
  if (report.corruptMovedTo !== null) {
    logger.error({ movedTo: report.corruptMovedTo }, 'journal failed its integrity check; moved aside, new journal started');
  }
  return new WorkerJournal(worker, report, clock, logger, {
    retentionDays: options.retentionDays ?? defaults.retentionDays,
    diskBudgetMB: options.diskBudgetMB ?? defaults.diskBudgetMB,
  }, releaseLock);
}
