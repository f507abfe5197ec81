/**
 * A hostile CSMS for the OCPP fuzz tests: a websocket server written on node:http and raw RFC 6455 frames (no ws
 * library between it and the wire), so it can send anything at all — text that is not JSON, binary frames, frames
 * the station must answer with a CALLERROR — and see exactly what the station sends back and whether it closes.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** One frame the station sent. */
export interface StationFrame {
  readonly opcode: number;
  readonly text: string;
  readonly atMs: number;
}

/** The server side of one websocket from the station. */
export class RawPeer {
  readonly received: StationFrame[] = [];
  /** Close frame code the station sent, or null; `ended` once the TCP stream is gone. */
  closeCode: number | null = null;
  ended = false;
  /** Delay of the pong to each ping of the station (a CSMS under load answers late); 0: at once. */
  pongDelayMs = 0;
  /** Pings the station sent. */
  pings = 0;
  private buffer = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly socket: Duplex,
    readonly request: IncomingMessage,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  sendText(text: string): void {
    this.sendFrame(1, Buffer.from(text, 'utf8'));
  }

  sendBinary(data: Buffer): void {
    this.sendFrame(2, data);
  }

  sendFrame(opcode: number, payload: Buffer): void {
    if (this.ended) return;
    const len = payload.length;
    let head: Buffer;
    if (len < 126) head = Buffer.from([0x80 | opcode, len]);
    else if (len < 65536) {
      head = Buffer.alloc(4);
      head[0] = 0x80 | opcode;
      head[1] = 126;
      head.writeUInt16BE(len, 2);
    } else {
      head = Buffer.alloc(10);
      head[0] = 0x80 | opcode;
      head[1] = 127;
      head.writeBigUInt64BE(BigInt(len), 2);
    }
    this.socket.write(Buffer.concat([head, payload]));
  }

  /** Resolves when `predicate` holds (checked on every frame from the station), rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) return;
      const b0 = b[0] ?? 0;
      const b1 = b[1] ?? 0;
      let len = b1 & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const maskAt = offset;
      if (masked) offset += 4;
      if (b.length < offset + len) return;
      const payload = Buffer.from(b.subarray(offset, offset + len));
      if (masked) for (let i = 0; i < len; i++) payload[i] = (payload[i] ?? 0) ^ (b[maskAt + (i % 4)] ?? 0);
      this.buffer = b.subarray(offset + len);
      const opcode = b0 & 0x0f;
      if (opcode === 9) {
        this.pings += 1;
        if (this.pongDelayMs > 0) setTimeout(() => this.sendFrame(10, payload), this.pongDelayMs);
        else this.sendFrame(10, payload);
      }
      else if (opcode === 8) {
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.sendFrame(8, payload.subarray(0, 2));
        this.socket.end();
      }
      if (opcode !== 9 && opcode !== 10) this.received.push({ opcode, text: payload.toString('utf8'), atMs: Date.now() });
      this.notify();
    }
  }
}

export interface HostileCsms {
  readonly url: string;
  /** Every websocket the station opened, in order. */
  readonly peers: RawPeer[];
  waitPeer(index: number, timeoutMs: number): Promise<RawPeer>;
  close(): Promise<void>;
}

/** Listens on loopback; accepts any identity with subprotocol ocpp1.6. */
/** `protocol`: the subprotocol it agrees to (the 2.0.1 fuzz speaks ocpp2.0.1). */
export async function createHostileCsms(protocol: 'ocpp1.6' | 'ocpp2.0.1' = 'ocpp1.6'): Promise<HostileCsms> {
  const peers: RawPeer[] = [];
  const server: Server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    const key = req.headers['sec-websocket-key'];
    const accept = createHash('sha1').update(`${String(key)}${GUID}`).digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
    );
    peers.push(new RawPeer(socket, req));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    peers,
    async waitPeer(index, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const peer = peers[index];
        if (peer) return peer;
        if (Date.now() > deadline) throw new Error(`no websocket #${index} from the station after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async close() {
      for (const p of peers) p.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function parseFrame(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Reads the station's frames as they come (each once): its own calls are answered at once with `answerOf(action)`,
 * a close frame or a frame that is not an OCPP-J array is a failure, and the rest (answers to the fuzz) is returned.
 * Shared by the 1.6 and the 2.0.1 fuzz runs.
 */
export function stationFrameReader(peer: RawPeer, answerOf: (action: string) => unknown, failures: string[]): () => unknown[][] {
  let seen = 0;
  return () => {
    const answers: unknown[][] = [];
    for (; seen < peer.received.length; seen++) {
      const frame = peer.received[seen];
      if (!frame) continue;
      if (frame.opcode === 8) {
        failures.push(`the station sent a close frame (code ${peer.closeCode})`);
        continue;
      }
      const msg = parseFrame(frame.text);
      if (!Array.isArray(msg)) failures.push(`the station sent a non-OCPP frame: ${frame.text.slice(0, 200)}`);
      else if (msg[0] === 2 && typeof msg[1] === 'string' && typeof msg[2] === 'string') peer.sendText(JSON.stringify([3, msg[1], answerOf(msg[2])]));
      else answers.push(msg);
    }
    return answers;
  };
}
