import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { parseConfig } from '../../src/config/load.js';
import type { EmailConfig } from '../../src/notify/config.js';
import { ChannelDispatcher } from '../../src/notify/dispatcher.js';
import { EmailAlertChannel } from '../../src/notify/email-channel.js';
import { freePort } from '../mqtt/support/mosquitto.js';
import { makeTestPki, type TestPki } from '../ocpp/support/certs.js';
import { capturedLogger, fastTuning, sleep, waitUntil } from './support/helpers.js';
import { MemoryAlertQueue } from './support/memory-queue.js';
import { SmtpListener } from './support/smtp.js';

const PASSWORD = 'smtp-Pa55-q8vX-unique';
const STATION = 'Garage-1';

describe('notify: email channel against a real SMTP listener (smtp-server, STARTTLS, AUTH)', function () {
  this.timeout(20_000);
  let pki: TestPki;
  let smtp: SmtpListener;
  let queue: MemoryAlertQueue;
  let dispatcher: ChannelDispatcher | null = null;
  let log: ReturnType<typeof capturedLogger>;

  before(() => {
    pki = makeTestPki();
  });
  after(() => rmSync(pki.dir, { recursive: true, force: true }));

  beforeEach(async () => {
    smtp = new SmtpListener(await freePort(), { key: readFileSync(pki.serverKey, 'utf8'), cert: readFileSync(pki.serverCert, 'utf8') }, { evse: PASSWORD });
    queue = new MemoryAlertQueue();
    log = capturedLogger();
  });
  afterEach(async () => {
    await dispatcher?.stop();
    dispatcher = null;
    await smtp.stop();
    assert.ok(!log.text().includes(PASSWORD), 'the SMTP password is never logged');
  });

  function emailConfig(extra: Record<string, unknown>): EmailConfig {
    const cfg = parseConfig({
      station: { id: STATION },
      alerts: {
        email: {
          host: '127.0.0.1',
          port: smtp.port,
          secure: 'starttls',
          caFile: pki.caCert,
          username: 'evse',
          password: PASSWORD,
          from: 'station@example.com',
          to: ['ops@example.com', 'owner@example.org'],
          ...extra,
        },
      },
    }).alerts?.email;
    assert.ok(cfg);
    return cfg;
  }

  async function start(extra: Record<string, unknown> = {}): Promise<void> {
    const cfg = emailConfig(extra);
    dispatcher = new ChannelDispatcher({ queue, channel: new EmailAlertChannel(cfg, STATION, log.logger), filter: cfg, log: log.logger, ...fastTuning });
    dispatcher.start();
    await sleep(30);
  }

  it('one alert: one plain-text mail over STARTTLS with AUTH, to every recipient, outside text shown as text', async () => {
    await smtp.start();
    await start({ digestWindowS: 0 });
    const id = queue.raise({ severity: 'critical', code: 'anomaly-energy-without-session', message: 'Energy counted with no session; tag <b>04A1</b> & co.', detail: { evidence: '[{"importWh":10}]' } });
    await waitUntil('the mail', () => smtp.mails.length === 1);
    const mail = smtp.mails[0]!;
    assert.equal(mail.user, 'evse', 'authenticated');
    assert.equal(mail.secure, true, 'over STARTTLS, the server certificate checked against alerts.email.caFile');
    assert.equal(mail.from, 'station@example.com');
    assert.deepEqual(mail.to, ['ops@example.com', 'owner@example.org']);
    assert.equal(mail.subject, `[EVSE ${STATION}] critical: anomaly-energy-without-session`);
    assert.match(mail.contentType, /^text\/plain/, 'plain text only: no HTML part an id tag could inject into');
    assert.doesNotMatch(mail.raw, /text\/html/);
    assert.match(mail.text, /tag <b>04A1<\/b> & co\./);
    assert.match(mail.text, new RegExp(`alert #${id}`));
    assert.match(mail.text, /evidence: .*importWh/);
    await waitUntil('confirmed', () => queue.cursors.get('email') === id);
  });

  it('a burst within the digest window: one mail "3 alerts at station X" listing them', async () => {
    await smtp.start();
    await start({ digestWindowS: 0.4 });
    queue.raise({ severity: 'warn', code: 'anomaly-over-offer', message: 'first' });
    await sleep(50);
    queue.raise({ severity: 'critical', code: 'anomaly-energy-while-open', message: 'second' });
    await sleep(50);
    const third = queue.raise({ severity: 'warn', code: 'anomaly-phase-imbalance', message: 'third' });
    await waitUntil('the digest', () => smtp.mails.length === 1);
    await sleep(600);
    assert.equal(smtp.mails.length, 1, 'one mail for the burst');
    const mail = smtp.mails[0]!;
    assert.equal(mail.subject, `3 alerts at station ${STATION}`);
    for (const what of ['anomaly-over-offer', 'anomaly-energy-while-open', 'anomaly-phase-imbalance', 'first', 'second', 'third']) assert.ok(mail.text.includes(what), what);
    assert.equal(queue.cursors.get('email'), third);
  });

  it('below minSeverity (default warn) and driver events are not mailed', async () => {
    await smtp.start();
    await start({ digestWindowS: 0 });
    queue.raise({ severity: 'info', code: 'info-only', message: 'not for email' });
    queue.raise({ severity: 'warn', code: 'session-started', message: 'a driver event', audience: 'driver' });
    const warn = queue.raise({ severity: 'warn', code: 'mailed', message: 'for email' });
    await waitUntil('confirmed', () => queue.cursors.get('email') === warn);
    await sleep(100);
    assert.deepEqual(smtp.mails.map((m) => m.subject), [`[EVSE ${STATION}] warn: mailed`]);
  });

  it('a refused mail (451) and a server that is down: the whole digest retried with backoff, delivered once', async () => {
    await start({ digestWindowS: 0.1 });
    queue.raise({ severity: 'warn', code: 'one', message: 'one' });
    queue.raise({ severity: 'warn', code: 'two', message: 'two' });
    await waitUntil('failed tries while down', () => log.text().split('alert delivery failed').length > 2);
    smtp.rejectNext = 1;
    await smtp.start();
    await waitUntil('the digest', () => smtp.mails.length === 1);
    await sleep(300);
    assert.equal(smtp.mails.length, 1);
    assert.equal(smtp.mails[0]!.subject, `2 alerts at station ${STATION}`);
    assert.match(log.text(), /451/, 'the refusal was seen and retried');
    assert.match(log.text(), /"channel":"email"/);
  });

  it('a wrong password: logged as an auth failure without the password, nothing confirmed', async () => {
    await smtp.start();
    const cfg = emailConfig({ digestWindowS: 0, password: `${PASSWORD}-wrong` });
    dispatcher = new ChannelDispatcher({ queue, channel: new EmailAlertChannel(cfg, STATION, log.logger), filter: cfg, log: log.logger, ...fastTuning });
    dispatcher.start();
    await sleep(30);
    queue.raise({ severity: 'critical', code: 'x', message: 'x' });
    await waitUntil('an auth failure', () => smtp.authFailures.length >= 2);
    assert.equal(queue.cursors.get('email'), 0);
    assert.match(log.text(), /EAUTH/);
    assert.ok(!log.text().includes(`${PASSWORD}-wrong`));
  });
});
