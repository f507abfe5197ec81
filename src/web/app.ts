import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { renderReceiptText } from '../billing/receipt.js';
import { registerFeedbackRoutes } from './feedback.js';
import { metricsContentType, renderMetrics } from './metrics.js';
import { registerOperatorRoutes } from './operator/routes.js';
import type { PageRequestHandler } from './page-requests.js';
import { pageHtml, pageScript, pageStyle } from './page.js';
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
 * `web.metrics` is false). With `changes`: `POST /api/sessions/:id/feedback` (src/web/feedback.ts) and, with a password
 * hash, the operator's `/operator…` routes (src/web/operator/routes.ts).
 */
export function buildStatusApp(data: StatusData, onError: (message: string, url: string) => void, changes?: PageChanges): FastifyInstance {
  const app = Fastify({ logger: false });

  // The page loads nothing from elsewhere: a station is often offline, and a strict policy keeps injected text inert.
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  app.get('/', (_request, reply) => reply.type('text/html; charset=utf-8').send(pageHtml(data.stationId)));
  app.get('/app.js', (_request, reply) => reply.type('text/javascript; charset=utf-8').send(pageScript));
  app.get('/style.css', (_request, reply) => reply.type('text/css; charset=utf-8').send(pageStyle));

  app.get('/api/status', async () => data.status());

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

