/**
 * The status page's thread. HTTP parsing and answering happen here, never on the thread that runs the control core:
 * a browser polling fast, or a flood from the LAN, must not delay a pilot edge (test/bench/reaction-latency.bench.ts
 * measures it). The station's thread pushes a status snapshot a few times a second, on every state change and on every
 * meter reading, and the live stream (`/api/events`) passes them on; journal questions (session list, receipts, chart
 * series) and, at each scrape of `/metrics`, the station's totals are relayed to it, a bounded number at a time. So
 * are the page's changes (a driver's feedback, the operator's actions): checked here, carried out there
 * (src/web/page-actions.ts), a bounded number at a time too.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Receipt } from '../billing/receipt.js';
import { buildStatusApp } from './app.js';
import type { DailyEnergy, SessionSeries, UtilizationHours } from './chart-series.js';
import type { MetricsSnapshot } from './metrics-data.js';
import type { RecentSession } from './recent-sessions.js';
import type { LoadDay, StatusData } from './status-data.js';
import type { StationStatusView } from './status-view.js';
import type { PageAnswer, PageRequest } from './page-requests.js';
import type { FromWebWorker, JournalAnswer, JournalQuestion, ToWebWorker, WebWorkerInit } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('src/web/worker.ts runs as a worker thread only');
const init = workerData as WebWorkerInit;
const post = (message: FromWebWorker): void => port.postMessage(message);

let latest: StationStatusView | null = null;
const waitingForStatus: ((view: StationStatusView) => void)[] = [];
/** The live stream's listeners: every snapshot the station pushes goes to them as it arrives. */
const liveListeners = new Set<(view: StationStatusView) => void>();
const pending = new Map<number, { resolve: (value: JournalAnswer) => void; reject: (err: Error) => void }>();
let nextId = 1;

/** An error fastify answers with its status code and message. */
function httpError(statusCode: number, message: string): Error & { statusCode: number } {
  return Object.assign(new Error(message), { statusCode });
}

function ask(question: JournalQuestion): Promise<JournalAnswer> {
  if (pending.size >= init.maxPending) {
    return Promise.reject(httpError(503, 'busy: too many journal requests at once; try again in a moment'));
  }
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    post({ type: 'ask', id, question });
  });
}

/** Feedback and operator actions waiting for the station's thread (bounded like the journal questions). */
const acting = new Map<number, (answer: PageAnswer) => void>();

function act(request: PageRequest): Promise<PageAnswer> {
  if (acting.size >= init.maxPending) {
    return Promise.resolve({ ok: false, status: 503, error: 'busy: too many requests at once; try again in a moment' });
  }
  const id = nextId++;
  return new Promise((resolve) => {
    acting.set(id, resolve);
    post({ type: 'act', id, request });
  });
}

const data: StatusData = {
  stationId: init.stationId,
  status: () => (latest !== null ? Promise.resolve(latest) : new Promise((resolve) => waitingForStatus.push(resolve))),
  live: {
    subscribe(listener) {
      liveListeners.add(listener);
      return () => liveListeners.delete(listener);
    },
    streamsOpen(open) {
      post({ type: 'streams', open });
    },
  },
  sessions: init.hasJournal ? async (query) => (await ask({ op: 'sessions', ...query })) as RecentSession[] : null,
  receipt: init.hasJournal ? async (sessionId) => (await ask({ op: 'receipt', sessionId })) as Receipt | null : null,
  // The connected session's curve is kept on the station's thread, journal or not.
  series: async (sessionId, points) => (await ask({ op: 'series', sessionId, points })) as SessionSeries | null,
  daily: init.hasJournal ? async (days) => (await ask({ op: 'daily', days })) as DailyEnergy[] : null,
  hours: init.hasJournal ? async (days) => (await ask({ op: 'hours', days })) as UtilizationHours : null,
  metrics: init.metrics ? async () => (await ask({ op: 'metrics' })) as MetricsSnapshot : null,
  load: init.load ? async () => (await ask({ op: 'load' })) as LoadDay : null,
};

const app = buildStatusApp(data, (message, url) => post({ type: 'error', message, url }), {
  act,
  feedback: init.feedback,
  operatorPasswordHash: init.operatorPasswordHash,
});

port.on('message', (message: ToWebWorker) => {
  switch (message.type) {
    case 'status':
      latest = message.view;
      for (const resolve of waitingForStatus.splice(0)) resolve(message.view);
      for (const listener of liveListeners) listener(message.view);
      return;
    case 'answer': {
      const entry = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) entry?.resolve(message.value);
      else entry?.reject(new Error(message.message));
      return;
    }
    case 'acted':
      acting.get(message.id)?.(message.answer);
      acting.delete(message.id);
      return;
    case 'close':
      app.close().then(
        () => {
          post({ type: 'closed' });
          port.close();
        },
        () => port.close(),
      );
      return;
  }
});

app.listen({ host: init.host, port: init.port }).then(
  () => {
    const address = app.server.address();
    post({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : init.port });
  },
  (err: unknown) => {
    post({ type: 'listen-failed', code: (err as NodeJS.ErrnoException).code ?? null, message: (err as Error).message });
    port.close();
  },
);
