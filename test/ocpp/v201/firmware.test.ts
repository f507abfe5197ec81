import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSign } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirmwareServer } from '../support/firmware-server.js';
import { Rig201, sleep, waitFor } from './rig.js';
import { assertSchema } from './schemas.js';

/** A manufacturer root, a firmware-signing certificate it issued, and one from a stranger root (openssl, RSA). */
function makeSigningPki(): { dir: string; root: string; signingCert: string; signingKey: string; strangerCert: string; strangerKey: string } {
  const dir = mkdtempSync(join(tmpdir(), 'evse-fw-pki-'));
  const openssl = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const root = (name: string): void => openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`]);
  const leaf = (name: string, ca: string): void => {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2']);
  };
  root('maker');
  root('stranger-root');
  leaf('signer', 'maker');
  leaf('stranger', 'stranger-root');
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  return { dir, root: read('maker.crt'), signingCert: read('signer.crt'), signingKey: read('signer.key'), strangerCert: read('stranger.crt'), strangerKey: read('stranger.key') };
}

const sign = (image: Buffer, keyPem: string): string => createSign('RSA-SHA256').update(image).sign(keyPem, 'base64');

/** L01 against the bench CSMS (ocpp2.0.1, strict) with a real HTTP server serving the image. */
describe('OCPP 2.0.1 UpdateFirmware (L01)', function () {
  this.timeout(30_000);
  const image = Buffer.from('firmware image v2 '.repeat(5000));
  let pki: ReturnType<typeof makeSigningPki>;
  let server: FirmwareServer;
  let rig: Rig201 | null = null;
  let installDir: string;
  let gets: number;
  /** HTTP statuses the image route answers, one per request (then 200). */
  let answers: number[];

  before(() => {
    pki = makeSigningPki();
  });
  after(() => rmSync(pki.dir, { recursive: true, force: true }));
  beforeEach(async () => {
    server = await FirmwareServer.start();
    gets = 0;
    answers = [];
    installDir = mkdtempSync(join(tmpdir(), 'evse-fw-install-'));
    server.route('/fw.bin', (_req, res) => {
      gets += 1;
      const status = answers.shift() ?? 200;
      if (status !== 200) return void res.writeHead(status).end();
      res.writeHead(200, { 'content-length': String(image.length) }).end(image);
    });
  });
  afterEach(async () => {
    await rig?.close();
    rig = null;
    await server.close();
    rmSync(installDir, { recursive: true, force: true });
  });

  /** A rig with this install command (the image's path appended). */
  async function create(installCommand: string[]): Promise<Rig201> {
    const r = await Rig201.create({ config: { firmwareInstallCommand: installCommand } });
    rig = r;
    await r.waitRegistered();
    return r;
  }

  const statuses = (r: Rig201, requestId?: number): unknown[] =>
    r.csms
      .callsOf('FirmwareStatusNotification')
      .filter((n) => requestId === undefined || n['requestId'] === requestId)
      .map((n) => n['status']);
  const securityEvents = (r: Rig201): unknown[] => r.csms.callsOf('SecurityEventNotification').map((e) => e['type']);
  const update = (r: Rig201, requestId: number, firmware: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<unknown> =>
    r.call('UpdateFirmware', { requestId, firmware: { location: `${server.base}/fw.bin`, retrieveDateTime: new Date().toISOString(), ...firmware }, ...extra });
  const installRoot = (r: Rig201): Promise<unknown> => r.call('InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: pki.root });
  const finished = (r: Rig201, requestId: number) => () => ['Installed', 'InstallationFailed', 'InvalidSignature', 'DownloadFailed'].some((s) => statuses(r, requestId).includes(s));

  /** An installer script: copies the image it is given into installDir (exit 1 when told to fail). */
  function installer(fail = false): string[] {
    const script = join(installDir, 'install.sh');
    writeFileSync(script, fail ? '#!/bin/sh\nexit 1\n' : `#!/bin/sh\ncp "$1" "${join(installDir, 'installed.bin')}"\n`, { mode: 0o755 });
    return [script];
  }

  it('signed by a certificate of the installed manufacturer root: Downloading → Downloaded → SignatureVerified → Installing → Installed; the installer got the image', async () => {
    const r = await create(installer());
    assert.deepEqual(await installRoot(r), { status: 'Accepted' });
    const conf = await update(r, 21, { signingCertificate: pki.signingCert, signature: sign(image, pki.signingKey) });
    assertSchema('UpdateFirmware', 'conf', conf);
    assert.deepEqual(conf, { status: 'Accepted' });
    await waitFor(finished(r, 21), 10_000, 'the update');
    assert.deepEqual(statuses(r, 21), ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'Installed']);
    for (const n of r.csms.callsOf('FirmwareStatusNotification')) assertSchema('FirmwareStatusNotification', 'req', n);
    assert.deepEqual(readFileSync(join(installDir, 'installed.bin')), image);
    await r.csms.waitFor(() => securityEvents(r).includes('FirmwareUpdated'), 3000, 'FirmwareUpdated');
    // The next start says why it restarted.
    await r.restart();
    await r.waitRegistered();
    assert.equal(r.csms.callsOf('BootNotification').at(-1)?.['reason'], 'FirmwareUpdate');
  });

  it('a signature that does not match the image: InvalidSignature, nothing installed, the image deleted, InvalidFirmwareSignature event', async () => {
    const r = await create(installer());
    await installRoot(r);
    const tampered = Buffer.from(image);
    tampered[10] = 0x41;
    assert.deepEqual(await update(r, 22, { signingCertificate: pki.signingCert, signature: sign(tampered, pki.signingKey) }), { status: 'Accepted' });
    await waitFor(finished(r, 22), 10_000, 'the update');
    assert.deepEqual(statuses(r, 22), ['Downloading', 'Downloaded', 'InvalidSignature']);
    assert.throws(() => readFileSync(join(installDir, 'installed.bin')));
    assert.deepEqual(readdirSync(join(r.dir, 'firmware')).filter((f) => !f.startsWith('.')), [], 'no image left behind');
    await r.csms.waitFor(() => securityEvents(r).includes('InvalidFirmwareSignature'), 3000, 'InvalidFirmwareSignature');
  });

  it('a signing certificate of another root, or none installed: InvalidCertificate at once, nothing downloaded; half a signing pair: Rejected', async () => {
    const r = await create(installer());
    const noRoot = (await update(r, 23, { signingCertificate: pki.signingCert, signature: sign(image, pki.signingKey) })) as { status: string };
    assert.equal(noRoot.status, 'InvalidCertificate');
    await installRoot(r);
    const stranger = (await update(r, 24, { signingCertificate: pki.strangerCert, signature: sign(image, pki.strangerKey) })) as { status: string };
    assertSchema('UpdateFirmware', 'conf', stranger);
    assert.equal(stranger.status, 'InvalidCertificate');
    const half = (await update(r, 25, { signature: sign(image, pki.signingKey) })) as { status: string };
    assert.equal(half.status, 'Rejected');
    await r.csms.waitFor(() => securityEvents(r).filter((e) => e === 'InvalidFirmwareSigningCertificate').length === 2, 3000, 'two InvalidFirmwareSigningCertificate');
    await sleep(100);
    assert.equal(gets, 0);
    assert.deepEqual(statuses(r), []);
  });

  it('download failures retried per retries/retryInterval, then DownloadFailed; an installer that fails: InstallationFailed; TriggerMessage gives Idle when none runs', async () => {
    const r = await create(installer(true));
    answers = [500, 500, 500];
    await update(r, 26, {}, { retries: 2, retryInterval: 0 });
    await waitFor(finished(r, 26), 10_000, 'the failed download');
    assert.deepEqual(statuses(r, 26), ['Downloading', 'Downloading', 'Downloading', 'DownloadFailed']);
    assert.equal(gets, 3);

    await update(r, 27);
    await waitFor(finished(r, 27), 10_000, 'the failed install');
    assert.deepEqual(statuses(r, 27), ['Downloading', 'Downloaded', 'Installing', 'InstallationFailed'], 'unsigned: no signature step');

    assert.deepEqual(await r.call('TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }), { status: 'Accepted' });
    await waitFor(() => r.csms.callsOf('FirmwareStatusNotification').some((n) => n['status'] === 'Idle'), 3000, 'Idle');
    assert.deepEqual(r.csms.callsOf('FirmwareStatusNotification').at(-1), { status: 'Idle' });
  });

  it('a retrieveDateTime ahead: DownloadScheduled, nothing fetched before it; a second UpdateFirmware meanwhile: AcceptedCanceled, and the first never downloads', async () => {
    const r = await create(installer());
    await update(r, 28, { retrieveDateTime: new Date(Date.now() + 60_000).toISOString() });
    await waitFor(() => statuses(r, 28).includes('DownloadScheduled'), 3000, 'DownloadScheduled');
    assert.deepEqual(await r.call('TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }), { status: 'Accepted' });
    await waitFor(() => statuses(r, 28).length === 2, 3000, 'the triggered status');
    assert.deepEqual(statuses(r, 28), ['DownloadScheduled', 'DownloadScheduled']);
    assert.equal(gets, 0);
    assert.deepEqual(await update(r, 29), { status: 'AcceptedCanceled' });
    await waitFor(finished(r, 29), 10_000, 'the second update');
    assert.deepEqual(statuses(r, 29), ['Downloading', 'Downloaded', 'Installing', 'Installed']);
    assert.equal(gets, 1);
    assert.deepEqual(statuses(r, 28), ['DownloadScheduled', 'DownloadScheduled']);
  });
});
