import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import { FirmwareServer } from './support/firmware-server.js';
import { Rig, sleep, waitUntil } from './support/harness.js';

/**
 * OCPP 1.6 Firmware/DiagnosticsStatusNotification go through the real journal's outbox: a job that ends while the
 * link is down reports every status after reconnect, once each, in order (the bench CSMS validates ocpp1.6 strictly).
 */
describe('1.6 firmware and diagnostics statuses survive an outage (real journal outbox, loopback)', function () {
  this.timeout(20_000);
  let server: FirmwareServer;
  let stateDir: string;
  let journal: Journal;
  let rig: Rig | null = null;
  let release: () => void;
  let held: Promise<void>;

  beforeEach(async () => {
    server = await FirmwareServer.start();
    held = new Promise<void>((resolve) => (release = resolve));
    stateDir = mkdtempSync(join(tmpdir(), 'evse-fw16-'));
    journal = await openJournal({ stateDir, holder: 'firmware offline test' });
  });
  afterEach(async () => {
    release();
    await rig?.close();
    rig = null;
    await journal.close();
    await server.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  async function station(): Promise<Rig> {
    rig = await Rig.create({ config: { stateDir, firmwareInstallCommand: ['true'] }, client: { outbox: journal, kv: journal } });
    await rig.waitRegistered();
    return rig;
  }

  /** What the CSMS received and what it answered, in order (a resent call would show twice in the first). */
  function seen(r: Rig, method: string): { received: unknown[]; answered: unknown[] } {
    const calls = new Map<string, unknown>();
    const answered: unknown[] = [];
    for (const m of r.csms.messages) {
      if (m.type === 'CALL' && !m.outbound && m.method === method) calls.set(m.messageId, (m.payload as { status?: unknown }).status);
      if (m.type === 'CALLRESULT' && m.outbound && m.method === method) answered.push(calls.get(m.messageId));
    }
    return { received: r.csms.callsOf(method).map((p) => p['status']), answered };
  }

  it('FirmwareStatusNotification: the image arrives while offline; Downloaded, Installing, Installed reach the CSMS after reconnect', async () => {
    const image = Buffer.from('FIRMWARE-IMAGE-16 '.repeat(500));
    server.route('/fw.bin', async (_req, res) => {
      await held;
      res.writeHead(200, { 'content-length': String(image.length) }).end(image);
    });
    const r = await station();
    assert.deepEqual(await r.csms.controls.call('CP1', 'UpdateFirmware', { location: `${server.base}/fw.bin`, retrieveDate: new Date().toISOString() }), {});
    await waitUntil(() => seen(r, 'FirmwareStatusNotification').answered.length === 1, 5000, 'Downloading');
    await sleep(50);
    await r.csms.controls.goDown();
    release();
    // The whole job runs while the link is down; its statuses wait in the journal.
    await r.client.firmware.running();
    assert.equal(await journal.depth(), 3, 'Downloaded, Installing, Installed queued offline');
    assert.deepEqual(seen(r, 'FirmwareStatusNotification').received, ['Downloading']);
    await r.csms.controls.comeBack();
    const expected = ['Downloading', 'Downloaded', 'Installing', 'Installed'];
    await waitUntil(() => seen(r, 'FirmwareStatusNotification').answered.length === 4, 5000, 'Installed');
    assert.deepEqual(seen(r, 'FirmwareStatusNotification'), { received: expected, answered: expected });
  });

  it('DiagnosticsStatusNotification: an upload that ends while offline reports Uploaded after reconnect', async () => {
    server.fallback = async (req, res) => {
      for await (const _chunk of req) void _chunk;
      await held;
      res.writeHead(201).end();
    };
    const r = await station();
    const conf = (await r.csms.controls.call('CP1', 'GetDiagnostics', { location: `${server.base}/upload` })) as { fileName?: string };
    assert.match(String(conf.fileName), /^diagnostics-/);
    await waitUntil(() => seen(r, 'DiagnosticsStatusNotification').answered.length === 1, 5000, 'Uploading');
    await sleep(50);
    await r.csms.controls.goDown();
    release();
    await r.client.firmware.running();
    assert.equal(await journal.depth(), 1, 'Uploaded queued offline');
    assert.deepEqual(seen(r, 'DiagnosticsStatusNotification').received, ['Uploading']);
    await r.csms.controls.comeBack();
    await waitUntil(() => seen(r, 'DiagnosticsStatusNotification').answered.length === 2, 5000, 'Uploaded');
    assert.deepEqual(seen(r, 'DiagnosticsStatusNotification'), { received: ['Uploading', 'Uploaded'], answered: ['Uploading', 'Uploaded'] });
  });
});
