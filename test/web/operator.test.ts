import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import sinon from 'sinon';
import { PassThrough } from 'node:stream';
import { hashPasswordCommand } from '../../src/commands/hash-password.js';
import { EvseErrorCode } from '../../src/errors.js';
import { hashPassword, parsePasswordHash, verifyPassword } from '../../src/web/operator/password.js';
import { webConfigSchema } from '../../src/web/config.js';
import { pageRig, until, type PageRig } from './support/page-rig.js';

const PASSWORD = 'correct horse 42';
/** A cheap hash for tests (the default cost is for the station). */
const cheap = { N: 1024, r: 8, p: 1 };

interface Login {
  readonly cookie: string;
  readonly csrf: string;
}

describe('web: operator view (fastify inject, simulated station, real journal)', function () {
  this.timeout(30_000);
  let hash: string;
  let rig: PageRig | undefined;

  before(async () => {
    hash = await hashPassword(PASSWORD, cheap);
  });
  afterEach(async () => {
    sinon.restore();
    await rig?.close();
    rig = undefined;
  });

  const login = async (password = PASSWORD, address = '127.0.0.1') =>
    rig!.app.inject({ method: 'POST', url: '/operator/login', payload: { password }, remoteAddress: address });
  const loggedIn = async (): Promise<Login> => {
    const res = await login();
    assert.equal(res.statusCode, 200, res.body);
    const cookie = (res.headers['set-cookie'] as string).split(';')[0] as string;
    return { cookie, csrf: res.json<{ csrfToken: string }>().csrfToken };
  };
  const act = (url: string, body: unknown, headers: Record<string, string>) =>
    rig!.app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

  it('hash format: what hash-password makes verifies; anything else is refused at config load naming the field', async () => {
    const parsed = parsePasswordHash(hash);
    assert.ok(parsed);
    assert.equal(await verifyPassword(PASSWORD, parsed), true);
    assert.equal(await verifyPassword(`${PASSWORD} `, parsed), false);
    for (const bad of ['hunter2', 'scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==', hash.replace(/\$[^$]+$/, '$'), `argon2${hash.slice(6)}`]) {
      const result = webConfigSchema.safeParse({ operatorPasswordHash: bad });
      assert.equal(result.success, false, bad);
      assert.deepEqual(result.error?.issues[0]?.path, ['operatorPasswordHash']);
      assert.match(result.error?.issues[0]?.message ?? '', /scrypt\$N\$r\$p\$salt\$hash/);
    }
  });

  it('evse config hash-password: a piped password (first line) becomes a hash that verifies it; a short one is refused', async () => {
    const run = async (input: string): Promise<string> => {
      const stdin = new PassThrough();
      stdin.end(input);
      let out = '';
      await hashPasswordCommand({ stdin: stdin as unknown as NodeJS.ReadStream, stderr: process.stderr, write: (t) => (out += t) });
      return out;
    };
    const printed = await run(`${PASSWORD}\nsecond line\n`);
    assert.match(printed, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+\n$/);
    assert.ok(!printed.includes(PASSWORD));
    const parsed = parsePasswordHash(printed.trim());
    assert.ok(parsed);
    assert.equal(await verifyPassword(PASSWORD, parsed), true);
    await assert.rejects(run('short\n'), (err: { code?: number }) => err.code === EvseErrorCode.InvalidArgument);
  });

  it('without a hash configured no operator route exists at all: 404, not 401', async () => {
    const open = await pageRig();
    rig = open;
    const routes: [string, string][] = [
      ['GET', '/operator'],
      ['GET', '/operator/app.js'],
      ['POST', '/operator/login'],
      ['GET', '/operator/api/session'],
      ['GET', '/operator/api/alerts'],
      ['POST', '/operator/api/session/stop'],
      ['POST', '/operator/api/availability'],
      ['POST', '/operator/api/faults/reset'],
      ['GET', '/operator/api/diagnostics'],
    ];
    for (const [method, url] of routes) {
      const res = await open.app.inject({ method: method as 'GET' | 'POST', url, payload: method === 'POST' ? { password: PASSWORD } : '' });
      assert.equal(res.statusCode, 404, `${method} ${url}`);
    }
  });

  it('login: a wrong password 401, then the address is throttled (429 with Retry-After, the right password too); other addresses are not', async () => {
    rig = await pageRig({ passwordHash: hash });
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    for (let i = 0; i < 5; i++) assert.equal((await login('wrong', '192.168.1.50')).statusCode, 401);
    const limited = await login('wrong', '192.168.1.50');
    assert.equal(limited.statusCode, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 60, String(limited.headers['retry-after']));
    assert.equal((await login(PASSWORD, '192.168.1.50')).statusCode, 429, 'no more guesses, even the right one');
    assert.equal((await login(PASSWORD, '192.168.1.51')).statusCode, 200, 'another address logs in');
    clock.tick(61_000);
    assert.equal((await login(PASSWORD, '192.168.1.50')).statusCode, 200, 'after the window');
    const notes = (await rig.journal.operatorActions(50)).map((a) => `${a.action}@${a.clientAddress}`);
    assert.equal(notes.filter((n) => n === 'login-failed@192.168.1.50').length, 5, 'throttled attempts are not even checked');
    assert.ok(notes.includes('login@192.168.1.51'));
  });

  it('login: HttpOnly SameSite=Strict cookie with Max-Age, a CSRF token, session info, server-side expiry and logout', async () => {
    rig = await pageRig({ passwordHash: hash });
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    const res = await login();
    const setCookie = res.headers['set-cookie'] as string;
    assert.match(setCookie, /^evse_operator=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=28800$/);
    const { cookie, csrf } = await loggedIn();
    const session = await rig.app.inject({ url: '/operator/api/session', headers: { cookie } });
    assert.equal(session.statusCode, 200);
    assert.equal(session.json<{ csrfToken: string }>().csrfToken, csrf);
    clock.tick(8 * 3600_000 + 1000);
    assert.equal((await rig.app.inject({ url: '/operator/api/session', headers: { cookie } })).statusCode, 401, 'expired on the server too');
    const again = await loggedIn();
    assert.equal((await act('/operator/logout', {}, { cookie: again.cookie, 'x-csrf-token': again.csrf })).statusCode, 200);
    assert.equal((await rig.app.inject({ url: '/operator/api/session', headers: { cookie: again.cookie } })).statusCode, 401, 'logged out');
    const form = await rig.app.inject({ method: 'POST', url: '/operator/login', payload: `password=${encodeURIComponent(PASSWORD)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(form.statusCode, 303, 'a form login without script');
    assert.match(form.headers['set-cookie'] as string, /HttpOnly; SameSite=Strict/);
  });

  it('an action without the cookie gets 401, without or with a wrong CSRF token 403, and the session keeps running', async () => {
    rig = await pageRig({ passwordHash: hash });
    const id = await rig.startSession();
    const { cookie, csrf } = await loggedIn();
    assert.equal((await act('/operator/api/session/stop', {}, {})).statusCode, 401);
    assert.equal((await act('/operator/api/session/stop', {}, { 'x-csrf-token': csrf })).statusCode, 401, 'a token without the cookie');
    assert.equal((await act('/operator/api/session/stop', {}, { cookie: 'evse_operator=forged' , 'x-csrf-token': csrf })).statusCode, 401);
    assert.equal((await act('/operator/api/session/stop', {}, { cookie })).statusCode, 403);
    assert.equal((await act('/operator/api/session/stop', {}, { cookie, 'x-csrf-token': `${csrf.slice(1)}x` })).statusCode, 403);
    assert.equal((await act('/operator/api/availability', { operative: false }, { cookie, 'x-csrf-token': 'short' })).statusCode, 403);
    assert.equal((await rig.app.inject({ url: '/operator/api/alerts' })).statusCode, 401, 'reads need the cookie');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(rig.sim.station.controller.activeSessionId(), id, 'still charging');
    assert.notEqual(rig.sim.station.controller.snapshot().status, 'Unavailable');
    assert.deepEqual(
      (await rig.journal.operatorActions(50)).map((a) => a.action),
      ['login'],
      'refused requests never reached the station',
    );
  });

  it('stop, availability, fault reset: carried out through the station and journaled with arguments, result and address', async () => {
    rig = await pageRig({ passwordHash: hash });
    const id = await rig.startSession();
    const { cookie, csrf } = await loggedIn();
    const headers = { cookie, 'x-csrf-token': csrf };
    const stop = await act('/operator/api/session/stop', {}, headers);
    assert.equal(stop.statusCode, 200, stop.body);
    assert.deepEqual(stop.json(), { sessionId: id, reason: 'Local' });
    await until(async () => (await rig!.journal.session(id))?.stopReason != null, 'the stop journaled');
    assert.equal((await rig.journal.session(id))?.stopReason, 'Local', 'a local stop by the operator');
    await until(() => rig?.sim.station.controller.activeSessionId() === null, 'the session ended');
    assert.equal((await act('/operator/api/session/stop', {}, headers)).statusCode, 409, 'nothing left to stop');

    assert.equal((await act('/operator/api/availability', { operative: 'no' }, headers)).statusCode, 400);
    const off = await act('/operator/api/availability', { operative: false }, headers);
    assert.equal(off.statusCode, 200, off.body);
    await until(() => rig!.sim.station.controller.snapshot().status === 'Unavailable', 'out of service');
    assert.equal((await act('/operator/api/availability', { operative: true }, headers)).statusCode, 200);
    await until(() => rig!.sim.station.controller.snapshot().status !== 'Unavailable', 'back in service');

    // A latched RCD trip whose condition is gone: the reset clears it (nothing else may).
    rig.sim.world.inject('rcd-trip', true);
    await until(() => rig?.sim.station.controller.faults.isActive('rcd-trip') === true, 'the RCD trip latched');
    rig.sim.world.inject('rcd-trip', false);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rig.sim.station.controller.faults.isActive('rcd-trip'), true, 'latched until reset');
    const reset = await act('/operator/api/faults/reset', {}, headers);
    assert.equal(reset.statusCode, 200);
    assert.deepEqual(reset.json(), { reset: ['rcd-trip'] });
    assert.equal(rig.sim.station.controller.faults.isActive('rcd-trip'), false);

    const log = await rig.app.inject({ url: '/operator/api/actions?limit=10', headers: { cookie } });
    const actions = log.json<{ actions: { action: string; args: unknown; ok: boolean; result: string; clientAddress: string }[] }>().actions;
    assert.deepEqual(
      actions.map((a) => [a.action, a.args, a.ok, a.clientAddress]),
      [
        ['reset-faults', null, true, '127.0.0.1'],
        ['availability', { operative: true }, true, '127.0.0.1'],
        ['availability', { operative: false }, true, '127.0.0.1'],
        ['stop-session', null, false, '127.0.0.1'],
        ['stop-session', null, true, '127.0.0.1'],
        ['login', null, true, '127.0.0.1'],
      ],
    );
    assert.match(actions[4]?.result ?? '', /"reason":"Local"/);
    assert.match(actions[3]?.result ?? '', /^409: no session is running$/);
  });

  it("load management's mode: set from the page through the station, shown in health, journaled; a bad mode 400, none without load management 409", async () => {
    rig = await pageRig({
      passwordHash: hash,
      config: { loadManagement: { mode: 'fuse', fuseA: 25, marginA: 2, meter: { driver: 'sim', model: 'sdm630', unitId: 2 } } },
    });
    const { cookie, csrf } = await loggedIn();
    const headers = { cookie, 'x-csrf-token': csrf };
    const health = async (as = cookie) => (await rig!.app.inject({ url: '/operator/api/health', headers: { cookie: as } })).json<{ loadMode: string | null }>();
    assert.equal((await health()).loadMode, 'fuse');
    assert.equal((await act('/operator/api/load-mode', { mode: 'sunny' }, headers)).statusCode, 400);
    assert.equal((await act('/operator/api/load-mode', { mode: 'solar', extra: 1 }, headers)).statusCode, 400);
    assert.equal((await act('/operator/api/load-mode', { mode: 'solar' }, { cookie })).statusCode, 403, 'no CSRF token, no change');
    assert.equal(rig.sim.station.load?.figures().mode, 'fuse');
    const set = await act('/operator/api/load-mode', { mode: 'solar' }, headers);
    assert.equal(set.statusCode, 200, set.body);
    assert.deepEqual(set.json(), { mode: 'solar', from: 'fuse' });
    assert.equal(rig.sim.station.load?.figures().mode, 'solar', 'the station runs in the mode the operator chose');
    assert.equal((await health()).loadMode, 'solar');
    const actions = (await rig.journal.operatorActions(5)).map((a) => [a.action, a.args, a.ok]);
    assert.deepEqual(actions[0], ['load-mode', { mode: 'solar' }, true]);
    await rig.close();

    rig = await pageRig({ passwordHash: hash });
    const other = await loggedIn();
    assert.equal((await health(other.cookie)).loadMode, null);
    const none = await act('/operator/api/load-mode', { mode: 'fuse' }, { cookie: other.cookie, 'x-csrf-token': other.csrf });
    assert.equal(none.statusCode, 409);
    assert.match(none.json<{ error: string }>().error, /no load management/);
  });

  it('health, alerts with guidance and evidence, and the diagnostics bundle', async () => {
    rig = await pageRig({ passwordHash: hash });
    await rig.journal.raiseAlert({ severity: 'warn', code: 'outbox-dead-letter', message: 'A StopTransaction was given up', detail: { seq: 12 } });
    const { cookie } = await loggedIn();
    const health = await rig.app.inject({ url: '/operator/api/health', headers: { cookie } });
    assert.equal(health.statusCode, 200);
    const h = health.json<Record<string, unknown>>();
    assert.deepEqual(Object.keys(h).sort(), ['eventLoopLag', 'faultsRaised', 'journalBytes', 'loadMode', 'meterErrors', 'outboxDepth', 'uplink']);
    assert.equal(typeof h['outboxDepth'], 'number');
    const alerts = (await rig.app.inject({ url: '/operator/api/alerts', headers: { cookie } })).json<{ alerts: { code: string; guidance: string; detail: unknown }[] }>().alerts;
    const dead = alerts.find((a) => a.code === 'outbox-dead-letter');
    assert.ok(dead);
    assert.match(dead.guidance, /compare with the CSMS/);
    assert.deepEqual(dead.detail, { seq: 12 });
    const diagnostics = await rig.app.inject({ url: '/operator/api/diagnostics', headers: { cookie } });
    assert.equal(diagnostics.statusCode, 200);
    assert.equal(diagnostics.headers['content-type'], 'application/gzip');
    assert.match(diagnostics.headers['content-disposition'] as string, /^attachment; filename="diagnostics-.*\.json\.gz"$/);
    const bundle = JSON.parse(gunzipSync(diagnostics.rawPayload).toString('utf8')) as Record<string, unknown>;
    assert.ok(Array.isArray(bundle['alerts']));
    assert.ok('generatedAt' in bundle && 'identity' in bundle);
    assert.ok((await rig.journal.operatorActions(5)).some((a) => a.action === 'diagnostics' && a.ok));
  });

  it('alerts: acknowledged then closed by operator@<address>; an unknown alert 404, a closed one 409; each journaled', async () => {
    rig = await pageRig({ passwordHash: hash });
    const id = await rig.journal.raiseAlert({ severity: 'critical', code: 'journal-unavailable', message: 'The journal could not commit' });
    const { cookie, csrf } = await loggedIn();
    const headers = { cookie, 'x-csrf-token': csrf };
    const ack = await act(`/operator/api/alerts/${id}/acknowledge`, {}, headers);
    assert.equal(ack.statusCode, 200, ack.body);
    assert.equal(ack.json<{ state: string }>().state, 'acknowledged');
    const [row] = await rig.journal.listAlerts({ codePrefix: 'journal-unavailable' });
    assert.equal(row?.state, 'acknowledged');
    assert.equal(row?.stateBy, 'operator@127.0.0.1');
    assert.equal((await act(`/operator/api/alerts/${id}/close`, {}, headers)).statusCode, 200);
    const listed = (await rig.app.inject({ url: '/operator/api/alerts', headers: { cookie } })).json<{ alerts: { id: number }[] }>().alerts;
    assert.ok(!listed.some((a) => a.id === id), 'a closed alert leaves the list');
    const closedAgain = await act(`/operator/api/alerts/${id}/acknowledge`, {}, headers);
    assert.equal(closedAgain.statusCode, 409);
    assert.match(closedAgain.json<{ error: string }>().error, new RegExp(`^alert ${id}: `));
    assert.equal((await act('/operator/api/alerts/9999/close', {}, headers)).statusCode, 404);
    assert.equal((await act('/operator/api/alerts/x/close', {}, headers)).statusCode, 400);
    const log = (await rig.journal.operatorActions(10)).map((a) => [a.action, a.args, a.ok]);
    assert.deepEqual(log.slice(0, 4), [
      ['alert-state', { alertId: 9999, state: 'closed' }, false],
      ['alert-state', { alertId: id, state: 'acknowledged' }, false],
      ['alert-state', { alertId: id, state: 'closed' }, true],
      ['alert-state', { alertId: id, state: 'acknowledged' }, true],
    ]);
  });

  it('request bodies over 4 KiB get 413 (login and actions), and nothing is done', async () => {
    rig = await pageRig({ passwordHash: hash });
    assert.equal((await login('p'.repeat(5000))).statusCode, 413);
    const { cookie, csrf } = await loggedIn();
    const res = await act('/operator/api/availability', { operative: false, pad: 'x'.repeat(5000) }, { cookie, 'x-csrf-token': csrf });
    assert.equal(res.statusCode, 413);
    assert.notEqual(rig.sim.station.controller.snapshot().status, 'Unavailable');
    assert.equal((await act('/operator/api/faults/reset', { extra: 1 }, { cookie, 'x-csrf-token': csrf })).statusCode, 400, 'unknown fields');
  });

  it('the page is served with its texts escaped', async () => {
    rig = await pageRig({ passwordHash: hash });
    const page = await rig.app.inject({ url: '/operator' });
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-security-policy'] as string, /default-src 'self'/);
    const script = await rig.app.inject({ url: '/operator/app.js' });
    assert.doesNotMatch(script.body, /innerHTML|insertAdjacentHTML|outerHTML/);
  });
});
