import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { JumpingClock } from '../support/jumping-clock.js';
import { Rig, sleep, waitUntil } from './support/harness.js';

describe('firmware management on loopback', function () {
  this.timeout(20_000);
  let rig: Rig;
  let http: Server;
  let base: string;
  let dir: string;
  const uploads: { fileName: string; body: Buffer }[] = [];
  let firmwareRequests = 0;

  before(async () => {
    http = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/fw/station-1.2.3.bin') {
        firmwareRequests += 1;
        if (firmwareRequests === 1) return void res.writeHead(503).end();
        return void res.writeHead(200).end(Buffer.from('FIRMWARE-IMAGE'));
      }
      if (req.method === 'POST' && req.url === '/upload') {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const match = /filename="([^"]+)"/.exec(String(req.headers['content-disposition']));
          uploads.push({ fileName: match?.[1] ?? '', body: Buffer.concat(chunks) });
          res.writeHead(201).end();
        });
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => http.close(r));
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'evse-fw-'));
    firmwareRequests = 0;
    uploads.length = 0;
  });
  afterEach(async () => {
    await rig.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const statuses = (method: string): unknown[] => rig.csms.callsOf(method).map((s) => s['status']);

  it('UpdateFirmware: downloads (with a retry) to the state directory, runs the install command, reports each step', async () => {
    const installer = join(dir, 'install.sh');
    writeFileSync(installer, `#!/bin/sh\ncp "$1" "${join(dir, 'installed.bin')}"\n`);
    chmodSync(installer, 0o755);
    rig = await Rig.create({ config: { stateDir: join(dir, 'state'), firmwareInstallCommand: [installer] } });
    await rig.waitRegistered();
    const conf = await rig.csms.controls.call('CP1', 'UpdateFirmware', { location: `${base}/fw/station-1.2.3.bin`, retrieveDate: new Date().toISOString(), retries: 2, retryInterval: 0 });
    assert.deepEqual(conf, {});
    await waitUntil(() => statuses('FirmwareStatusNotification').includes('Installed'), 5000, 'Installed');
    assert.deepEqual(statuses('FirmwareStatusNotification'), ['Downloading', 'Downloading', 'Downloaded', 'Installing', 'Installed']);
    const kept = readdirSync(join(dir, 'state', 'firmware'));
    assert.equal(kept.length, 1, `one image in the firmware folder, got ${kept.join(', ')}`);
    assert.match(kept[0] ?? '', /^download-[0-9a-f]{16}-station-1\.2\.3\.bin$/);
    assert.equal(readFileSync(join(dir, 'state', 'firmware', kept[0] ?? ''), 'utf8'), 'FIRMWARE-IMAGE');
    assert.deepEqual(readdirSync(join(dir, 'state')), ['firmware'], 'nothing beside the firmware folder');
    assert.equal(readFileSync(join(dir, 'installed.bin'), 'utf8'), 'FIRMWARE-IMAGE');
  });

  it('UpdateFirmware: DownloadFailed after the retries; InstallationFailed when the installer fails', async () => {
    rig = await Rig.create({ config: { stateDir: join(dir, 'state'), firmwareInstallCommand: ['false'] } });
    await rig.waitRegistered();
    await rig.csms.controls.call('CP1', 'UpdateFirmware', { location: `${base}/fw/missing.bin`, retrieveDate: new Date().toISOString(), retries: 1, retryInterval: 0 });
    await waitUntil(() => statuses('FirmwareStatusNotification').includes('DownloadFailed'), 5000, 'DownloadFailed');
    await rig.csms.controls.call('CP1', 'UpdateFirmware', { location: `${base}/fw/station-1.2.3.bin`, retrieveDate: new Date().toISOString(), retries: 3, retryInterval: 0 });
    await waitUntil(() => statuses('FirmwareStatusNotification').includes('InstallationFailed'), 5000, 'InstallationFailed');
    assert.deepEqual(await rig.csms.controls.call('CP1', 'TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }), { status: 'Accepted' });
    await waitUntil(() => statuses('FirmwareStatusNotification').at(-1) === 'InstallationFailed' && statuses('FirmwareStatusNotification').filter((s) => s === 'InstallationFailed').length === 2, 3000, 'triggered status');
  });

  it('GetDiagnostics uploads a gzipped bundle (configuration without secrets, uplink state, station extras)', async () => {
    rig = await Rig.create({ client: { diagnostics: () => Promise.resolve({ logs: ['line 1', 'line 2'] }) } });
    await rig.waitRegistered();
    const conf = (await rig.csms.controls.call('CP1', 'GetDiagnostics', { location: `${base}/upload` })) as { fileName: string };
    assert.match(conf.fileName, /^diagnostics-CP1-.*\.json\.gz$/);
    await waitUntil(() => statuses('DiagnosticsStatusNotification').includes('Uploaded'), 5000, 'Uploaded');
    assert.equal(uploads[0]?.fileName, conf.fileName);
    const bundle = JSON.parse(gunzipSync(uploads[0]?.body ?? Buffer.alloc(0)).toString()) as Record<string, unknown>;
    assert.deepEqual(bundle['logs'], ['line 1', 'line 2']);
    assert.ok(Array.isArray(bundle['configuration']));
    assert.ok(!JSON.stringify(bundle).includes('AuthorizationKey'));
    assert.deepEqual(await rig.csms.controls.call('CP1', 'GetDiagnostics', { location: 'ftp://example/upload' }), {});
  });

  describe('a retrieveDate far ahead (issue 17: beyond the 2^31−1 ms a host timer takes) is kept to the minute', () => {
    const MINUTE = 60_000;
    const DAY = 24 * 3600_000;
    let clock: JumpingClock;
    afterEach(() => clock.close());

    for (const [label, aheadMs] of [['25 days', 25 * DAY], ['1 year', 365 * DAY], ['10 years', 3652 * DAY]] as const) {
      it(`${label} ahead: not at once, not a minute early, within a minute after`, async () => {
        clock = new JumpingClock();
        rig = await Rig.create({ config: { stateDir: join(dir, 'state') }, client: { clock } });
        await rig.waitRegistered();
        const date = clock.nowMs() + aheadMs;
        assert.deepEqual(await rig.csms.controls.call('CP1', 'UpdateFirmware', { location: `${base}/fw/none.bin`, retrieveDate: new Date(date).toISOString() }), {});
        await sleep(100);
        assert.deepEqual(statuses('FirmwareStatusNotification'), [], 'not at once');
        clock.jump(date - MINUTE - clock.nowMs());
        await sleep(100);
        assert.deepEqual(statuses('FirmwareStatusNotification'), [], 'not a minute early');
        clock.jump(2 * MINUTE);
        await waitUntil(() => statuses('FirmwareStatusNotification').includes('Downloading'), 3000, 'Downloading');
        assert.ok(clock.nowMs() - date <= 2 * MINUTE);
        assert.equal(firmwareRequests, 0, 'the other file was not asked for');
        assert.deepEqual(clock.overflowed, [], 'no host timer was asked for more than 2^31−1 ms');
      });
    }

    it('a retrieveDate in the past starts at once', async () => {
      clock = new JumpingClock();
      rig = await Rig.create({ config: { stateDir: join(dir, 'state') }, client: { clock } });
      await rig.waitRegistered();
      await rig.csms.controls.call('CP1', 'UpdateFirmware', { location: `${base}/fw/none.bin`, retrieveDate: new Date(clock.nowMs() - DAY).toISOString() });
      await waitUntil(() => statuses('FirmwareStatusNotification').includes('Downloading'), 1000, 'Downloading');
    });
  });
});
