import type { JournalReader } from '../journal/ports.js';
import type { Logger } from '../logger.js';
import { siblingModuleUrl, startModuleWorker } from '../worker-launcher.js';
import { browsableHost } from './config.js';
import { pageRequestHandler, type PageActions } from './page-actions.js';
import type { SessionSeries } from './chart-series.js';
import { SessionCurve } from './session-curve.js';
import { localStatusData } from './status-data.js';
import type { StatusSources } from './status-view.js';
import type { FromWebWorker, JournalAnswer, JournalQuestion, ToWebWorker, WebWorkerInit } from './worker-protocol.js';

export interface StatusServerOptions {
  readonly sources: StatusSources;
  /** The journal's read side, for the session list and receipts (absent: those answer 503). */
  readonly reader?: JournalReader | null;
  readonly logger: Logger;
  /**
   * What the page may change (feedback with a journal; operator actions, used only with `web.operatorPasswordHash`);
   * absent: the page only reads.
   */
  readonly actions?: PageActions;
}

export interface StatusServer {
  /** Where the page is, e.g. http://127.0.0.1:8080/ */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** How often the station's thread refreshes the status the worker serves (and at once on every event and meter reading). */
const SNAPSHOT_INTERVAL_MS = 500;
/** Journal questions relayed at a time. */
const MAX_PENDING_QUESTIONS = 4;
const CLOSE_TIMEOUT_MS = 2000;

/** A failure to listen, with the socket error's code (EADDRINUSE …) for the caller to decide on. */
class ListenError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

/**
 * Starts the status page on `host:port` in a worker thread of its own (src/web/worker.ts): the station's thread only
 * builds a snapshot every {@link SNAPSHOT_INTERVAL_MS} and on state changes, and answers a bounded number of journal
 * questions. A port in use rejects with the error's `code` (EADDRINUSE) for the caller to decide on: the daemon logs it
 * and charges on without the page (charging matters more than the page).
 */
export async function startStatusServer(opts: StatusServerOptions & { readonly host: string; readonly port: number }): Promise<StatusServer> {
  const { sources, logger } = opts;
  const data = localStatusData(sources, opts.reader ?? null);
  const init: WebWorkerInit = {
    host: opts.host,
    port: opts.port,
    stationId: sources.config.station.id,
    hasJournal: data.sessions !== null,
    maxPending: MAX_PENDING_QUESTIONS,
    metrics: data.metrics !== null,
    load: data.load !== null,
    feedback: (opts.actions?.feedback ?? null) !== null,
    operatorPasswordHash: (opts.actions?.operator ?? null) !== null ? (sources.config.web.operatorPasswordHash ?? null) : null,
  };
  const handle = pageRequestHandler(opts.actions ?? { feedback: null, operator: null });
  const worker = startModuleWorker(siblingModuleUrl(import.meta.url, 'worker'), init);
  const send = (message: ToWebWorker): void => worker.postMessage(message);

  let building = false;
  let again = false;
  const push = (): void => {
    if (building) {
      again = true;
      return;
    }
    building = true;
    data.status().then(
      (view) => send({ type: 'status', view }),
      (err: unknown) => logger.error({ err: (err as Error).message }, 'status page snapshot failed'),
    ).finally(() => {
      building = false;
      if (again) {
        again = false;
        push();
      }
    });
  };
  // State changes and new meter readings show at once (the live page promises them within a second), but never
  // from inside the controller's own event dispatch.
  let scheduled = false;
  const pushSoon = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      push();
    });
  };
  const unsubscribeEvents = sources.station.onEvent(pushSoon);
  // A snapshot per meter reading only while someone watches live: with no stream open the timer keeps /api/status fresh.
  let streamsOpen = 0;
  // The connected session's curve, kept here so that a page opened mid-session need not copy its samples out of the journal.
  const curve = new SessionCurve();
  const unsubscribeSamples = sources.station.controller.meterPoller.onSample((sample) => {
    const snapshot = sources.station.controller.snapshot();
    curve.add(sources.station.connectedSessionId(), sample, snapshot.output.mode === 'pwm' ? snapshot.offeredA : 0);
    if (streamsOpen > 0) pushSoon();
  });
  const unsubscribe = (): void => {
    unsubscribeEvents();
    unsubscribeSamples();
  };
  const timer = setInterval(push, SNAPSHOT_INTERVAL_MS);
  timer.unref();
  push();

  const keptSeries = (sessionId: number, points: number): SessionSeries | null => {
    const kept = curve.series(sessionId, points);
    if (kept === null) return null;
    const last = kept.points[kept.points.length - 1];
    const stoppedAtMs = sources.station.sessionTimeline(sessionId)?.stoppedAtMs ?? null;
    return {
      sessionId,
      startedAt: new Date(kept.firstAtMs).toISOString(),
      stoppedAt: stoppedAtMs === null ? null : new Date(stoppedAtMs).toISOString(),
      energyWh: sources.station.sessionCost(sessionId)?.energyWh ?? Math.max(0, (last?.importWh ?? kept.firstWh) - kept.firstWh),
      samples: kept.readings,
      points: kept.points,
    };
  };
  const answerOf = async (question: JournalQuestion): Promise<JournalAnswer> => {
    switch (question.op) {
      case 'sessions':
        return (await data.sessions?.({ limit: question.limit, days: question.days })) ?? [];
      case 'receipt':
        return (await data.receipt?.(question.sessionId)) ?? null;
      case 'series':
        return keptSeries(question.sessionId, question.points) ?? (await data.series?.(question.sessionId, question.points)) ?? null;
      case 'daily':
        return (await data.daily?.(question.days)) ?? [];
      case 'hours':
        return (await data.hours?.(question.days)) ?? null;
      case 'metrics':
        return (await data.metrics?.()) ?? null;
      case 'load':
        return (await data.load?.()) ?? null;
    }
  };
  const answer = async (id: number, question: JournalQuestion): Promise<void> => {
    try {
      const value = await answerOf(question);
      send({ type: 'answer', id, ok: true, value });
    } catch (err) {
      logger.error({ err: (err as Error).message, question }, 'status page journal question failed');
      send({ type: 'answer', id, ok: false, message: (err as Error).message });
    }
  };

  let closedByWorker: () => void = () => undefined;
  const workerClosed = new Promise<void>((resolve) => {
    closedByWorker = resolve;
  });
  const listening = new Promise<number>((resolve, reject) => {
    worker.on('message', (message: FromWebWorker) => {
      switch (message.type) {
        case 'listening':
          resolve(message.port);
          return;
        case 'listen-failed':
          reject(new ListenError(message.message, message.code));
          return;
        case 'ask':
          void answer(message.id, message.question);
          return;
        case 'act':
          void handle(message.request).then((result) => send({ type: 'acted', id: message.id, answer: result }));
          return;
        case 'streams':
          streamsOpen = message.open;
          return;
        case 'error':
          logger.error({ err: message.message, url: message.url }, 'status page request failed');
          return;
        case 'closed':
          closedByWorker();
          return;
      }
    });
    worker.on('error', (err) => {
      logger.error({ err: err.message }, 'status page worker failed');
      reject(new ListenError(err.message, null));
    });
    worker.on('exit', () => {
      closedByWorker();
      reject(new ListenError('status page worker exited before listening', null));
    });
  });

  const stopFeeding = (): void => {
    clearInterval(timer);
    unsubscribe();
  };
  let port: number;
  try {
    port = await listening;
  } catch (err) {
    stopFeeding();
    await worker.terminate();
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    url: `http://${browsableHost(opts.host)}:${port}/`,
    port,
    close() {
      closing ??= (async () => {
        stopFeeding();
        send({ type: 'close' });
        const timeout = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref());
        await Promise.race([workerClosed, timeout]);
        await worker.terminate();
      })();
      return closing;
    },
  };
}

/**
 * The status page as the station's processes start it: on `web.host:web.port` of the config, or not at all when
 * `web.enabled` is false. It never stops the station: a port in use is logged (and, with `fallbackToFreePort`, a
 * free port is taken instead, for bench runs beside other servers); the result is then null or the fallback.
 */
export async function openStatusPage(
  opts: StatusServerOptions & { readonly fallbackToFreePort?: boolean; readonly port?: number },
): Promise<StatusServer | null> {
  const web = opts.sources.config.web;
  if (!web.enabled) return null;
  const port = opts.port ?? web.port;
  try {
    return await startStatusServer({ ...opts, host: web.host, port });
  } catch (err) {
    const code = err instanceof ListenError ? err.code : null;
    if (code === 'EADDRINUSE' && opts.fallbackToFreePort === true && port !== 0) {
      opts.logger.warn({ port }, 'status page port in use; taking a free one');
      return startStatusServer({ ...opts, host: web.host, port: 0 });
    }
    opts.logger.error({ err: (err as Error).message, host: web.host, port }, 'status page not started; the station runs without it');
    return null;
  }
}
