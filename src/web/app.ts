import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { renderReceiptText } from '../billing/receipt.js';
import type { PageRequestHandler } from './page-requests.js';
import { LiveFeed } from './live-updates.js';
import { MAX_DAILY_DAYS, MAX_SERIES_POINTS, MAX_UTILIZATION_DAYS } from './chart-series.js';
import { catalogue, languageOf, supportedLanguages } from './i18n/catalogue.js';
import { chartScript, pageHtml, pageScript, pageStyle } from './page.js';
import { defaultEventStreamLimits, EventStreams, formatEvent, type EventStreamLimits } from './event-stream.js';
import { metricsContentType, renderMetrics } from './metrics.js';
import { registerFeedbackRoutes } from './feedback.js';
import { registerOperatorRoutes } from './operator/routes.js';
import type { StatusData } from './status-data.js';

const NO_JOURNAL = 'no journal: this station keeps sessions in memory only';

/** A query-string integer in [min, max]; the message names the range. */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,12}$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be a whole number from ${min} to ${max}`);

const sessionsQuery = z
  .object({
    limit: wholeNumber(1, 200).default(20),
    days: wholeNumber(1, 3660).default(90),
  })
  .strict();
const receiptParams = z.object({ id: wholeNumber(1, Number.MAX_SAFE_INTEGER) }).strict();
const receiptQuery = z.object({ format: z.enum(['json', 'text']).default('json') }).strict();
const seriesQuery = z.object({ points: wholeNumber(2, MAX_SERIES_POINTS).default(300) }).strict();
const dailyQuery = z.object({ days: wholeNumber(1, MAX_DAILY_DAYS).default(30) }).strict();
const hoursQuery = z.object({ days: wholeNumber(1, MAX_UTILIZATION_DAYS).default(30) }).strict();
const languageParams = z.object({ lang: z.enum(supportedLanguages) }).strict();

/** "limit: must be at most 200, got \"500\"": the field, the rule and the value, for a 400 answer. */
export function describeInvalid(error: z.ZodError, input: unknown): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.') || '(query)';
      let value: unknown = input;
      for (const key of issue.path) value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
      const shown = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : JSON.stringify(value);
      return issue.code === 'unrecognized_keys' ? `unknown parameter ${shown}` : `${path}: ${issue.message}, got ${shown}`;
    })
    .join('; ');
}

export function parseOr400<T>(schema: z.ZodType<T>, input: unknown, reply: FastifyReply): T | null {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  void reply.code(400).send({ error: describeInvalid(result.error, input) });
  return null;
}

/** What the page may change, when the station wired it (src/web/page-actions.ts); absent: read-only. */
export interface PageChanges {
  readonly act: PageRequestHandler;
  /** `POST /api/sessions/:id/feedback` exists. */
  readonly feedback: boolean;
  /** The operator's scrypt hash; null: no /operator route exists at all. */
  readonly operatorPasswordHash: string | null;
}

/**
 * The local status page and its JSON API, as a Fastify app (not listening; `inject` it in tests). Without `changes` it
 * is read-only: nothing here changes the station. It runs in the status page's worker thread (src/web/worker.ts) or,
 * in tests, beside the station with {@link localStatusData}. Routes: `/` (page), `/app.js`, `/style.css`,
 * `/api/status`, `/api/sessions`, `/api/sessions/:id/receipt?format=json|text`, `/metrics` (Prometheus, unless
 * `web.metrics` is false); the live stream `/api/events`; the charts' series `/api/sessions/:id/series`,
 * `/api/energy/daily`, `/api/utilization/hours`; the driver texts `/i18n/<lang>.json`. With `changes`:
 * `POST /api/sessions/:id/feedback` (src/web/feedback.ts) and, with a password hash, the operator's `/operator…`
 * routes (src/web/operator/routes.ts). `streams` tunes the live stream's limits (tests).
 */
export function buildStatusApp(
  data: StatusData,
  onError: (message: string, url: string) => void,
  options: Partial<PageChanges> & { readonly streams?: Partial<EventStreamLimits> } = {},
): FastifyInstance {
  const changes: PageChanges | null = options.act !== undefined ? { act: options.act, feedback: options.feedback ?? false, operatorPasswordHash: options.operatorPasswordHash ?? null } : null;
  const app = Fastify({ logger: false });

  // The page loads nothing from elsewhere: a station is often offline, and a strict policy keeps injected text inert.
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  // The page speaks the browser's language (Accept-Language), English when it has no catalogue for it.
  app.get('/', (request, reply) =>
    reply.type('text/html; charset=utf-8').header('vary', 'accept-language').send(pageHtml(data.stationId, languageOf(request.headers['accept-language']))),
  );
  app.get('/i18n/:file', (request, reply) => {
    const file = (request.params as { file: string }).file;
    const params = parseOr400(languageParams, { lang: file.replace(/\.json$/, '') }, reply);
    if (params === null) return reply;
    return reply.type('application/json; charset=utf-8').send(catalogue(params.lang));
  });
  app.get('/app.js', (_request, reply) => reply.type('text/javascript; charset=utf-8').send(pageScript));
  app.get('/charts.js', (_request, reply) => reply.type('text/javascript; charset=utf-8').send(chartScript));
  app.get('/style.css', (_request, reply) => reply.type('text/css; charset=utf-8').send(pageStyle));

  app.get('/api/status', async () => data.status());

  registerEventStream(app, data, { ...defaultEventStreamLimits, ...options.streams });

  const metrics = data.metrics;
  if (metrics !== null) {
    app.get('/metrics', async (_request, reply) => {
      const [view, snapshot] = await Promise.all([data.status(), metrics()]);
      return reply.type(metricsContentType).send(await renderMetrics(view, snapshot));
    });
  }

  app.get('/api/sessions', async (request, reply) => {
    const query = parseOr400(sessionsQuery, request.query, reply);
    if (query === null) return reply;
    if (data.sessions === null) return reply.code(503).send({ error: NO_JOURNAL });
    return { sessions: await data.sessions(query) };
  });

  app.get('/api/sessions/:id/receipt', async (request, reply) => {
    const params = parseOr400(receiptParams, request.params, reply);
    if (params === null) return reply;
    const query = parseOr400(receiptQuery, request.query, reply);
    if (query === null) return reply;
    if (data.receipt === null) return reply.code(503).send({ error: NO_JOURNAL });
    const receipt = await data.receipt(params.id);
    if (receipt === null) return reply.code(404).send({ error: `no session ${params.id} in the journal` });
    if (query.format === 'text') return reply.type('text/plain; charset=utf-8').send(renderReceiptText(receipt));
    return receipt;
  });

  app.get('/api/sessions/:id/series', async (request, reply) => {
    const params = parseOr400(receiptParams, request.params, reply);
    if (params === null) return reply;
    const query = parseOr400(seriesQuery, request.query, reply);
    if (query === null) return reply;
    if (data.series === null) return reply.code(503).send({ error: NO_JOURNAL });
    const series = await data.series(params.id, query.points);
    if (series === null) return reply.code(404).send({ error: `no session ${params.id} in the journal` });
    return series;
  });

  app.get('/api/energy/daily', async (request, reply) => {
    const query = parseOr400(dailyQuery, request.query, reply);
    if (query === null) return reply;
    if (data.daily === null) return reply.code(503).send({ error: NO_JOURNAL });
    return { days: await data.daily(query.days) };
  });

  // Load management's day: mains, EV and surplus power per minute (kept in the station's memory, not the journal).
  app.get('/api/load/day', async (_request, reply) => {
    if (data.load === null) return reply.code(404).send({ error: 'no load management on this station (no loadManagement section)' });
    return data.load();
  });

  app.get('/api/utilization/hours', async (request, reply) => {
    const query = parseOr400(hoursQuery, request.query, reply);
    if (query === null) return reply;
    if (data.hours === null) return reply.code(503).send({ error: NO_JOURNAL });
    return data.hours(query.days);
  });
  registerFeedbackRoutes(app, changes?.feedback === true ? changes.act : null);
  registerOperatorRoutes(app, { stationId: data.stationId, passwordHash: changes?.operatorPasswordHash ?? null, act: changes?.act ?? null });

  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no such page: ${request.method} ${request.url}` }));
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status === 500) onError(error.message, request.url);
    return reply.code(status).send({ error: status === 500 ? 'internal error (see the station log)' : error.message });
  });
  return app;
}


/**
 * `GET /api/events`: server-sent events. A stream starts with `retry:` and the whole status (`event: status`), then
 * carries the status again whenever something on it changed, a `sample` event for every new meter reading, and a
 * heartbeat comment. Streams are bounded (503 beyond the limit) and forgotten when their client goes away.
 */
function registerEventStream(app: FastifyInstance, data: StatusData, limits: EventStreamLimits): void {
  const live = data.live;
  if (live === null) {
    app.get('/api/events', (_request, reply) => reply.code(503).send({ error: 'no live stream here: the station pushes no snapshots' }));
    return;
  }
  const streams = new EventStreams(limits, (open) => live.streamsOpen?.(open));
  const feed = new LiveFeed((event, payload) => streams.broadcast(event, payload), limits.minStatusIntervalMs);
  const unsubscribe = live.subscribe((view) => feed.push(view));
  app.get('/api/events', async (request, reply) => {
    if (streams.full) {
      return reply.code(503).header('retry-after', '10').send({ error: `busy: ${limits.maxStreams} live streams are open already; try again later` });
    }
    const view = await data.status();
    if (request.raw.destroyed) return reply;
    reply.hijack();
    streams.open(reply.raw, [formatEvent('status', view)]);
    return reply;
  });
  // Open streams would hold the server's close forever: end them first (the browsers reconnect to what comes next).
  app.addHook('preClose', (done) => {
    unsubscribe();
    feed.close();
    streams.closeAll();
    done();
  });
}
