import type { ServerResponse } from 'node:http';

export interface EventStreamLimits {
  /** Open streams at most; one more is refused (503), so a LAN flood cannot pile up sockets and buffers. */
  readonly maxStreams: number;
  /** A comment line this often keeps proxies and the browser from timing the stream out, and lets it see a dead link. */
  readonly heartbeatMs: number;
  /** The `retry:` sent to the browser: how long EventSource waits before reconnecting. */
  readonly retryMs: number;
  /** Bytes a client may leave unread before it is dropped (a stalled phone must not grow the worker's memory). */
  readonly maxBufferedBytes: number;
  /** The whole status goes out at most this often when only running figures changed (see LiveFeed). */
  readonly minStatusIntervalMs: number;
}

export const defaultEventStreamLimits: EventStreamLimits = {
  maxStreams: 50,
  heartbeatMs: 15_000,
  retryMs: 2_000,
  maxBufferedBytes: 1 << 20,
  minStatusIntervalMs: 1000,
};

/** One server-sent event as text: `event:` and a JSON `data:` line (JSON.stringify never writes a raw newline). */
export function formatEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The open `GET /api/events` streams of the status page's worker: it opens them (with `retry:` and whatever the
 * first events are), writes every broadcast to all of them, sends a heartbeat comment, and forgets a stream when its
 * client goes away or falls too far behind.
 */
export class EventStreams {
  private readonly streams = new Set<ServerResponse>();
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly limits: EventStreamLimits = defaultEventStreamLimits,
    /** Told the number of open streams whenever it changes (the station pushes every meter reading only while > 0). */
    private readonly onCount: (open: number) => void = () => undefined,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  get full(): boolean {
    return this.streams.size >= this.limits.maxStreams;
  }

  /** Starts a stream on `res` (already hijacked from the framework) with `first` written at once. */
  open(res: ServerResponse, first: readonly string[]): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // The stream is the connection's whole life: when it ends the socket goes too, so the server can close at once.
      connection: 'close',
      'x-content-type-options': 'nosniff',
      // Nginx and similar proxies would otherwise hold the events back.
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    this.streams.add(res);
    this.onCount(this.streams.size);
    const forget = (): void => {
      if (!this.streams.delete(res)) return;
      this.onCount(this.streams.size);
      if (this.streams.size === 0) this.stopHeartbeat();
    };
    res.on('close', forget);
    res.on('error', forget);
    this.write(res, `retry: ${this.limits.retryMs}\n\n${first.join('')}`);
    // A comment (for proxies) and an event (EventSource shows no comments to the page, whose watchdog needs to see it).
    this.heartbeat ??= setInterval(() => this.sendToAll(`: heartbeat\n${formatEvent('heartbeat', { at: new Date().toISOString() })}`), this.limits.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Sends one event to every open stream. */
  broadcast(event: string, data: unknown): void {
    if (this.streams.size === 0) return;
    this.sendToAll(formatEvent(event, data));
  }

  /** Ends every stream (the server is closing: the browsers will reconnect to whatever comes next). */
  closeAll(): void {
    for (const res of [...this.streams]) res.end();
    this.streams.clear();
    this.onCount(0);
    this.stopHeartbeat();
  }

  private sendToAll(text: string): void {
    for (const res of [...this.streams]) this.write(res, text);
  }

  private write(res: ServerResponse, text: string): void {
    if (res.writableLength > this.limits.maxBufferedBytes) {
      // Too far behind to catch up usefully: drop it; its EventSource reconnects and starts from a fresh snapshot.
      this.streams.delete(res);
      this.onCount(this.streams.size);
      res.destroy();
      return;
    }
    res.write(text);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}
