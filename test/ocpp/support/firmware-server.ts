import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How one request is answered; the raw request path (as the client sent it) picks the route. */
export type FirmwareRoute = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * A real HTTP server on loopback for firmware downloads, as hard as the world: routes that stream huge bodies with
 * backpressure, lie about Content-Length, reset or close the connection midway, or stop sending.
 */
export class FirmwareServer {
  /** Raw paths asked for, in order (what the station really requested, after its URL normalisation). */
  readonly requests: string[] = [];
  private readonly routes = new Map<string, FirmwareRoute>();

  private constructor(
    private readonly server: Server,
    readonly base: string,
  ) {}

  static async start(): Promise<FirmwareServer> {
    let self: FirmwareServer | null = null;
    const server = createServer((req, res) => {
      if (self === null) return void res.writeHead(503).end();
      self.requests.push(req.url ?? '');
      const route = self.routes.get(req.url ?? '') ?? self.fallback;
      if (route === null) return void res.writeHead(404).end();
      Promise.resolve(route(req, res)).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new FirmwareServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  /** Answers every path without a route of its own (null: 404). */
  fallback: FirmwareRoute | null = null;

  route(path: string, handler: FirmwareRoute): void {
    this.routes.set(path, handler);
  }

  reset(): void {
    this.routes.clear();
    this.requests.length = 0;
    this.fallback = null;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** What a streamed body did: bytes the server wrote, and whether the client went away before the end. */
export interface SentBody {
  bytes: number;
  clientClosedEarly: boolean;
}

/**
 * Writes `total` bytes (a repeating pattern) in `chunkBytes` pieces, waiting for `drain` so that the server itself
 * never buffers. `pause(sentSoFar)` runs before each chunk (a route waits there, or returns 'stop' to stop sending
 * without ending the response). Resolves when done or when the client closed the connection.
 */
export async function streamBody(
  res: ServerResponse,
  total: number,
  options: { chunkBytes?: number; pause?: (sent: number) => Promise<'go' | 'stop'> | 'go' | 'stop'; end?: boolean } = {},
): Promise<SentBody> {
  const chunk = patternChunk(options.chunkBytes ?? DEFAULT_CHUNK);
  const sent: SentBody = { bytes: 0, clientClosedEarly: false };
  let closed = false;
  res.on('close', () => {
    closed = true;
    if (!res.writableFinished) sent.clientClosedEarly = true;
  });
  while (sent.bytes < total && !closed) {
    if (options.pause && (await options.pause(sent.bytes)) === 'stop') return sent;
    if (closed) break;
    const piece = chunk.subarray(0, Math.min(chunk.length, total - sent.bytes));
    sent.bytes += piece.length;
    if (!res.write(piece)) await new Promise<void>((resolve) => {
      const done = (): void => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }
  if (!closed && options.end !== false) await new Promise<void>((resolve) => res.end(resolve));
  return sent;
}

const DEFAULT_CHUNK = 64 * 1024;

/** SHA-256 of the body `streamBody` sends for `total` bytes (a test checks an image without keeping one in memory). */
export function bodyDigest(total: number, chunkBytes = DEFAULT_CHUNK): string {
  const chunk = patternChunk(chunkBytes);
  const hash = createHash('sha256');
  for (let at = 0; at < total; at += chunk.length) hash.update(chunk.subarray(0, Math.min(chunk.length, total - at)));
  return hash.digest('hex');
}

function patternChunk(bytes: number): Buffer {
  const chunk = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 1) chunk[i] = (i * 31 + 7) % 251;
  return chunk;
}
