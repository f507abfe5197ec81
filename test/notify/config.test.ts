import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { EvseError, EvseErrorCode } from '../../src/errors.js';

/** Refused at load: ConfigInvalid, naming `field`, and (for a secret) without its value. */
const refusedNaming = (input: unknown, field: string, hidden?: string): void => {
  assert.throws(
    () => parseConfig(input),
    (err: unknown) => {
      assert.ok(err instanceof EvseError, String(err));
      assert.equal(err.code, EvseErrorCode.ConfigInvalid);
      // The field itself, or one element of it (`alerts.email.to.1:`).
      assert.ok(err.message.includes(`${field}:`) || err.message.includes(`${field}.`), `names ${field}: ${err.message}`);
      if (hidden !== undefined) assert.ok(!err.message.includes(hidden), `does not show the secret: ${err.message}`);
      return true;
    },
    JSON.stringify(input),
  );
};

const hook = { url: 'https://ops.example.com/hook', secret: 's3' };
const mail = { host: 'smtp.example.com', from: 'evse@example.com', to: 'ops@example.com' };

describe('alerts config section (issue 13, Bad input)', () => {
  it('absent: no channel; a channel given: enabled, with its defaults', () => {
    assert.equal(parseConfig({}).alerts, undefined);
    const cfg = parseConfig({ alerts: { csms: {}, webhook: hook, email: mail } }).alerts;
    assert.deepEqual(cfg?.csms, { enabled: true, minSeverity: 'warn', driverEvents: false });
    assert.deepEqual(cfg?.webhook, { ...hook, enabled: true, minSeverity: 'info', driverEvents: false, timeoutS: 10 });
    assert.equal(cfg?.email?.port, 587);
    assert.equal(cfg?.email?.secure, 'starttls');
    assert.equal(cfg?.email?.minSeverity, 'warn');
    assert.equal(cfg?.email?.digestWindowS, 60);
    assert.equal(cfg?.email?.driverEvents, false);
    assert.equal(parseConfig({ mqtt: { url: 'mqtt://b' }, alerts: { mqtt: {} } }).alerts?.mqtt?.driverEvents, true, 'home automation is the driver’s own');
  });

  for (const url of ['ftp://ops.example.com/hook', 'file:///etc/passwd', 'javascript:alert(1)', 'ops.example.com/hook', 'http://', '', 'https://user:pw@ops.example.com/hook']) {
    it(`refuses the webhook URL ${JSON.stringify(url)}, naming alerts.webhook.url`, () => {
      refusedNaming({ alerts: { webhook: { ...hook, url } } }, 'alerts.webhook.url');
    });
  }

  it('refuses an empty webhook secret, naming alerts.webhook.secret', () => {
    refusedNaming({ alerts: { webhook: { ...hook, secret: '' } } }, 'alerts.webhook.secret');
    refusedNaming({ alerts: { webhook: { url: hook.url } } }, 'alerts.webhook.secret');
  });

  it('a refused secret or password is named, never shown', () => {
    const long = `x${'y'.repeat(1000)}-the-secret`;
    refusedNaming({ alerts: { webhook: { ...hook, secret: long } } }, 'alerts.webhook.secret', 'the-secret');
    refusedNaming({ alerts: { email: { ...mail, password: `${'p'.repeat(500)}-the-password` } } }, 'alerts.email.password', 'the-password');
  });

  for (const port of [0, -25, 65536, 70000, 25.5]) {
    it(`refuses the SMTP port ${port}, naming alerts.email.port`, () => {
      refusedNaming({ alerts: { email: { ...mail, port } } }, 'alerts.email.port');
    });
  }

  for (const [field, value] of [
    ['from', 'not-an-address'],
    ['from', 'ops@'],
    ['to', 'ops example.com'],
    ['to', ['ops@example.com', 'bad@']],
    ['to', []],
  ] as const) {
    it(`refuses the email ${field} ${JSON.stringify(value)}, naming alerts.email.${field}`, () => {
      refusedNaming({ alerts: { email: { ...mail, [field]: value } } }, `alerts.email.${field}`);
    });
  }

  it('refuses an unknown severity, a typo of a key, and TLS off', () => {
    refusedNaming({ alerts: { csms: { minSeverity: 'error' } } }, 'alerts.csms.minSeverity');
    refusedNaming({ alerts: { webhook: { ...hook, secrett: 'x' } } }, 'alerts.webhook');
    refusedNaming({ alerts: { email: { ...mail, secure: 'none' } } }, 'alerts.email.secure');
  });

  it('refuses the MQTT alert channel without an mqtt section (no broker to publish to)', () => {
    refusedNaming({ alerts: { mqtt: {} } }, 'alerts.mqtt');
    assert.equal(parseConfig({ alerts: { mqtt: { enabled: false } } }).alerts?.mqtt?.enabled, false, 'switched off: no broker needed');
  });
});
