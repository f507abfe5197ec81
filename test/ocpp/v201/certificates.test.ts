import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeTestPki, type TestPki } from '../support/certs.js';
import { STATION } from '../support/harness.js';
import { Rig201 } from './rig.js';

type HashData = { hashAlgorithm: string; issuerNameHash: string; issuerKeyHash: string; serialNumber: string };

/** What openssl says the OCSP CertID of a self-issued certificate is: the independent oracle of the hash data. */
function opensslHashData(pki: TestPki, cert: string): HashData {
  const req = join(pki.dir, 'req.der');
  execFileSync('openssl', ['ocsp', '-sha256', '-issuer', cert, '-cert', cert, '-no_nonce', '-reqout', req], { stdio: 'ignore' });
  const text = execFileSync('openssl', ['ocsp', '-reqin', req, '-req_text'], { encoding: 'utf8' });
  const field = (name: string): string => new RegExp(`${name}: ([0-9A-F]+)`).exec(text)?.[1] ?? '';
  return { hashAlgorithm: 'SHA256', issuerNameHash: field('Issuer Name Hash'), issuerKeyHash: field('Issuer Key Hash'), serialNumber: field('Serial Number') };
}

describe('OCPP 2.0.1 CA certificates (M03–M05) on loopback', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let rig: Rig201 | null = null;
  before(() => {
    pki = makeTestPki();
  });
  after(() => rmSync(pki.dir, { recursive: true, force: true }));
  afterEach(async () => {
    await rig?.close();
    rig = null;
  });

  it('installs a root under the state directory, lists it with the hashes openssl computes, deletes it by them', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    const pem = pki.read(pki.caCert);
    assert.deepEqual(await r.call('InstallCertificate', { certificateType: 'MORootCertificate', certificate: pem }), { status: 'Accepted' });
    assert.deepEqual(await r.call('InstallCertificate', { certificateType: 'MORootCertificate', certificate: pem }), { status: 'Accepted' }, 'again: still one');
    assert.equal(readdirSync(join(r.dir, 'certificates', 'MORootCertificate')).length, 1);

    const expected = opensslHashData(pki, pki.caCert);
    const listed = (await r.call('GetInstalledCertificateIds', {})) as { status: string; certificateHashDataChain: { certificateType: string; certificateHashData: HashData }[] };
    assert.equal(listed.status, 'Accepted');
    assert.deepEqual(listed.certificateHashDataChain, [
      {
        certificateType: 'MORootCertificate',
        certificateHashData: {
          hashAlgorithm: 'SHA256',
          issuerNameHash: expected.issuerNameHash.toLowerCase(),
          issuerKeyHash: expected.issuerKeyHash.toLowerCase(),
          serialNumber: expected.serialNumber.replace(/^0+/, '').toLowerCase(),
        },
      },
    ]);
    assert.deepEqual(await r.call('GetInstalledCertificateIds', { certificateType: ['CSMSRootCertificate'] }), { status: 'NotFound' });

    await r.restart();
    await r.waitRegistered();
    // Deleted by openssl's (upper-case) spelling of the same hashes: hex is compared case-insensitively.
    assert.deepEqual(await r.call('DeleteCertificate', { certificateHashData: expected }), { status: 'Accepted' }, 'kept across a restart');
    assert.deepEqual(await r.call('GetInstalledCertificateIds', {}), { status: 'NotFound' });
    assert.deepEqual(await r.call('DeleteCertificate', { certificateHashData: expected }), { status: 'NotFound' });
    await r.csms.waitFor(() => r.csms.callsOf('SecurityEventNotification').filter((e) => e['type'] === 'ReconfigurationOfSecurityParameters').length === 2, 3000, 'two security events');
  });

  it('refuses what is not a root certificate, and text that is not a certificate', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    assert.deepEqual(await r.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: pki.read(pki.serverCert) }), {
      status: 'Rejected',
      statusInfo: { reasonCode: 'NotRootCertificate' },
    });
    assert.deepEqual(await r.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: '-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----' }), {
      status: 'Rejected',
      statusInfo: { reasonCode: 'InvalidCertificate' },
    });
    assert.equal(existsSync(join(r.dir, 'certificates', 'CSMSRootCertificate')), false);
  });

  it('an installed CSMS root is trusted for TLS from the next start; the last one is not deleted while the link needs it', async () => {
    const password = 'tls-password-00001';
    rig = await Rig201.create({
      csms: { tls: { cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey) }, passwords: { [STATION.id]: password } },
      config: { securityProfile: 2, authorizationKey: password, caFile: pki.caCert },
    });
    const r = rig;
    await r.waitRegistered();
    assert.deepEqual(await r.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: pki.read(pki.caCert) }), { status: 'Accepted' });
    // The config no longer names a CA: only the installed root can make the TLS link.
    await r.restart({ caFile: null });
    await r.waitRegistered();
    const inUse = (await r.call('DeleteCertificate', { certificateHashData: opensslHashData(pki, pki.caCert) })) as { status: string };
    assert.equal(inUse.status, 'Failed');
    assert.equal(((await r.call('GetInstalledCertificateIds', {})) as { status: string }).status, 'Accepted', 'still installed');
  });
});
