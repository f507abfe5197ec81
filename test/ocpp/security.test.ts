import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger.js';
import { requireTool } from '../support/tools.js';
import { makeTestPki, type TestPki } from './support/certs.js';
import { Rig, sleep } from './support/harness.js';

const KEY = 'correct-horse-battery-1';

describe('security profiles 1-3 on loopback', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let rig: Rig | null = null;

  before(function () {
    requireTool(this, 'openssl');
    pki = makeTestPki();
  });
  after(() => {
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await rig?.close();
    rig = null;
  });

  /** True when the station never got an accepted websocket within `ms`. */
  async function refused(r: Rig, ms = 400): Promise<boolean> {
    await sleep(ms);
    return r.csms.acceptedConnections() === 0 && !r.client.connection.isOpen();
  }

  it('profile 1: HTTP Basic with the AuthorizationKey; a wrong key is refused (and never logged)', async () => {
    rig = await Rig.create({ csms: { passwords: { CP1: KEY } }, config: { securityProfile: 1, authorizationKey: KEY } });
    await rig.waitRegistered();
    await rig.close();
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: 'debug', destination });
    rig = await Rig.create({ csms: { passwords: { CP1: KEY } }, config: { securityProfile: 1, authorizationKey: 'wrong-key-wrong-key' }, client: { logger } });
    assert.ok(await refused(rig));
    assert.ok(lines.some((l) => l.includes('CSMS connection attempt failed')), 'the refusals are logged');
    assert.ok(!lines.some((l) => l.includes('wrong-key-wrong-key')), 'the key is not');
  });

  it('SecurityEventNotification: an untrusted CSMS certificate is journaled once, not once per attempt', async () => {
    const tls = { cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey) };
    rig = await Rig.create({ csms: { tls, passwords: { CP1: KEY } }, config: { securityProfile: 2, authorizationKey: KEY, caFile: pki.otherCaCert } });
    assert.ok(await refused(rig, 300));
    assert.equal(await rig.outbox.depth(), 2, 'StartupOfTheDevice + one InvalidCentralSystemCertificate');
  });

  it('a refused login while the journal is kept: reported after the station gets in', async () => {
    rig = await Rig.create({ csms: { passwords: { CP1: 'right-key-123456' } }, config: { securityProfile: 1, authorizationKey: 'wrong-key-1234567' } });
    assert.ok(await refused(rig, 300));
    const events = await rig.outbox.depth();
    assert.equal(events, 2, 'StartupOfTheDevice + one FailedToAuthenticateAtCentralSystem, however many attempts');
    await rig.client.keys.change('AuthorizationKey', 'right-key-123456');
    await rig.waitRegistered(5000);
    await rig.waitDrained();
    const types = rig.csms.callsOf('SecurityEventNotification').map((e) => e['type']);
    assert.deepEqual(types, ['StartupOfTheDevice', 'FailedToAuthenticateAtCentralSystem', 'ReconfigurationOfSecurityParameters']);
  });

  it('profile 2: TLS with the configured CA plus Basic; a wrong CA and a wrong password are refused', async () => {
    const tls = { cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey) };
    rig = await Rig.create({ csms: { tls, passwords: { CP1: KEY } }, config: { securityProfile: 2, authorizationKey: KEY, caFile: pki.caCert } });
    assert.match(rig.csms.url, /^wss:\/\//);
    await rig.waitRegistered();
    await rig.close();
    rig = await Rig.create({ csms: { tls, passwords: { CP1: KEY } }, config: { securityProfile: 2, authorizationKey: KEY, caFile: pki.otherCaCert } });
    assert.ok(await refused(rig), 'server certificate from an untrusted CA');
    await rig.close();
    rig = await Rig.create({ csms: { tls, passwords: { CP1: KEY } }, config: { securityProfile: 2, authorizationKey: 'not-the-right-key', caFile: pki.caCert } });
    assert.ok(await refused(rig), 'wrong password over TLS');
  });

  it('profile 3: mutual TLS with a client certificate; a missing or untrusted client certificate is refused', async () => {
    const tls = { cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey), ca: pki.read(pki.caCert), requireClientCert: true };
    const base = { securityProfile: 3, caFile: pki.caCert };
    rig = await Rig.create({ csms: { tls }, config: { ...base, clientCertFile: pki.clientCert, clientKeyFile: pki.clientKey } });
    await rig.waitRegistered();
    await rig.close();
    rig = await Rig.create({ csms: { tls }, config: { ...base, securityProfile: 2, authorizationKey: KEY } });
    assert.ok(await refused(rig), 'no client certificate');
    await rig.close();
    rig = await Rig.create({ csms: { tls }, config: { ...base, clientCertFile: pki.strangerCert, clientKeyFile: pki.strangerKey } });
    assert.ok(await refused(rig), 'client certificate from another CA');
  });
});
