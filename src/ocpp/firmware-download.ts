/**
 * Streams one firmware image from an http(s) URL into the firmware folder: never held in memory, never larger than the
 * configured limit, never a partial file left behind. The bytes go to a temporary name in the same folder and are
 * renamed to the final name only once complete and synced; any failure deletes the temporary file.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Clock, TimerHandle } from '../clock.js';
import { FIRMWARE_FILE_PREFIX, firmwareFileName } from './firmware-file-name.js';

/** Why a download failed; the firmware job decides on this (retry or not), never on the message. */
export type DownloadFailure =
  /** Not an http:// or https:// URL (what the station can fetch). Retrying cannot help. */
  | 'unsupported-location'
  /** The server answered, but not 2xx. */
  | 'http-status'
  /** Declared or streamed size above the configured limit. Retrying would fetch the same too-large file again. */
  | 'too-large'
  /** No byte for the stall timeout (headers or body). */
  | 'stalled'
  /** Connection refused, reset, closed early, TLS failure … */
  | 'network'
  /** The image would leave less free space than the journal's reserve on the file system they share. */
  | 'no-space'
  /** The firmware folder or file could not be created, written, synced or renamed (disk full, I/O error). */
  | 'storage';

export class FirmwareDownloadError extends Error {
  constructor(
    readonly failure: DownloadFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FirmwareDownloadError';
  }

  /** Whether another attempt (UpdateFirmware's `retries`) can succeed. */
  get retryable(): boolean {
    return this.failure !== 'unsupported-location' && this.failure !== 'too-large';
  }
}

export interface DownloadOptions {
  readonly location: string;
  /** The firmware folder (created when missing); nothing else of the state directory is ever written. */
  readonly folder: string;
  readonly maxBytes: number;
  /**
   * Free space the download must leave on the folder's file system: the journal lives there too, and a disk filled
   * by an image would stop it from recording sessions. Checked against Content-Length first, then every few MiB.
   */
  readonly minFreeBytes: number;
  /** Abort when no byte arrived for this long (the headers, then each chunk of the body). */
  readonly stallTimeoutMs: number;
  readonly clock: Clock;
  /**
   * Paths in the folder that the sweep of earlier downloads must leave alone (a download or an install still running);
   * this download adds its temporary file while it runs.
   */
  readonly inUse: Set<string>;
  /** Opens the temporary file for writing (tests inject a disk that fails midway). Must create it exclusively. */
  readonly createSink?: (path: string) => Writable;
}

export interface DownloadedFirmware {
  /** The complete image, synced to disk. */
  readonly path: string;
  readonly bytes: number;
}

/** How often (bytes written) the free space is measured again while a download streams. */
const FREE_SPACE_CHECK_BYTES = 4 * 1024 * 1024;

/** Creates the file exclusively ('wx': never through an existing file or symlink), owner-only. */
const defaultSink = (path: string): Writable => createWriteStream(path, { flags: 'wx', mode: 0o600 });

/** Downloads `options.location` into `options.folder`; rejects with FirmwareDownloadError and leaves no file behind. */
export async function downloadFirmware(options: DownloadOptions): Promise<DownloadedFirmware> {
  const url = parseLocation(options.location);
  await storage('prepare the firmware folder', () => prepareFolder(options.folder, options.inUse));
  const path = join(options.folder, firmwareFileName(url));
  const temp = `${path}.${randomBytes(6).toString('hex')}.part`;
  options.inUse.add(temp);
  try {
    const bytes = await streamToFile(url, temp, options);
    await storage('sync the firmware image', () => syncFile(temp));
    await storage('rename the firmware image', () => rename(temp, path));
    await syncFolder(options.folder);
    return { path, bytes };
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined); // a file that cannot be removed now goes in the next sweep
    throw err;
  } finally {
    options.inUse.delete(temp);
  }
}

function parseLocation(location: string): URL {
  let url: URL;
  try {
    url = new URL(location);
  } catch (err) {
    throw new FirmwareDownloadError('unsupported-location', 'the location is not a URL', { cause: err }); // not echoed: it may hold a token
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FirmwareDownloadError('unsupported-location', `${url.protocol} locations are not supported (http: and https: are)`);
  }
  return url;
}

/**
 * Creates the folder (owner-only) and removes what earlier downloads left: a temporary file of a download killed by
 * a power cut, the image of the previous update (installed by now). One image at a time on the station's storage.
 * A folder that is a symlink is refused: the downloads must not land elsewhere, such as beside the journal.
 */
async function prepareFolder(folder: string, inUse: ReadonlySet<string>): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const stat = await lstat(folder);
  if (!stat.isDirectory()) throw new Error(`${folder} is not a directory`);
  for (const entry of await readdir(folder)) {
    const path = join(folder, entry);
    if (entry.startsWith(FIRMWARE_FILE_PREFIX) && !inUse.has(path)) await rm(path, { force: true });
  }
}

async function streamToFile(url: URL, temp: string, options: DownloadOptions): Promise<number> {
  const { clock, maxBytes, stallTimeoutMs, folder, minFreeBytes } = options;
  const abort = new AbortController();
  let timer: TimerHandle | null = null;
  const rearm = (): void => {
    if (timer !== null) clock.clearTimeout(timer);
    timer = clock.setTimeout(() => abort.abort(new FirmwareDownloadError('stalled', `no data for ${stallTimeoutMs} ms`)), stallTimeoutMs);
  };
  let sinkError: unknown = null;
  let bytes = 0;
  rearm();
  try {
    // The image as published (a signature over it must still hold), and a Content-Length that counts its bytes.
    const response = await fetch(url, { signal: abort.signal, redirect: 'follow', headers: { 'accept-encoding': 'identity' } });
    if (!response.ok || response.body === null) throw new FirmwareDownloadError('http-status', `HTTP ${response.status}`);
    const declared = declaredLength(response.headers);
    if (declared !== null && declared > maxBytes) {
      throw new FirmwareDownloadError('too-large', `Content-Length ${declared} is above the limit of ${maxBytes} bytes`);
    }
    await ensureRoom(folder, declared ?? 0, minFreeBytes);
    const sink = (options.createSink ?? defaultSink)(temp);
    sink.once('error', (err) => (sinkError = err));
    let nextRoomCheck = FREE_SPACE_CHECK_BYTES;
    const limit = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
      for await (const chunk of source) {
        bytes += chunk.length;
        if (bytes > maxBytes) throw new FirmwareDownloadError('too-large', `more than the limit of ${maxBytes} bytes`);
        if (bytes >= nextRoomCheck) {
          nextRoomCheck = bytes + FREE_SPACE_CHECK_BYTES;
          await ensureRoom(folder, declared === null ? 0 : declared - bytes, minFreeBytes);
        }
        rearm();
        yield chunk;
      }
    };
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), limit, sink);
    // A body that ends early without an error (a server that closes a Content-Length body) is not an image.
    if (declared !== null && response.headers.get('content-encoding') === null && bytes !== declared) {
      throw new FirmwareDownloadError('network', `the server closed after ${bytes} of ${declared} bytes`);
    }
    return bytes;
  } catch (err) {
    throw classify(err, abort.signal, sinkError, bytes);
  } finally {
    if (timer !== null) clock.clearTimeout(timer);
    abort.abort(); // closes the connection when we stopped reading (limit, disk error); nothing once it completed
  }
}

/** Rejects (no-space) unless `more` bytes still fit on the folder's file system with `reserve` bytes left free. */
async function ensureRoom(folder: string, more: number, reserve: number): Promise<void> {
  const fs = await storage('measure the free space', () => statfs(folder));
  const available = fs.bavail * fs.bsize;
  if (available - more < reserve) {
    throw new FirmwareDownloadError('no-space', `${available} bytes free; the image needs ${more} more and ${reserve} must stay free for the journal`);
  }
}

/** The declared body size, or null when absent or not a plain non-negative integer (then the streamed count decides). */
function declaredLength(headers: Headers): number | null {
  const value = headers.get('content-length');
  return value !== null && /^\d{1,16}$/.test(value.trim()) ? Number(value.trim()) : null;
}

/** What went wrong, by where it came from: our own abort (stall), the disk, our own checks, else the network. */
function classify(err: unknown, signal: AbortSignal, sinkError: unknown, bytes: number): FirmwareDownloadError {
  if (signal.aborted && signal.reason instanceof FirmwareDownloadError) return signal.reason;
  if (err instanceof FirmwareDownloadError) return err;
  if (sinkError !== null) return new FirmwareDownloadError('storage', `cannot write the firmware image: ${describe(sinkError)}`, { cause: sinkError });
  return new FirmwareDownloadError('network', `download failed after ${bytes} bytes: ${describe(err)}`, { cause: err });
}

function describe(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `${err instanceof Error ? err.message : String(err)}${cause}`;
}

async function storage<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw err instanceof FirmwareDownloadError ? err : new FirmwareDownloadError('storage', `cannot ${what}: ${describe(err)}`, { cause: err });
  }
}

/** A renamed file that was never synced can be empty after a power cut: the install command must not see that. */
async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes the rename itself durable; a file system that cannot sync a folder only loses that guarantee. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r').catch(() => null);
  if (handle === null) return;
  await handle.sync().catch(() => undefined);
  await handle.close().catch(() => undefined);
}
