/**
 * The operator's routes, registered only when `web.operatorPasswordHash` is set (otherwise none of them exists: a
 * 404, not a hidden page). Login gives an HttpOnly, SameSite=Strict session cookie and a CSRF token; every action
 * (a POST) needs both, reads (GET) need the cookie. Failed logins are throttled per client address. Actions are
 * carried out, and journaled, on the station's thread (actions.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseOr400 } from '../app.js';
import { type OperatorRequest, type PageAnswer, type PageRequestHandler } from '../page-requests.js';
import { LoginThrottle } from './login-throttle.js';
import { operatorPageHtml, operatorPageScript, operatorPageStyle } from './page.js';
import { parsePasswordHash, verifyPassword } from './password.js';
import { cookieValue, csrfMatches, OperatorSessions, sessionCookieName, type OperatorSession } from './sessions.js';
import { loadModes } from '../../control/load/load-manager.js';

export interface OperatorRouteOptions {
  /** The configured scrypt hash (config `web.operatorPasswordHash`); null: no operator route is registered at all. */
  readonly passwordHash: string | null;
  readonly stationId: string;
  /** Where actions are carried out; null: no operator route either. */
  readonly act: PageRequestHandler | null;
  readonly nowMs?: () => number;
  /** Session lifetime (cookie Max-Age and server-side expiry); default 8 h. */
  readonly sessionLifetimeMs?: number;
  /** Failed logins per address within {@link loginWindowMs} before 429; default 5 per minute. */
  readonly maxLoginFailures?: number;
  readonly loginWindowMs?: number;
}

/** Request bodies above this answer 413 (a login or an action is a few bytes). */
export const operatorBodyLimitBytes = 4096;
/** The header every action sends its CSRF token in. */
export const csrfHeader = 'x-csrf-token';
const MAX_SESSIONS = 16;
/** scrypt checks at once (16 MiB and tens of ms each): a flood of logins from many addresses gets 503, not the memory. */
const MAX_CONCURRENT_CHECKS = 2;

const loginBody = z.object({ password: z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters') }).strict();
const alertParams = z.object({ id: z.string().regex(/^[1-9]\d{0,14}$/, 'must be an alert number').transform(Number) }).strict();
const availabilityBody = z.object({ operative: z.boolean() }).strict();
const loadModeBody = z.object({ mode: z.enum(loadModes) }).strict();
const actionLogQuery = z
  .object({ limit: z.string().regex(/^\d{1,3}$/, 'must be a whole number from 1 to 200').transform(Number).refine((n) => n >= 1 && n <= 200, 'must be a whole number from 1 to 200').default(50) })
  .strict();
const emptyBody = z.object({}).strict();

declare module 'fastify' {
  interface FastifyRequest {
    operatorSession?: OperatorSession;
  }
}

function sendAnswer(reply: FastifyReply, answer: PageAnswer): FastifyReply {
  return answer.ok ? reply.send(answer.value) : reply.code(answer.status).send({ error: answer.error });
}

export function registerOperatorRoutes(app: FastifyInstance, options: OperatorRouteOptions): void {
  const { passwordHash, act } = options;
  if (passwordHash === null || act === null) return;
  const stored = parsePasswordHash(passwordHash);
  // The config was validated at load; a hash that does not parse here means no operator view, never an open one.
  if (stored === null) throw new Error('web.operatorPasswordHash is not an scrypt hash this station can check');
  const nowMs = options.nowMs ?? ((): number => Date.now());
  const lifetimeMs = options.sessionLifetimeMs ?? 8 * 3600_000;
  const sessions = new OperatorSessions(nowMs, lifetimeMs, MAX_SESSIONS);
  let checking = 0;
  const throttle = new LoginThrottle(nowMs, options.maxLoginFailures ?? 5, options.loginWindowMs ?? 60_000);
  const operator = (request: FastifyRequest, op: OperatorRequest): Promise<PageAnswer> =>
    act({ kind: 'operator', request: op, clientAddress: request.ip });
  const cookie = (value: string, maxAgeS: number): string =>
    `${sessionCookieName}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}`;

  void app.register((scope, _options, scopeDone) => {
    // Every operator route takes small bodies only; the login form may come urlencoded (a page without script).
    scope.addHook('onRoute', (route) => {
      route.bodyLimit ??= operatorBodyLimitBytes;
    });
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: operatorBodyLimitBytes }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    scope.get('/operator', (_request, reply) => reply.type('text/html; charset=utf-8').send(operatorPageHtml(options.stationId)));
    scope.get('/operator/app.js', (_request, reply) => reply.type('text/javascript; charset=utf-8').send(operatorPageScript));
    scope.get('/operator/style.css', (_request, reply) => reply.type('text/css; charset=utf-8').send(operatorPageStyle));

    scope.post('/operator/login', async (request, reply) => {
      const address = request.ip;
      const wait = throttle.retryAfterS(address);
      if (wait > 0) {
        return reply.code(429).header('retry-after', String(wait)).send({ error: `too many failed logins from ${address}; try again in ${wait} s` });
      }
      const body = parseOr400(loginBody, request.body ?? {}, reply);
      if (body === null) return reply;
      if (checking >= MAX_CONCURRENT_CHECKS) return reply.code(503).header('retry-after', '1').send({ error: 'busy checking other logins; try again in a moment' });
      // Counted before the check, so parallel guesses cannot all slip in under the limit.
      throttle.fail(address);
      checking += 1;
      let matches: boolean;
      try {
        matches = await verifyPassword(body.password, stored);
      } finally {
        checking -= 1;
      }
      if (!matches) {
        void operator(request, { op: 'note', what: 'login-failed' });
        return reply.code(401).send({ error: 'wrong password' });
      }
      throttle.succeed(address);
      const session = sessions.create(address);
      void operator(request, { op: 'note', what: 'login' });
      void reply.header('set-cookie', cookie(session.id, Math.floor(lifetimeMs / 1000)));
      if (request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') === true) return reply.code(303).header('location', '/operator').send();
      return { csrfToken: session.csrfToken, expiresAt: new Date(session.expiresAtMs).toISOString() };
    });

    void scope.register((guarded, _guardedOptions, guardedDone) => {
      // No valid session cookie: 401. An action (POST) without the session's CSRF token: 403. Nothing is done.
      guarded.addHook('preHandler', async (request, reply) => {
        const session = sessions.find(cookieValue(request.headers.cookie, sessionCookieName));
        if (session === null) return reply.code(401).send({ error: 'not logged in (or the session expired): log in at /operator' });
        if (request.method !== 'GET' && !csrfMatches(session, request.headers[csrfHeader] as string | undefined)) {
          return reply.code(403).send({ error: `missing or wrong CSRF token: send the session's token in the ${csrfHeader} header` });
        }
        request.operatorSession = session;
        return undefined;
      });

      guarded.get('/operator/api/session', (request) => {
        const session = request.operatorSession as OperatorSession;
        return { csrfToken: session.csrfToken, expiresAt: new Date(session.expiresAtMs).toISOString() };
      });
      guarded.post('/operator/logout', async (request, reply) => {
        sessions.end((request.operatorSession as OperatorSession).id);
        await operator(request, { op: 'note', what: 'logout' });
        return reply.header('set-cookie', cookie('', 0)).send({ loggedOut: true });
      });

      guarded.get('/operator/api/alerts', async (request, reply) => sendAnswer(reply, await operator(request, { op: 'alerts' })));
      for (const state of ['acknowledged', 'closed'] as const) {
        const verb = state === 'acknowledged' ? 'acknowledge' : 'close';
        guarded.post(`/operator/api/alerts/:id/${verb}`, async (request, reply) => {
          const params = parseOr400(alertParams, request.params, reply);
          if (params === null || parseOr400(emptyBody, request.body ?? {}, reply) === null) return reply;
          return sendAnswer(reply, await operator(request, { op: 'alert-state', alertId: params.id, state }));
        });
      }
      guarded.post('/operator/api/faults/reset', async (request, reply) => {
        if (parseOr400(emptyBody, request.body ?? {}, reply) === null) return reply;
        return sendAnswer(reply, await operator(request, { op: 'reset-faults' }));
      });
      guarded.post('/operator/api/session/stop', async (request, reply) => {
        if (parseOr400(emptyBody, request.body ?? {}, reply) === null) return reply;
        return sendAnswer(reply, await operator(request, { op: 'stop-session' }));
      });
      guarded.post('/operator/api/availability', async (request, reply) => {
        const body = parseOr400(availabilityBody, request.body ?? {}, reply);
        if (body === null) return reply;
        return sendAnswer(reply, await operator(request, { op: 'availability', operative: body.operative }));
      });
      guarded.post('/operator/api/load-mode', async (request, reply) => {
        const body = parseOr400(loadModeBody, request.body ?? {}, reply);
        if (body === null) return reply;
        return sendAnswer(reply, await operator(request, { op: 'load-mode', mode: body.mode }));
      });
      guarded.get('/operator/api/health', async (request, reply) => sendAnswer(reply, await operator(request, { op: 'health' })));
      guarded.get('/operator/api/actions', async (request, reply) => {
        const query = parseOr400(actionLogQuery, request.query, reply);
        if (query === null) return reply;
        return sendAnswer(reply, await operator(request, { op: 'action-log', limit: query.limit }));
      });
      guarded.get('/operator/api/diagnostics', async (request, reply) => {
        const answer = await operator(request, { op: 'diagnostics' });
        if (!answer.ok) return sendAnswer(reply, answer);
        const bundle = answer.value as { fileName: string; bytes: Uint8Array };
        return reply
          .type('application/gzip')
          .header('content-disposition', `attachment; filename="${bundle.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
          .send(Buffer.from(bundle.bytes));
      });
      guardedDone();
    });
    scopeDone();
  });
}

