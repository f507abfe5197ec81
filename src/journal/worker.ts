/**
 * The journal worker: owns the SQLite connection, so a commit that blocks on a slow disk blocks this thread and
 * never the main thread's contactor path. Requests are handled one at a time, in arrival order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EvseError } from '../errors.js';
import { openStore } from './open.js';
import type { SerializedError, WorkerApi, WorkerInit, WorkerReply, WorkerRequest } from './protocol.js';
import { pruneStep, startPrune } from './prune.js';
import { openSessionCount, recoverOpenSessions } from './recovery.js';
import { isStorageFailure, sqliteCodeOf } from './sqlite-errors.js';
import type { JournalStore } from './store.js';

function serializeError(err: unknown): SerializedError {
  if (err instanceof EvseError) return { kind: 'evse', code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  const sqliteCode = sqliteCodeOf(err);
  if (sqliteCode !== null && isStorageFailure(err)) return { kind: 'storage', sqliteCode, message };
  return { kind: 'other', sqliteCode, message };
}

function apiFor(store: JournalStore): WorkerApi {
  return {
    startSession: (start, nowMs) => store.startSession(start, nowMs),
    recordSample: (sessionId, sample) => store.recordSample(sessionId, sample),
    recordEvent: (sessionId, event) => store.recordEvent(sessionId, event),
    stopSession: (sessionId, stop, nowMs) => store.stopSession(sessionId, stop, nowMs),
    recordUnplug: (sessionId, atMs) => store.recordUnplug(sessionId, atMs),
    correctClock: (offsetMs, sinceMs) => store.correctClock(offsetMs, sinceMs),
    head: (lane) => store.head(lane),
    markDelivered: (seq, answer, nowMs) => store.markDelivered(seq, answer, nowMs),
    markFailed: (seq, error, next) => store.markFailed(seq, error, next),
    markDead: (seq, error, options) => store.markDead(seq, error, options),
    drop: (seq, reason) => store.drop(seq, reason),
    transactionIdFor: (sessionId) => store.transactionIdFor(sessionId),
    depth: () => store.depth(),
    enqueue: (kind, sessionId, payload, nowMs) => store.enqueue(kind, sessionId, payload, nowMs),
    kvGet: (ns, key) => store.kvGet(ns, key),
    kvSet: (ns, key, value, nowMs) => store.kvSet(ns, key, value, nowMs),
    kvDelete: (ns, key) => store.kvDelete(ns, key),
    kvList: (ns) => store.kvList(ns),
    kvClear: (ns) => store.kvClear(ns),
    sessions: (fromMs, toMs, overlapping) => store.sessions(fromMs, toMs, overlapping),
    session: (id) => store.session(id),
    samples: (sessionId) => store.samples(sessionId),
    events: (sessionId) => store.events(sessionId),
    saveCost: (sessionId, cost) => store.saveCost(sessionId, cost),
    forgetIdTag: (idTag) => store.forgetIdTag(idTag),
    lastMeterWh: () => store.lastMeterWh(),
    raiseAlert: (alert, nowMs) => store.raiseAlert(alert, nowMs),
    alerts: (latest?: number) => store.alerts(latest),
    listAlerts: (q) => store.listAlerts(q),
    setAlertState: (id, state, by, nowMs) => store.setAlertState(id, state, by, nowMs),
    alertGroupCounts: () => store.alertGroupCounts(),
    registerAlertChannel: (channel, nowMs) => store.registerAlertChannel(channel, nowMs),
    pendingAlerts: (channel, limit, nowMs) => store.pendingAlerts(channel, limit, nowMs),
    confirmAlertDelivery: (channel, upToId, nowMs) => store.confirmAlertDelivery(channel, upToId, nowMs),
    noteCleanShutdown: (kind, nowMs) => store.noteCleanShutdown(kind, nowMs),
    recordFeedback: (sessionId, feedback, address, forward, nowMs) => store.pageRecords.recordFeedback(sessionId, feedback, address, forward, nowMs),
    feedback: (fromMs, toMs) => store.pageRecords.feedback(fromMs, toMs),
    recordOperatorAction: (action, nowMs) => store.pageRecords.recordOperatorAction(action, nowMs),
    operatorActions: (limit) => store.pageRecords.operatorActions(limit),
    openSessionCount: () => openSessionCount(store),
    recover: (reading, nowMs) => recoverOpenSessions(store, reading, nowMs),
    pruneStart: (nowMs, retentionMs, budgetBytes) => startPrune(store, nowMs, retentionMs, budgetBytes),
    pruneStep: (cursor) => pruneStep(store, cursor),
    close: () => store.close(),
  };
}

function serve(): void {
  const port = parentPort;
  if (!port) throw new Error('journal worker must run in a worker thread');
  const reply = (message: WorkerReply): void => port.postMessage(message);
  let store: JournalStore;
  try {
    const opened = openStore(workerData as WorkerInit);
    store = opened.store;
    reply({ type: 'ready', report: opened.report });
  } catch (err) {
    reply({ type: 'open-failed', error: serializeError(err) });
    port.close();
    return;
  }
  const api = apiFor(store);
  port.on('message', (request: WorkerRequest) => {
    try {
      const handler = api[request.op] as (...args: readonly unknown[]) => unknown;
      const value = handler(...request.args);
      reply({ type: 'result', id: request.id, value });
      if (request.op === 'close') port.close();
    } catch (err) {
      if (isStorageFailure(err)) {
        try {
          store.noteStorageFailure(sqliteCodeOf(err) ?? 'SQLITE_IOERR', (err as Error).message, request.nowMs);
        } catch {
          // The alert itself is best effort here; the main thread raises the fault from the reply below.
        }
      }
      reply({ type: 'error', id: request.id, error: serializeError(err) });
    }
  });
}

serve();
