import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { buildReceipt, renderReceiptText } from '../billing/receipt.js';
import type { JournalReader } from '../journal/ports.js';
import type { Logger } from '../logger.js';
import { pageHtml, pageScript, pageStyle } from './page.js';
import { recentSessions } from './recent-sessions.js';
import { buildStatusView, type StatusSources } from './status-view.js';

export interface StatusServerOptions {
  readonly sources: StatusSources;
  /** The journal's read side, for the session list and receipts (absent: those answer 503). */
  readonly reader?: JournalReader | null;
  readonly logger: Logger;
}

export interface StatusServer {
  /** Where the page is, e.g. http://127.0.0.1:8080/ */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

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
function describeInvalid(error: z.ZodError, input: unknown): string {
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

function parseOr400<T>(schema: z.ZodType<T>, input: unknown, reply: FastifyReply): T | null {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  void reply.code(400).send({ error: describeInvalid(result.error, input) });
  return null;
}

/**
 * The local status page and its JSON API, as a Fastify app (not listening; `inject` it in tests). Read-only: nothing
 * here changes the station. Routes: `/` (page), `/app.js`, `/style.css`, `/api/status`, `/api/sessions`,
 * `/api/sessions/:id/receipt?format=json|text`.
 */
export function buildStatusApp(opts: StatusServerOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  const { sources, logger } = opts;
  const reader = opts.reader ?? null;

  // The page loads nothing from elsewhere: a station is often offline, and a strict policy keeps injected text inert.
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  app.get('/', (_request, reply) => reply.type('text/html; charset=utf-8').send(pageHtml(sources.config.station.id)));
  app.get('/app.js', (_request, reply) => reply.type('text/javascript; charset=utf-8').send(pageScript));
  app.get('/style.css', (_request, reply) => reply.type('text/css; charset=utf-8').send(pageStyle));

  app.get('/api/status', async () => buildStatusView(sources));

  app.get('/api/sessions', async (request, reply) => {
    const query = parseOr400(sessionsQuery, request.query, reply);
    if (query === null) return reply;
    if (reader === null) return reply.code(503).send({ error: 'no journal: this station keeps sessions in memory only' });
    return { sessions: await recentSessions(reader, { ...query, nowMs: sources.clock.nowMs(), timeZone: sources.config.station.timeZone }) };
  });

  app.get('/api/sessions/:id/receipt', async (request, reply) => {
    const params = parseOr400(receiptParams, request.params, reply);
    if (params === null) return reply;
    const query = parseOr400(receiptQuery, request.query, reply);
    if (query === null) return reply;
    if (reader === null) return reply.code(503).send({ error: 'no journal: this station keeps sessions in memory only' });
    const session = await reader.session(params.id);
    if (session === null) return reply.code(404).send({ error: `no session ${params.id} in the journal` });
    const [samples, events] = await Promise.all([reader.samples(session.id), reader.events(session.id)]);
    const receipt = buildReceipt(session, samples, events, {
      tariff: sources.station.tariffs.current(),
      stationTimeZone: sources.config.station.timeZone,
      stationId: sources.config.station.id,
      nowMs: sources.clock.nowMs(),
    });
    if (query.format === 'text') return reply.type('text/plain; charset=utf-8').send(renderReceiptText(receipt));
    return receipt;
  });

  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no such page: ${request.method} ${request.url}` }));
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) logger.error({ err: error.message, url: request.url }, 'status page request failed');
    return reply.code(status).send({ error: status === 500 ? 'internal error (see the station log)' : error.message });
  });
  return app;
}

/**
 * Starts the status page on `host:port`. A port already in use is an error the caller decides about: the daemon
 * logs it and charges on without the page (charging matters more than the page).
 */
export async function startStatusServer(opts: StatusServerOptions & { readonly host: string; readonly port: number }): Promise<StatusServer> {
  const app = buildStatusApp(opts);
  try {
    await app.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    close: () => app.close(),
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
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' && opts.fallbackToFreePort === true && port !== 0) {
      opts.logger.warn({ port }, 'status page port in use; taking a free one');
      return startStatusServer({ ...opts, host: web.host, port: 0 });
    }
    opts.logger.error({ err: (err as Error).message, host: web.host, port }, 'status page not started; the station runs without it');
    return null;
  }
}
