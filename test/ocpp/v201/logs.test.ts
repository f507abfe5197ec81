import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { overlapsLogWindow, type LogWindow } from '../../../src/ocpp/v201/logs.js';
import { FirmwareServer } from '../support/firmware-server.js';
import { Rig201, sleep, waitFor } from './rig.js';
import { assertSchema } from './schemas.js';

/** N01 GetLog against the bench CSMS (ocpp2.0.1, strict) with a real HTTP server on loopback taking the uploads. */
describe('OCPP 2.0.1 GetLog (N01) and LogStatusNotification', function () {
  this.timeout(20_000);
  let rig: Rig201 | null = null;
  let server: FirmwareServer;
  let uploads: { path: string; fileName: string | undefined; body: Buffer }[];
  /** HTTP statuses the upload route answers, one per request (then 200). */
  let answers: number[];

  beforeEach(async () => {
    server = await FirmwareServer.start();
    uploads = [];
    answers = [];
    server.fallback = async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const disposition = req.headers['content-disposition'];
      uploads.push({ path: req.url ?? '', fileName: /filename="([^"]+)"/.exec(disposition ?? '')?.[1], body: Buffer.concat(chunks) });
      const status = answers.shift() ?? 200;
      if (status === 0) return void res.destroy();
      res.writeHead(status).end();
    };
  });
  afterEach(async () => {
    await rig?.close();
    rig = null;
    await server.close();
  });

  const logStatuses = (r: Rig201): { status: unknown; requestId: unknown }[] =>
    r.csms.callsOf('LogStatusNotification').map((n) => ({ status: n['status'], requestId: n['requestId'] }));

  it('DiagnosticsLog: Accepted with the file name, Uploading → Uploaded; the bundle is the gzipped JSON with the window asked', async () => {
    // The station's extras see the window asked (src/wiring/uplink.ts keeps the alerts that overlap it).
    const lines = [
      { atMs: Date.parse('2025-12-31T00:00:00.000Z'), text: 'before' },
      { atMs: Date.parse('2026-01-15T00:00:00.000Z'), text: 'line 1' },
      { atMs: Date.parse('2026-03-01T00:00:00.000Z'), text: 'after' },
    ];
    const diagnostics = (window: LogWindow): Promise<Record<string, unknown>> =>
      Promise.resolve({ logs: lines.filter((l) => overlapsLogWindow(window, l.atMs, l.atMs)).map((l) => l.text) });
    rig = await Rig201.create({ client: { diagnostics } });
    const r = rig;
    await r.waitRegistered();
    const params = {
      logType: 'DiagnosticsLog',
      requestId: 7,
      log: { remoteLocation: `${server.base}/logs`, oldestTimestamp: '2026-01-01T00:00:00.000Z', latestTimestamp: '2026-02-01T00:00:00.000Z' },
    };
    const conf = (await r.call('GetLog', params)) as { status: string; filename: string };
    assertSchema('GetLog', 'conf', conf);
    assert.equal(conf.status, 'Accepted');
    assert.match(conf.filename, /^log-7-.*\.json\.gz$/);
    await waitFor(() => logStatuses(r).some((s) => s.status === 'Uploaded'), 5000, 'Uploaded');
    assert.deepEqual(logStatuses(r), [
      { status: 'Uploading', requestId: 7 },
      { status: 'Uploaded', requestId: 7 },
    ]);
    assert.equal(uploads.length, 1);
    assert.equal(uploads[0]?.fileName, conf.filename);
    const bundle = JSON.parse(gunzipSync(uploads[0]?.body ?? Buffer.alloc(0)).toString()) as Record<string, unknown>;
    assert.deepEqual(bundle['logs'], ['line 1']);
    assert.deepEqual(bundle['window'], { oldest: '2026-01-01T00:00:00.000Z', latest: '2026-02-01T00:00:00.000Z' });
    assert.equal((bundle['uplink'] as Record<string, unknown>)['connected'], true);
  });

  it('HTTP failures: 5xx and a reset connection are retried per retries/retryInterval, then UploadFailure; 403 PermissionDenied and 400 BadMessage at once', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    const getLog = (requestId: number, extra: Record<string, unknown> = {}): Promise<unknown> =>
      r.call('GetLog', { logType: 'DiagnosticsLog', requestId, log: { remoteLocation: `${server.base}/up/${requestId}` }, ...extra });
    const finalOf = (requestId: number) => () => logStatuses(r).some((s) => s.requestId === requestId && s.status !== 'Uploading');

    // Three attempts (retries 2, no wait between): a 503, a reset connection, then a 200.
    answers = [503, 0, 200];
    const startedAt = Date.now();
    assert.equal(((await getLog(1, { retries: 2, retryInterval: 0 })) as { status: string }).status, 'Accepted');
    await waitFor(finalOf(1), 5000, 'request 1 final');
    assert.deepEqual(logStatuses(r).filter((s) => s.requestId === 1).map((s) => s.status), ['Uploading', 'Uploading', 'Uploading', 'Uploaded']);
    assert.equal(uploads.length, 3);

    answers = [500, 500, 500];
    await getLog(2, { retries: 1, retryInterval: 1 });
    await sleep(400);
    assert.equal(uploads.length, 4, 'the retry waits for retryInterval (1 s)');
    await waitFor(finalOf(2), 5000, 'request 2 final');
    assert.deepEqual(logStatuses(r).filter((s) => s.requestId === 2).map((s) => s.status), ['Uploading', 'Uploading', 'UploadFailure']);
    assert.equal(uploads.length, 5, 'retries 1: two attempts in all');
    assert.ok(Date.now() - startedAt >= 1000);

    answers = [403];
    await getLog(3, { retries: 3, retryInterval: 0 });
    await waitFor(finalOf(3), 5000, 'request 3 final');
    assert.deepEqual(logStatuses(r).filter((s) => s.requestId === 3).map((s) => s.status), ['Uploading', 'PermissionDenied']);

    answers = [400];
    await getLog(4, { retries: 3, retryInterval: 0 });
    await waitFor(finalOf(4), 5000, 'request 4 final');
    assert.deepEqual(logStatuses(r).filter((s) => s.requestId === 4).map((s) => s.status), ['Uploading', 'BadMessage']);
    assert.equal(uploads.length, 7, 'a refusal of the file or of the station is not retried');
    for (const n of r.csms.callsOf('LogStatusNotification')) assertSchema('LogStatusNotification', 'req', n);
  });

  it('ftp:// and SecurityLog are Rejected with a reason; nothing is uploaded', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    const ftp = (await r.call('GetLog', { logType: 'DiagnosticsLog', requestId: 1, log: { remoteLocation: 'ftp://example.org/logs' } })) as { status: string; statusInfo: { reasonCode: string } };
    assert.equal(ftp.status, 'Rejected');
    assert.equal(ftp.statusInfo.reasonCode, 'UnsupportedProtocol');
    const security = (await r.call('GetLog', { logType: 'SecurityLog', requestId: 2, log: { remoteLocation: `${server.base}/logs` } })) as { status: string };
    assert.equal(security.status, 'Rejected');
    await sleep(100);
    assert.deepEqual(logStatuses(r), []);
    assert.equal(uploads.length, 0);
  });

  it('TriggerMessage LogStatusNotification: Idle with no requestId when none runs; Uploading with its requestId during one; a second GetLog cancels the first', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    assert.deepEqual(await r.call('TriggerMessage', { requestedMessage: 'LogStatusNotification' }), { status: 'Accepted' });
    await waitFor(() => logStatuses(r).length === 1, 3000, 'triggered status');
    assert.deepEqual(r.csms.callsOf('LogStatusNotification')[0], { status: 'Idle' });

    // The server holds the first upload: it is running when the trigger comes.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    server.fallback = async (req, res) => {
      for await (const chunk of req) void chunk;
      await held;
      res.writeHead(200).end();
    };
    await r.call('GetLog', { logType: 'DiagnosticsLog', requestId: 11, log: { remoteLocation: `${server.base}/slow` } });
    await waitFor(() => logStatuses(r).some((s) => s.requestId === 11), 3000, 'Uploading 11');
    await r.call('TriggerMessage', { requestedMessage: 'LogStatusNotification' });
    await waitFor(() => logStatuses(r).length === 3, 3000, 'triggered status while uploading');
    assert.deepEqual(logStatuses(r)[2], { status: 'Uploading', requestId: 11 });

    const second = (await r.call('GetLog', { logType: 'DiagnosticsLog', requestId: 12, log: { remoteLocation: `${server.base}/slow` } })) as { status: string };
    assert.equal(second.status, 'AcceptedCanceled');
    release();
    await waitFor(() => logStatuses(r).some((s) => s.requestId === 12 && s.status === 'Uploaded'), 3000, 'Uploaded 12');
    await sleep(100);
    assert.deepEqual(logStatuses(r).filter((s) => s.requestId === 11).map((s) => s.status), ['Uploading', 'Uploading', 'AcceptedCanceled'], 'the canceled upload is said canceled, then nothing more');
    // Other trigger targets still reach the transaction module's handler.
    assert.deepEqual(await r.call('TriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'Accepted' });
  });
});
