import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseConfig } from '../../src/config/load.js';
import type { WebhookConfig } from '../../src/notify/config.js';
import { ChannelDispatcher } from '../../src/notify/dispatcher.js';
import { retryAfterMs, WebhookAlertChannel } from '../../src/notify/webhook-channel.js';
import { freePort } from '../mqtt/support/mosquitto.js';
import { capturedLogger, fastTuning, HookServer, sleep, waitUntil } from './support/helpers.js';
import { MemoryAlertQueue } from './support/memory-queue.js';

const SECRET = 'whsec-Zr7!unique-9f2c';
const STATION = 'Bay-7';

/** What a receiver does (GitHub's recipe): HMAC-SHA256 of the raw body with the shared secret, compared in constant time. */
function verifies(body: Buffer, header: string | string[] | undefined, secret: string): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const got = Buffer.from(header);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

describe('notify: webhook channel against a local HTTP server', function () {
  this.timeout(20_000);
  let hook: HookServer;
  let queue: MemoryAlertQueue;
  let dispatcher: ChannelDispatcher | null = null;
  let log: ReturnType<typeof capturedLogger>;

  function webhookConfig(extra: Record<string, unknown> = {}): WebhookConfig {
    const cfg = parseConfig({ station: { id: STATION }, alerts: { webhook: { url: hook.url, secret: SECRET, timeoutS: 2, ...extra } } }).alerts?.webhook;
    assert.ok(cfg);
    return cfg;
  }

  function start(extra: Record<string, unknown> = {}): ChannelDispatcher {
    const cfg = webhookConfig(extra);
    dispatcher = new ChannelDispatcher({ queue, channel: new WebhookAlertChannel(cfg, STATION, log.logger), filter: cfg, log: log.logger, ...fastTuning });
    dispatcher.start();
    return dispatcher;
  }

  beforeEach(async () => {
    hook = new HookServer(await freePort());
    queue = new MemoryAlertQueue();
    log = capturedLogger();
  });
  afterEach(async () => {
    await dispatcher?.stop();
    dispatcher = null;
    await hook.stop();
    assert.doesNotMatch(log.text(), new RegExp(SECRET), 'the webhook secret is never logged');
    assert.doesNotMatch(log.text(), /t0ps3cret/, 'nor the token in the webhook URL');
  });

  it('signs the exact body bytes with the secret (X-EVSE-Signature sha256=…), names the delivery, sends the alert as JSON', async () => {
    await hook.start();
    start();
    await sleep(50); // registered: the cursor starts after the (empty) log
    const id = queue.raise({ severity: 'warn', code: 'anomaly-over-offer', message: 'EV draws 20 A on a 16 A offer <script>', detail: { threshold: '2 A', evidence: '[1,2]' } });
    await waitUntil('the request', () => hook.requests.length === 1);
    const req = hook.requests[0]!;
    assert.ok(verifies(req.body, req.headers['x-evse-signature'], SECRET), 'the signature verifies over the raw body');
    assert.ok(!verifies(req.body, req.headers['x-evse-signature'], 'another secret'), 'and only with the right secret');
    assert.ok(!verifies(Buffer.concat([req.body, Buffer.from(' ')]), req.headers['x-evse-signature'], SECRET), 'and only over those bytes');
    assert.equal(req.headers['x-evse-delivery'], `${STATION}-${id}`);
    assert.match(String(req.headers['content-type']), /^application\/json/);
    const body = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
    assert.equal(body['stationId'], STATION);
    assert.equal(body['id'], id);
    assert.equal(body['code'], 'anomaly-over-offer');
    assert.equal(body['severity'], 'warn');
    assert.equal(body['message'], 'EV draws 20 A on a 16 A offer <script>', 'JSON carries text as text');
    assert.equal(body['count'], 1);
    assert.equal(body['audience'], 'operator');
    assert.deepEqual(body['evidence'], { threshold: '2 A', evidence: '[1,2]' });
    await waitUntil('the cursor confirmed', () => queue.cursors.get('webhook') === id);
  });

  it('500 then 200: delivered once, after one retry with the same delivery id', async () => {
    await hook.start();
    hook.plan.push({ status: 500 });
    start();
    await sleep(50);
    const id = queue.raise({ severity: 'critical', code: 'anomaly-energy-while-open', message: 'energy with the contactor open' });
    await waitUntil('the accepted request', () => hook.accepted.length === 1);
    await sleep(300); // several backoff periods: nothing more may come
    assert.equal(hook.requests.length, 2, 'one refused, one accepted');
    assert.equal(hook.accepted.length, 1, 'delivered once');
    assert.deepEqual(hook.requests.map((r) => r.headers['x-evse-delivery']), [`${STATION}-${id}`, `${STATION}-${id}`]);
    assert.equal(queue.cursors.get('webhook'), id);
  });

  it('a receiver that is down, then comes up: retried with backoff until it answers, then each alert once, in order', async () => {
    start();
    await sleep(50);
    const first = queue.raise({ severity: 'warn', code: 'a', message: 'one' });
    const second = queue.raise({ severity: 'warn', code: 'b', message: 'two' });
    await waitUntil('a few failed tries', () => /ECONNREFUSED/.test(log.text()) && log.text().split('alert delivery failed').length > 3);
    assert.equal(queue.cursors.get('webhook'), 0, 'nothing confirmed while down');
    await hook.start();
    await waitUntil('both delivered', () => hook.accepted.length === 2);
    await sleep(200);
    assert.deepEqual(hook.accepted.map((b) => b['id']), [first, second]);
    assert.equal(queue.cursors.get('webhook'), second);
    assert.match(log.text(), /"channel":"webhook"/, 'log lines name the channel');
  });

  it('a receiver that never answers: the request times out (timeoutS) and is retried', async () => {
    await hook.start();
    hook.plan.push({ status: 0 });
    start({ timeoutS: 0.3 });
    await sleep(50);
    const id = queue.raise({ severity: 'warn', code: 'x', message: 'hung' });
    await waitUntil('the accepted request', () => hook.accepted.length === 1, 5000);
    const [hung, accepted] = hook.requests;
    assert.ok(accepted!.atMs - hung!.atMs >= 290, `retried after ${accepted!.atMs - hung!.atMs} ms`);
    assert.equal(accepted!.headers['x-evse-delivery'], `${STATION}-${id}`);
    assert.match(log.text(), /no answer within 0.3 s/);
  });

  it('429 with Retry-After: waits at least as long as the receiver asks', async () => {
    await hook.start();
    hook.plan.push({ status: 429, headers: { 'Retry-After': '1' } });
    start();
    await sleep(50);
    queue.raise({ severity: 'info', code: 'x', message: 'rate limited' });
    await waitUntil('the accepted request', () => hook.accepted.length === 1, 5000);
    const [refused, accepted] = hook.requests;
    assert.ok(accepted!.atMs - refused!.atMs >= 950, `retried after ${accepted!.atMs - refused!.atMs} ms`);
  });

  it('a 4xx refusal: tried a few times, then that one alert is dropped and the next one goes', async () => {
    await hook.start();
    hook.plan.push({ status: 400 }, { status: 400 }, { status: 400 });
    start();
    await sleep(50);
    const refused = queue.raise({ severity: 'warn', code: 'refused', message: 'the receiver does not like this one' });
    const next = queue.raise({ severity: 'warn', code: 'next', message: 'this one is fine' });
    await waitUntil('the next alert', () => hook.accepted.length === 1);
    assert.equal(hook.requests.length, 4, 'three tries of the refused one, then the next');
    assert.equal(hook.accepted[0]!['id'], next);
    assert.match(log.text(), new RegExp(`"alert":${refused}.*dropped for this channel`));
    assert.equal(queue.cursors.get('webhook'), next);
  });

  it('below minSeverity and driver events (not subscribed) are confirmed without a request', async () => {
    await hook.start();
    start({ minSeverity: 'warn' });
    await sleep(50);
    queue.raise({ severity: 'info', code: 'quiet', message: 'info only' });
    queue.raise({ severity: 'critical', code: 'session-started', message: 'driver event', audience: 'driver' });
    const loud = queue.raise({ severity: 'warn', code: 'loud', message: 'warn' });
    await waitUntil('confirmed', () => queue.cursors.get('webhook') === loud);
    assert.deepEqual(hook.accepted.map((b) => b['code']), ['loud']);
  });

  it('Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-30T08:00:00Z');
    assert.equal(retryAfterMs('120', now), 120_000);
    assert.equal(retryAfterMs('Mon, 30 Nov 2026 08:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('soon', now), null);
    assert.equal(retryAfterMs(null, now), null);
  });
});
