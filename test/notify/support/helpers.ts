import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { PassThrough } from 'node:stream';
import { createLogger, type Logger } from '../../../src/logger.js';

/** A logger whose JSON lines the test reads. */
export function capturedLogger(): { logger: Logger; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { logger: createLogger({ level: 'debug', destination: stream }), text: () => text };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Dispatcher tuning for tests: retries within tens of milliseconds. */
export const fastTuning = { backoff: { initialMs: 30, maxMs: 150, jitter: 0.25 }, pollMs: 200 } as const;

export interface HookRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly atMs: number;
}

/**
 * A webhook receiver on loopback: records every request with its raw body; answers with the next planned status
 * (then 200), with optional headers.
 */
export class HookServer {
  readonly requests: HookRequest[] = [];
  readonly plan: { status: number; headers?: Record<string, string> }[] = [];
  private server: Server | null = null;

  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/evse?token=t0ps3cret`;
  }

  /** Status 0 in the plan: the request is read and never answered (a receiver that hangs). */
  /** Bodies of the requests answered 2xx, parsed. */
  accepted: Record<string, unknown>[] = [];

  start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.requests.push({ headers: req.headers, body, atMs: Date.now() });
        const next = this.plan.shift() ?? { status: 200 };
        if (next.status === 0) return;
        if (next.status >= 200 && next.status < 300) this.accepted.push(JSON.parse(body.toString('utf8')) as Record<string, unknown>);
        res.writeHead(next.status, { 'Content-Type': 'text/plain', ...next.headers });
        res.end('ok');
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
