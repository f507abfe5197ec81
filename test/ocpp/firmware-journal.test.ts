import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { EvseError, EvseErrorCode } from '../../src/errors.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import { bodyDigest, FirmwareServer, streamBody, type SentBody } from './support/firmware-server.js';
import { Rig, sleep, waitUntil } from './support/harness.js';

const MiB = 1024 * 1024;

/**
 * Issue 12 defect f, end to end: UpdateFirmware from a real websocket CSMS, the real SQLite journal in the state
 * directory (the wiring's default: downloads under the journal's own folder), a real HTTP server on loopback.
 */
describe('firmware downloads cannot touch the journal (real journal, real CSMS, real HTTP)', function () {
  this.timeout(30_000);
  let server: FirmwareServer;
  let stateDir: string;
  let journal: Journal;
  let rig: Rig | null;

  before(async () => {
    server = await FirmwareServer.start();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(async () => {
    server.reset();
    rig = null;
    stateDir = mkdtempSync(join(tmpdir(), 'evse-fwj-'));
    journal = await openJournal({ stateDir, holder: 'firmware test' });
    await journal.set('test', 'marker', { written: 'before the download' });
  });
  afterEach(async () => {
    await rig?.close();
    await journal.close().catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  });

  async function station(config: { firmwareMaxBytes?: number } = {}): Promise<Rig> {
    rig = await Rig.create({ config: { stateDir, ...config }, client: { outbox: journal, kv: journal } });
    await rig.waitRegistered();
    return rig;
  }

  const statuses = (): unknown[] => rig?.csms.callsOf('FirmwareStatusNotification').map((s) => s['status']) ?? [];
  const firmwareFiles = (): string[] => (existsSync(join(stateDir, 'firmware')) ? readdirSync(join(stateDir, 'firmware')).sort() : []);

  async function updateFirmware(path: string, extra: { retries?: number; retryInterval?: number } = {}): Promise<void> {
    const conf = await rig!.csms.controls.call('CP1', 'UpdateFirmware', { location: `${server.base}${path}`, retrieveDate: new Date().toISOString(), ...extra });
    assert.deepEqual(conf, {});
  }

  /** The journal is still a SQLite database with what was in it, and still takes writes; its lock is its own. */
  async function assertJournalIntact(what: string): Promise<void> {
    assert.equal(readFileSync(join(stateDir, 'journal.db')).subarray(0, 16).toString('latin1'), 'SQLite format 3\0', `${what}: journal.db is still SQLite`);
    assert.match(readFileSync(join(stateDir, 'journal.lock'), 'utf8'), /firmware test/, `${what}: journal.lock is the lock`);
    const extra = readdirSync(stateDir).filter((f) => !['firmware', 'journal.db', 'journal.db-wal', 'journal.db-shm', 'journal.lock'].includes(f));
    assert.deepEqual(extra, [], `${what}: nothing else beside the journal`);
    await journal.set('test', 'after', what);
    assert.deepEqual(await journal.get('test', 'marker'), { written: 'before the download' });
  }

  for (const hostile of ['/../../journal.db', '/journal.db', '/%2e%2e%2fjournal.db', '/fw/journal.lock', '/.journal.db-wal']) {
    it(`a location ending in ${hostile} lands in firmware/, the journal is untouched (and reopens with its data)`, async () => {
      server.fallback = async (_req, res) => {
        res.writeHead(200, { 'content-length': String(256 * 1024) });
        await streamBody(res, 256 * 1024);
      };
      await station();
      await updateFirmware(hostile);
      await waitUntil(() => statuses().includes('Installed') || statuses().includes('DownloadFailed'), 10_000, 'the update to end');
      assert.deepEqual(statuses(), ['Downloading', 'Downloaded', 'Installing', 'Installed']);
      await assertJournalIntact(hostile);
      const files = firmwareFiles();
      assert.equal(files.length, 1, files.join(', '));
      assert.match(files[0] ?? '', /^download-[0-9a-f]{16}-[A-Za-z0-9][A-Za-z0-9._-]*$/);
      assert.equal(createHash('sha256').update(readFileSync(join(stateDir, 'firmware', files[0] ?? ''))).digest('hex'), bodyDigest(256 * 1024));
      await rig!.close();
      rig = null;
      await journal.close();
      journal = await openJournal({ stateDir, holder: 'firmware test' });
      assert.deepEqual(await journal.get('test', 'marker'), { written: 'before the download' }, 'the journal reopens with its data');
      assert.equal(await journal.get('test', 'after'), hostile);
    });
  }

  it('a Content-Length above ocpp.firmwareMaxBytes is refused at once: DownloadFailed without retries, no file', async () => {
    let sent = null as SentBody | null;
    server.route('/fw/too-big.bin', async (_req, res) => {
      res.writeHead(200, { 'content-length': String(64 * MiB) });
      sent = await streamBody(res, 64 * MiB);
    });
    await station({ firmwareMaxBytes: MiB });
    await updateFirmware('/fw/too-big.bin', { retries: 3, retryInterval: 0 });
    await waitUntil(() => statuses().includes('DownloadFailed'), 10_000, 'DownloadFailed');
    await waitUntil(() => sent !== null, 5000, 'the server saw the connection close');
    assert.deepEqual(statuses(), ['Downloading', 'DownloadFailed'], 'no retry: the same file would be too large again');
    assert.deepEqual(server.requests, ['/fw/too-big.bin']);
    assert.equal(sent!.clientClosedEarly, true);
    assert.deepEqual(firmwareFiles(), []);
    await assertJournalIntact('too large');
  });

  it('a body without Content-Length that passes ocpp.firmwareMaxBytes is aborted: DownloadFailed, no file', async () => {
    let sent = null as SentBody | null;
    server.route('/fw/endless.bin', async (_req, res) => {
      res.writeHead(200);
      sent = await streamBody(res, 64 * MiB);
    });
    await station({ firmwareMaxBytes: MiB });
    await updateFirmware('/fw/endless.bin', { retries: 2, retryInterval: 0 });
    await waitUntil(() => statuses().includes('DownloadFailed'), 10_000, 'DownloadFailed');
    await waitUntil(() => sent !== null, 5000, 'the server saw the connection close');
    assert.deepEqual(statuses(), ['Downloading', 'DownloadFailed']);
    assert.equal(sent!.clientClosedEarly, true);
    assert.ok(sent!.bytes < 16 * MiB, `the server sent ${sent!.bytes} bytes`);
    assert.deepEqual(firmwareFiles(), []);
  });

  it('a connection reset midway leaves no partial file, and the retry downloads the whole image', async () => {
    const total = 4 * MiB;
    let attempt = 0;
    let partialSeenMidway = false;
    server.route('/fw/flaky.bin', async (req, res) => {
      attempt += 1;
      res.writeHead(200, { 'content-length': String(total) });
      if (attempt > 1) return void (await streamBody(res, total));
      await streamBody(res, MiB, { end: false });
      await waitUntil(() => firmwareFiles().some((f) => f.endsWith('.part')), 5000, 'the partial file of the first attempt');
      partialSeenMidway = true;
      req.socket.resetAndDestroy();
    });
    await station();
    await updateFirmware('/fw/flaky.bin', { retries: 1, retryInterval: 2 });
    await waitUntil(() => statuses().length === 1 && attempt === 1 && partialSeenMidway, 5000, 'the first attempt to be reset');
    // Between the attempts (2 s apart): the partial file of the first one is gone, not left for a sweep.
    await waitUntil(() => firmwareFiles().length === 0, 1500, 'the partial file to be deleted');
    assert.equal(attempt, 1, 'deleted before the retry began');
    await waitUntil(() => statuses().includes('Installed') || statuses().includes('DownloadFailed'), 10_000, 'the update to end');
    assert.deepEqual(statuses(), ['Downloading', 'Downloading', 'Downloaded', 'Installing', 'Installed']);
    const files = firmwareFiles();
    assert.equal(files.length, 1, files.join(', '));
    assert.equal(createHash('sha256').update(readFileSync(join(stateDir, 'firmware', files[0] ?? ''))).digest('hex'), bodyDigest(total));
    await assertJournalIntact('reset then retry');
  });

  it('a server that closes before its Content-Length every time: DownloadFailed after the retries, no file', async () => {
    server.route('/fw/short.bin', async (req, res) => {
      res.writeHead(200, { 'content-length': String(2 * MiB) });
      await streamBody(res, 512 * 1024, { end: false });
      await sleep(20);
      req.socket.end();
    });
    await station();
    await updateFirmware('/fw/short.bin', { retries: 2, retryInterval: 0 });
    await waitUntil(() => statuses().includes('DownloadFailed'), 10_000, 'DownloadFailed');
    assert.deepEqual(statuses(), ['Downloading', 'Downloading', 'Downloading', 'DownloadFailed']);
    assert.equal(server.requests.length, 3);
    assert.deepEqual(firmwareFiles(), []);
  });
});

describe('ocpp.firmwareMaxBytes in the station config', () => {
  it('defaults to 256 MiB', () => {
    assert.equal(parseConfig({}).ocpp.firmwareMaxBytes, 256 * MiB);
    assert.equal(parseConfig({ ocpp: { firmwareMaxBytes: 64 * MiB } }).ocpp.firmwareMaxBytes, 64 * MiB);
  });

  for (const bad of [0, -1, 1.5, 100, 17 * 1024 ** 3, '256MiB', null, Number.NaN]) {
    it(`refuses ${typeof bad === 'string' ? JSON.stringify(bad) : String(bad)}, naming the field`, () => {
      assert.throws(
        () => parseConfig({ ocpp: { firmwareMaxBytes: bad } }),
        (err: unknown) => err instanceof EvseError && err.code === EvseErrorCode.ConfigInvalid && /ocpp\.firmwareMaxBytes/.test(err.message),
      );
    });
  }
});
