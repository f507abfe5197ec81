import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvseError, EvseErrorCode } from '../../src/errors.js';
import { basicAuthPassword, profileTls, readPem, usesBasicAuth } from '../../src/ocpp/uplink-connection.js';

describe('ocpp/uplink-connection (security profiles, shared by 1.6 and 2.0.1)', () => {
  let dir: string;
  let files: { ca: string; cert: string; key: string; missing: string };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'evse-uplink-tls-'));
    files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), missing: join(dir, 'absent.pem') };
    writeFileSync(files.ca, 'CONFIGURED CA');
    writeFileSync(files.cert, 'CLIENT CERT');
    writeFileSync(files.key, 'CLIENT KEY');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const config = (securityProfile: number, paths: Partial<{ caFile: string | null; clientCertFile: string | null; clientKeyFile: string | null }> = {}) => ({
    securityProfile,
    authorizationKey: 'CONFIGURED-KEY-0123',
    caFile: files.ca,
    clientCertFile: files.cert,
    clientKeyFile: files.key,
    ...paths,
  });
  const configError = (field: string) => (err: unknown) =>
    err instanceof EvseError && err.code === EvseErrorCode.ConfigInvalid && err.message.startsWith(`ocpp.${field}: cannot read `);

  it('readPem: null is no file; an unreadable one is a config error naming the field', () => {
    assert.equal(readPem(null, 'caFile'), undefined);
    assert.equal(readPem(files.ca, 'caFile'), 'CONFIGURED CA');
    assert.throws(() => readPem(files.missing, 'clientCertFile'), configError('clientCertFile'));
  });

  it('profiles 0 and 1 read no TLS file (a missing one is no error)', () => {
    for (const profile of [0, 1]) {
      assert.deepEqual(profileTls(config(profile, { caFile: files.missing, clientCertFile: files.missing, clientKeyFile: files.missing }), ['INSTALLED']), {});
    }
  });

  it('profile 2: the configured CA, then the installed ones; none of either: the system store', () => {
    assert.deepEqual(profileTls(config(2)), { ca: 'CONFIGURED CA' });
    assert.deepEqual(profileTls(config(2), ['ROOT A', 'ROOT B']), { ca: 'CONFIGURED CA\nROOT A\nROOT B' });
    assert.deepEqual(profileTls(config(2, { caFile: null }), ['ROOT A']), { ca: 'ROOT A' });
    assert.deepEqual(profileTls(config(2, { caFile: null })), {});
    assert.throws(() => profileTls(config(2, { caFile: files.missing })), configError('caFile'));
  });

  it('profile 3: the client certificate and key too; a missing one is a config error naming it', () => {
    assert.deepEqual(profileTls(config(3)), { ca: 'CONFIGURED CA', cert: 'CLIENT CERT', key: 'CLIENT KEY' });
    assert.throws(() => profileTls(config(3, { clientKeyFile: files.missing })), configError('clientKeyFile'));
  });

  it('the Basic password: profiles 1 and 2 only; the stored one wins over the config’s', () => {
    assert.deepEqual([0, 1, 2, 3].map(usesBasicAuth), [false, true, true, false]);
    assert.equal(basicAuthPassword(config(1), ''), 'CONFIGURED-KEY-0123');
    assert.equal(basicAuthPassword(config(2), 'SET-BY-THE-CSMS-01'), 'SET-BY-THE-CSMS-01');
    assert.equal(basicAuthPassword(config(0), 'SET-BY-THE-CSMS-01'), null);
    assert.equal(basicAuthPassword(config(3), 'SET-BY-THE-CSMS-01'), null);
  });
});
