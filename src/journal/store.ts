/**
 * The synchronous SQLite store. It runs inside the journal worker (never on the thread of the contactor path);
 * every public write is one committed transaction. Times come in from the caller's clock.
 *
 * One file per kind of record under `store/` (sessions, outbox, settings, alerts, clock correction, reads), all over
 * the one shared connection, statement cache and transaction wrapper of `store/db.ts`. This class composes them into
 * the surface the worker (`worker.ts`), recovery and pruning use.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { MeterSample } from '../../hal/meter.js';
import type { SessionEventRecord, SessionStart, SessionStop } from '../session/recorder.js';
import type { DeadLetterOptions, DeadLetterOutcome, DeliveryAnswer, EventRow, OutboxKind, OutboxLane, OutboxMessage, SampleRow, SessionRow } from './ports.js';
import { AlertRecords, insertAlert, type RaiseOutcome } from './store/alerts.js';
import { ClockRecords } from './store/clock.js';
import { forgetIdTag } from './store/forget.js';
import { StoreDb } from './store/db.js';
import { OutboxRecords } from './store/outbox.js';
import { PageRecords } from './store/page-records.js';
import { ReadRecords } from './store/reads.js';
import { SessionRecords } from './store/sessions.js';
import { SettingsRecords } from './store/settings.js';
import type { AlertGroupCount, AlertInput, AlertQuery, AlertRow, CleanShutdownKind, ClockCorrection, ForgottenIdTag, PendingAlerts } from './types.js';

export { cleanShutdownKey, journalNamespace } from './store/settings.js';

export class JournalStore {
  private readonly shared: StoreDb;
  readonly sessionRecords: SessionRecords;
  readonly outboxRecords: OutboxRecords;
  readonly settingRecords: SettingsRecords;
  readonly alertRecords: AlertRecords;
  readonly clockRecords: ClockRecords;
  readonly readRecords: ReadRecords;
  /** Drivers' feedback and operator actions (the station page). */
  readonly pageRecords: PageRecords;

  constructor(
    readonly db: BetterSqlite3.Database,
    commitDelayMs = 0,
  ) {
    this.shared = new StoreDb(db, commitDelayMs);
    this.sessionRecords = new SessionRecords(this.shared);
    this.outboxRecords = new OutboxRecords(this.shared);
    this.settingRecords = new SettingsRecords(this.shared);
    this.alertRecords = new AlertRecords(this.shared);
    this.clockRecords = new ClockRecords(this.shared);
    this.readRecords = new ReadRecords(this.shared);
    this.pageRecords = new PageRecords(this.shared);
  }

  /** A cached prepared statement. */
  sql(text: string): BetterSqlite3.Statement {
    return this.shared.sql(text);
  }

  /** Runs `fn` as one committed transaction (held `commitDelayMs` before COMMIT when a slow disk is emulated). */
  tx<T>(fn: () => T): T {
    return this.shared.tx(fn);
  }

  // ---- sessions (SessionRecorder) ----
  startSession(start: SessionStart, nowMs: number): number {
    return this.sessionRecords.startSession(start, nowMs);
  }
  recordSample(sessionId: number, sample: MeterSample): void {
    this.sessionRecords.recordSample(sessionId, sample);
  }
  recordEvent(sessionId: number, event: SessionEventRecord): void {
    this.sessionRecords.recordEvent(sessionId, event);
  }
  stopSession(sessionId: number, stop: SessionStop, nowMs: number): void {
    this.sessionRecords.stopSession(sessionId, stop, nowMs);
  }
  /** Writes the stop and queues StopTransaction; returns the outbox seq. Runs inside a transaction. */
  closeSession(
    sessionId: number,
    stopAt: number,
    meterStopWh: number,
    reason: SessionStop['reason'],
    stopIdTag: string | null,
    recovered: boolean,
    nowMs: number,
  ): number {
    return this.sessionRecords.closeSession(sessionId, stopAt, meterStopWh, reason, stopIdTag, recovered, nowMs);
  }
  recordUnplug(sessionId: number, atMs: number): void {
    this.sessionRecords.recordUnplug(sessionId, atMs);
  }
  saveCost(sessionId: number, cost: unknown): void {
    this.sessionRecords.saveCost(sessionId, cost);
  }
  /** N10: the id tag replaced by a pseudonym everywhere (store/forget.ts), in one transaction. */
  forgetIdTag(idTag: string): ForgottenIdTag {
    return forgetIdTag(this.shared, idTag);
  }

  // ---- clock correction ----
  correctClock(offsetMs: number, sinceMs: number): ClockCorrection {
    return this.clockRecords.correctClock(offsetMs, sinceMs);
  }

  // ---- outbox (OutboxStore) ----
  head(lane?: OutboxLane): OutboxMessage | null {
    return this.outboxRecords.head(lane);
  }
  markDelivered(seq: number, answer: DeliveryAnswer, nowMs: number): void {
    this.outboxRecords.markDelivered(seq, answer, nowMs);
  }
  markFailed(seq: number, error: string, nextAttemptAtMs: number): void {
    this.outboxRecords.markFailed(seq, error, nextAttemptAtMs);
  }
  markDead(seq: number, error: string, options?: DeadLetterOptions): DeadLetterOutcome {
    return this.outboxRecords.markDead(seq, error, options);
  }
  drop(seq: number, reason: string): void {
    this.outboxRecords.drop(seq, reason);
  }
  transactionIdFor(sessionId: number): number | null {
    return this.outboxRecords.transactionIdFor(sessionId);
  }
  depth(): number {
    return this.outboxRecords.depth();
  }
  enqueue(kind: OutboxKind, sessionId: number | null, payload: Readonly<Record<string, unknown>>, nowMs: number): number {
    return this.outboxRecords.enqueue(kind, sessionId, payload, nowMs);
  }

  // ---- key-value settings ----
  kvGet(namespace: string, key: string): unknown {
    return this.settingRecords.kvGet(namespace, key);
  }
  kvSet(namespace: string, key: string, value: unknown, nowMs: number): void {
    this.settingRecords.kvSet(namespace, key, value, nowMs);
  }
  kvDelete(namespace: string, key: string): void {
    this.settingRecords.kvDelete(namespace, key);
  }
  kvList(namespace: string): Map<string, unknown> {
    return this.settingRecords.kvList(namespace);
  }
  kvClear(namespace: string): void {
    this.settingRecords.kvClear(namespace);
  }
  noteCleanShutdown(kind: CleanShutdownKind, nowMs: number): void {
    this.settingRecords.noteCleanShutdown(kind, nowMs);
  }

  // ---- read side (JournalReader) ----
  sessions(fromMs: number, toMs: number, overlapping = false): SessionRow[] {
    return this.readRecords.sessions(fromMs, toMs, overlapping);
  }
  session(id: number): SessionRow | null {
    return this.readRecords.session(id);
  }
  samples(sessionId: number): SampleRow[] {
    return this.readRecords.samples(sessionId);
  }
  events(sessionId: number): EventRow[] {
    return this.readRecords.events(sessionId);
  }
  lastMeterWh(): number | null {
    return this.readRecords.lastMeterWh();
  }

  // ---- alerts ----
  raiseAlert(alert: AlertInput, nowMs: number): RaiseOutcome {
    return this.alertRecords.raiseAlert(alert, nowMs);
  }
  /** Journals an alert inside the caller's transaction (boot recovery closes a session and raises its alert at once). */
  insertAlert(alert: AlertInput, nowMs: number): RaiseOutcome {
    return insertAlert(this.shared, alert, nowMs);
  }
  alerts(latest?: number): AlertRow[] {
    return this.alertRecords.alerts(latest);
  }
  listAlerts(q: AlertQuery): AlertRow[] {
    return this.alertRecords.listAlerts(q);
  }
  setAlertState(id: number, state: 'acknowledged' | 'closed', by: string, nowMs: number): AlertRow {
    return this.alertRecords.setAlertState(id, state, by, nowMs);
  }
  alertGroupCounts(): AlertGroupCount[] {
    return this.alertRecords.alertGroupCounts();
  }
  registerAlertChannel(channel: string, nowMs: number): void {
    this.alertRecords.registerAlertChannel(channel, nowMs);
  }
  pendingAlerts(channel: string, limit: number, nowMs: number): PendingAlerts {
    return this.alertRecords.pendingAlerts(channel, limit, nowMs);
  }
  confirmAlertDelivery(channel: string, upToId: number, nowMs: number): void {
    this.alertRecords.confirmAlertDelivery(channel, upToId, nowMs);
  }
  noteStorageFailure(sqliteCode: string, message: string, nowMs: number): void {
    this.alertRecords.noteStorageFailure(sqliteCode, message, nowMs);
  }

  close(): void {
    this.db.close();
  }
}
