import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { systemClock } from '../../src/clock.js';
import { downloadFirmware, FirmwareDownloadError, type DownloadFailure, type DownloadOptions } from '../../src/ocpp/firmware-download.js';
import { firmwareFileName } from '../../src/ocpp/firmware-file-name.js';
import { bodyDigest, FirmwareServer, streamBody, type SentBody } from './support/firmware-server.js';
import { sleep, waitUntil } from './support/harness.js';

const MiB = 1024 * 1024;

describe('firmware download: streamed, bounded, atomic (a real HTTP server on loopback)', function () {
  this.timeout(60_000);
  let server: FirmwareServer;
  let stateDir: string;
  let folder: string;

  before(async () => {
    server = await FirmwareServer.start();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    stateDir = mkdtempSync(join(tmpdir(), 'evse-fwdl-'));
    folder = join(stateDir, 'firmware');
  });
  afterEach(() => {
    rmSync(stateDir, { recursive: true, force: true });
  });

  const download = (path: string, overrides: Partial<DownloadOptions> = {}): ReturnType<typeof downloadFirmware> =>
    downloadFirmware({ location: `${server.base}${path}`, folder, maxBytes: 256 * MiB, minFreeBytes: 64 * MiB, stallTimeoutMs: 5000, clock: systemClock, inUse: new Set(), ...overrides });

  const folderFiles = (): string[] => (existsSync(folder) ? readdirSync(folder).sort() : []);

  async function failsWith(promise: Promise<unknown>, failure: DownloadFailure): Promise<FirmwareDownloadError> {
    const err = await promise.then(
      () => assert.fail(`expected a ${failure} failure, the download succeeded`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof FirmwareDownloadError, `a FirmwareDownloadError, got ${String(err)}`);
    assert.equal(err.failure, failure, err.message);
    return err;
  }

  function sha256(path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const hash = createHash('sha256');
      createReadStream(path).on('data', (c) => hash.update(c)).on('end', () => resolve(hash.digest('hex'))).on('error', reject);
    });
  }

  /** Bytes on disk in the temporary file of the download running now (0 when there is none yet). */
  function partialBytes(): number {
    return folderFiles()
      .filter((f) => f.endsWith('.part'))
      .reduce((sum, f) => sum + statSync(join(folder, f)).size, 0);
  }

  it('writes the image to disk while the response is still open, and memory grows far less than the 64 MiB image', async () => {
    const total = 64 * MiB;
    let sawPartialMidway = false;
    let maxLag = 0; // bytes the server sent that are not on disk yet: socket buffers plus what the station holds
    let sent = null as SentBody | null;
    server.route('/big.bin', async (_req, res) => {
      res.writeHead(200, { 'content-length': String(total) });
      sent = await streamBody(res, total, {
        // Halfway, the server holds the rest back until the station has written part of the image to disk: an
        // implementation that buffers the body in memory never writes before the end, so it never gets the rest.
        pause: async (at) => {
          if (at % MiB === 0) maxLag = Math.max(maxLag, at - partialBytes());
          if (at !== 16 * MiB) return 'go';
          const deadline = Date.now() + 10_000;
          while (partialBytes() < 4 * MiB && Date.now() < deadline) await sleep(10);
          sawPartialMidway = partialBytes() >= 4 * MiB;
          return sawPartialMidway ? 'go' : 'stop';
        },
      });
      if (!sawPartialMidway) res.destroy();
    });
    // Live memory, not garbage waiting for the collector: a full collection before each sample.
    const gc = fullGc();
    gc();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakBuffers = before.arrayBuffers;
    let sampling = true;
    let samples = 0;
    const sample = (): void => {
      if (!sampling) return;
      gc();
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss);
      peakBuffers = Math.max(peakBuffers, now.arrayBuffers);
      samples += 1;
      setTimeout(sample, 50); // after the collection, so that collections never crowd out the download
    };
    sample();
    let result;
    try {
      result = await download('/big.bin');
    } finally {
      sampling = false;
    }
    assert.ok(sawPartialMidway, 'part of the image was on disk before the server sent the second half');
    assert.equal(sent?.bytes, total);
    assert.equal(result.bytes, total);
    assert.deepEqual(folderFiles(), [firmwareFileName(new URL(`${server.base}/big.bin`))], 'the image and nothing else');
    assert.equal(await sha256(result.path), bodyDigest(total), 'byte for byte');
    const rssGrowth = peakRss - before.rss;
    const bufferGrowth = peakBuffers - before.arrayBuffers;
    console.log(`      64 MiB image: peak RSS growth ${(rssGrowth / MiB).toFixed(1)} MiB, peak Buffer growth ${(bufferGrowth / MiB).toFixed(1)} MiB (${samples} samples), most bytes sent but not on disk ${(maxLag / MiB).toFixed(1)} MiB`);
    // Deterministic: at every MiB the server sent, all but the kernel's socket buffers (a few MiB) are on disk.
    assert.ok(maxLag < 16 * MiB, `up to ${(maxLag / MiB).toFixed(1)} MiB were sent but not on disk`);
    // Held in memory the whole image would be ≥ 64 MiB of live Buffers; streamed, what the collector has not swept yet
    // (seen 15–26 MiB on a loaded 2-core machine). RSS also counts the server's side and heap churn: reported only.
    assert.ok(bufferGrowth < 0.75 * total, `live Buffer memory grew ${(bufferGrowth / MiB).toFixed(1)} MiB`);
  });

  it('refuses a Content-Length above the limit before reading the body, and is not worth a retry', async () => {
    let sent = null as SentBody | null;
    server.route('/huge.bin', async (_req, res) => {
      res.writeHead(200, { 'content-length': String(64 * MiB) });
      sent = await streamBody(res, 64 * MiB);
    });
    const err = await failsWith(download('/huge.bin', { maxBytes: MiB }), 'too-large');
    assert.equal(err.retryable, false);
    await waitUntil(() => sent !== null, 5000, 'the server saw the connection close');
    assert.equal(sent!.clientClosedEarly, true, 'the station hung up');
    assert.ok(sent!.bytes < 16 * MiB, `the server got to send only ${sent!.bytes} bytes (socket buffers), not 64 MiB`);
    assert.deepEqual(folderFiles(), [], 'no file, not even an empty one');
  });

  it('aborts a body without Content-Length as soon as it passes the limit; exactly the limit is accepted', async () => {
    let sent = null as SentBody | null;
    server.route('/endless.bin', async (_req, res) => {
      res.writeHead(200); // chunked: the size is known only by counting
      sent = await streamBody(res, 64 * MiB);
    });
    server.route('/exact.bin', async (_req, res) => {
      res.writeHead(200);
      await streamBody(res, MiB);
    });
    server.route('/one-more.bin', async (_req, res) => {
      res.writeHead(200);
      await streamBody(res, MiB + 1);
    });
    await failsWith(download('/endless.bin', { maxBytes: MiB }), 'too-large');
    await waitUntil(() => sent !== null, 5000, 'the server saw the connection close');
    assert.equal(sent!.clientClosedEarly, true);
    assert.ok(sent!.bytes < 16 * MiB, `the server sent ${sent!.bytes} bytes`);
    assert.deepEqual(folderFiles(), []);
    await failsWith(download('/one-more.bin', { maxBytes: MiB }), 'too-large');
    assert.deepEqual(folderFiles(), []);
    const ok = await download('/exact.bin', { maxBytes: MiB });
    assert.equal(ok.bytes, MiB);
    assert.equal(statSync(ok.path).size, MiB);
  });

  it('a connection reset midway leaves no partial file (and is worth a retry)', async () => {
    server.route('/reset.bin', async (req, res) => {
      res.writeHead(200, { 'content-length': String(8 * MiB) });
      await streamBody(res, 2 * MiB, { end: false });
      await waitUntil(() => partialBytes() > 0, 5000, 'a partial file on disk before the reset');
      req.socket.resetAndDestroy();
    });
    const err = await failsWith(download('/reset.bin'), 'network');
    assert.equal(err.retryable, true);
    assert.deepEqual(folderFiles(), []);
  });

  it('a server that closes before its Content-Length, or before the last chunk, leaves no partial file', async () => {
    server.route('/short.bin', async (req, res) => {
      res.writeHead(200, { 'content-length': String(8 * MiB) });
      await streamBody(res, 2 * MiB, { end: false });
      await waitUntil(() => partialBytes() > 0, 5000, 'a partial file on disk');
      req.socket.end(); // a clean FIN, no RST
    });
    server.route('/cut-chunked.bin', async (req, res) => {
      res.writeHead(200);
      await streamBody(res, 2 * MiB, { end: false });
      await waitUntil(() => partialBytes() > 0, 5000, 'a partial file on disk');
      req.socket.end();
    });
    await failsWith(download('/short.bin'), 'network');
    assert.deepEqual(folderFiles(), []);
    await failsWith(download('/cut-chunked.bin'), 'network');
    assert.deepEqual(folderFiles(), []);
  });

  it('gives up a server that stops sending (headers or body) after the stall timeout, leaving no partial file', async () => {
    server.route('/silent.bin', () => undefined); // never answers
    server.route('/stuck.bin', async (_req, res) => {
      res.writeHead(200, { 'content-length': String(8 * MiB) });
      await streamBody(res, MiB, { end: false }); // then nothing, the connection stays open
    });
    const started = Date.now();
    await failsWith(download('/silent.bin', { stallTimeoutMs: 300 }), 'stalled');
    await failsWith(download('/stuck.bin', { stallTimeoutMs: 300 }), 'stalled');
    assert.ok(Date.now() - started < 5000, 'each within about its stall timeout');
    assert.deepEqual(folderFiles(), []);
  });

  it('a disk error midway (ENOSPC) is a storage failure and leaves no partial file', async () => {
    let sent = null as SentBody | null;
    server.route('/fill.bin', async (_req, res) => {
      res.writeHead(200, { 'content-length': String(8 * MiB) });
      sent = await streamBody(res, 8 * MiB);
    });
    // The real file, on a disk that is full after 1 MiB.
    const fullAfterOneMiB = (path: string): Writable => {
      const file = createWriteStream(path, { flags: 'wx' });
      let written = 0;
      return new Writable({
        write(chunk: Buffer, _enc, done) {
          written += chunk.length;
          if (written > MiB) return done(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
          file.write(chunk, done);
        },
        destroy(err, done) {
          file.destroy();
          done(err);
        },
        final(done) {
          file.end(done);
        },
      });
    };
    const err = await failsWith(download('/fill.bin', { createSink: fullAfterOneMiB }), 'storage');
    assert.equal(err.retryable, true);
    await waitUntil(() => sent !== null, 5000, 'the server saw the connection close');
    assert.equal(sent!.clientClosedEarly, true, 'the download stopped with the disk');
    assert.deepEqual(folderFiles(), []);
  });

  it('never fills the disk the journal shares: refused by Content-Length, or aborted midway without one, no file left', async () => {
    const sent: SentBody[] = [];
    server.route('/declared.bin', async (_req, res) => {
      res.writeHead(200, { 'content-length': String(64 * MiB) });
      sent.push(await streamBody(res, 64 * MiB));
    });
    server.route('/undeclared.bin', async (_req, res) => {
      res.writeHead(200);
      sent.push(await streamBody(res, 64 * MiB));
    });
    mkdirSync(folder, { recursive: true });
    // The file system has 16 MiB more than the reserve: a 64 MiB image does not fit (margins are wide because other
    // programs write to the same disk meanwhile).
    const free = await statfs(folder);
    const reserve = free.bavail * free.bsize - 16 * MiB;
    const refused = await failsWith(download('/declared.bin', { minFreeBytes: reserve }), 'no-space');
    assert.equal(refused.retryable, true, 'space may be freed before the next attempt');
    await failsWith(download('/undeclared.bin', { minFreeBytes: reserve }), 'no-space');
    await waitUntil(() => sent.length === 2, 5000, 'the server saw both connections close');
    assert.equal(sent[0]?.clientClosedEarly, true);
    assert.ok((sent[0]?.bytes ?? Infinity) < 16 * MiB, `refused before the body: ${sent[0]?.bytes} bytes sent`);
    assert.equal(sent[1]?.clientClosedEarly, true);
    assert.ok((sent[1]?.bytes ?? Infinity) < 48 * MiB, `aborted midway: ${sent[1]?.bytes} bytes sent`);
    assert.deepEqual(folderFiles(), []);
  });

  it('a firmware folder that is a symlink (to the state directory, say) is refused: nothing written through it', async () => {
    server.route('/fw.bin', async (_req, res) => {
      res.writeHead(200);
      await streamBody(res, 1000);
    });
    writeFileSync(join(stateDir, 'journal.db'), 'THE JOURNAL');
    symlinkSync(stateDir, folder);
    await failsWith(download('/fw.bin'), 'storage');
    assert.deepEqual(readdirSync(stateDir).sort(), ['firmware', 'journal.db']);
    assert.equal(readFileSync(join(stateDir, 'journal.db'), 'utf8'), 'THE JOURNAL');
    assert.deepEqual(server.requests, [], 'refused before asking for the image');
  });

  it('HTTP errors are retryable; a location that is not http(s) is refused without a retry', async () => {
    const notFound = await failsWith(download('/nothing-here.bin'), 'http-status');
    assert.equal(notFound.retryable, true);
    for (const location of ['ftp://127.0.0.1/fw.bin', 'file:///work/journal.db', 'not a url']) {
      const err = await failsWith(downloadFirmware({ location, folder, maxBytes: MiB, minFreeBytes: 0, stallTimeoutMs: 1000, clock: systemClock, inUse: new Set() }), 'unsupported-location');
      assert.equal(err.retryable, false);
    }
    assert.deepEqual(folderFiles(), []);
  });

  it('sweeps what earlier downloads left (a power cut mid-download, the previous image) and nothing else', async () => {
    server.route('/next.bin', async (_req, res) => {
      res.writeHead(200);
      await streamBody(res, 1000);
    });
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'download-0123456789abcdef-old.bin.a1b2c3d4e5f6.part'), 'half an image');
    writeFileSync(join(folder, 'download-0123456789abcdef-old.bin'), 'the previous image');
    writeFileSync(join(folder, 'download-fedcba9876543210-busy.bin'), 'an image being installed');
    writeFileSync(join(folder, 'README'), 'not ours');
    const inUse = new Set([join(folder, 'download-fedcba9876543210-busy.bin')]);
    const result = await download('/next.bin', { inUse });
    assert.deepEqual(folderFiles(), ['README', 'download-fedcba9876543210-busy.bin', firmwareFileName(new URL(`${server.base}/next.bin`))].sort());
    assert.equal(statSync(result.path).size, 1000);
    assert.equal(inUse.size, 1, 'the temporary file is no longer in use');
  });

  it('hostile names in the URL never reach the journal: the image lands in firmware/ under download-<hash>-<safe name>', async () => {
    server.fallback = async (_req, res) => {
      res.writeHead(200);
      await streamBody(res, 4096);
    };
    writeFileSync(join(stateDir, 'journal.db'), 'THE JOURNAL');
    writeFileSync(join(stateDir, 'journal.lock'), 'THE LOCK');
    const hostile = [
      '/../../journal.db',
      '/journal.db',
      '/%2e%2e%2fjournal.db',
      '/fw/%2e%2e/%2e%2e/journal.lock',
      '/..%2f..%2fjournal.db',
      '/%2E%2E%2F%2E%2E%2Fjournal.db',
      '/.journal.db',
      '/fw/.',
      '/fw/',
      '/evil%00journal.db',
      '/a%0a%0d%1b%7fb.bin',
      '/%E0%A4%A.bin',
      `/${'A'.repeat(3000)}.bin`,
      '/fw/journal.db?x=/../../journal.db#frag',
    ];
    for (const path of hostile) {
      const result = await download(path);
      const name = result.path.slice(folder.length + 1);
      assert.equal(join(folder, name), result.path, `${path}: inside the firmware folder`);
      assertSafeName(name, path);
      assert.equal(readFileSync(join(stateDir, 'journal.db'), 'utf8'), 'THE JOURNAL', `${path}: journal untouched`);
      assert.equal(readFileSync(join(stateDir, 'journal.lock'), 'utf8'), 'THE LOCK', `${path}: lock untouched`);
      assert.deepEqual(readdirSync(stateDir).sort(), ['firmware', 'journal.db', 'journal.lock'], `${path}: nothing else in the state directory`);
      assert.deepEqual(folderFiles(), [name], `${path}: one image, no partial`);
    }
  });
});

/** The collector, callable without starting node with --expose-gc. */
function fullGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function assertSafeName(name: string, from: string): void {
  assert.match(name, /^download-[0-9a-f]{16}-[A-Za-z0-9][A-Za-z0-9._-]*$/, `${from} → ${JSON.stringify(name)}`);
  assert.ok(name.length <= 100, `${from}: ${name.length} characters`);
  assert.ok(!name.includes('..'), `${from}: no '..' in ${name}`);
  assert.ok(![...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f || c === '/' || c === '\\'), `${from}: no control character or separator`);
  assert.ok(!['journal.db', 'journal.lock', 'journal.db-wal', 'journal.db-shm'].includes(name));
}

describe('firmware file names', () => {
  it('any URL path (percent-encoded or not) gives a safe name in the firmware folder', () => {
    const segment = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.array(fc.constantFrom('.', '..', '/', '%2e', '%2f', '%2E%2E', '%00', '%', 'journal.db', 'journal.lock', '\\', '\n', ' '), { maxLength: 20 }).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(segment, segment, (a, b) => {
        let url: URL;
        try {
          url = new URL(`http://csms.example/${a}/${b}`);
        } catch {
          return; // not a URL: refused before any name is made
        }
        assertSafeName(firmwareFileName(url), url.href);
      }),
      { numRuns: 2000 },
    );
  });

  it('the vendor name stays readable, and two URLs with the same last segment do not collide', () => {
    const a = firmwareFileName(new URL('https://cdn.example/v1/station-1.2.3.swu'));
    const b = firmwareFileName(new URL('https://cdn.example/v2/station-1.2.3.swu'));
    assert.match(a, /^download-[0-9a-f]{16}-station-1\.2\.3\.swu$/);
    assert.notEqual(a, b);
    assert.equal(firmwareFileName(new URL('https://cdn.example/')).replace(/^download-[0-9a-f]{16}-/, ''), 'firmware.bin');
  });
});
