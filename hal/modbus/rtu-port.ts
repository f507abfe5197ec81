import { EventEmitter } from 'node:events';
import { classifyResponse, decodeReadRequest, responseFrameLength, type ReadRequest, type ResponseVerdict } from './frame.js';
import type { ByteLink } from './link.js';

/**
 * The port object modbus-serial's client drives (`new ModbusRTU(port)`), framing answers over a {@link ByteLink}.
 *
 * Why not modbus-serial's own RTUBufferedPort: it silently skips frames with another unit id and waits for the
 * timeout, so a wrong-unit answer could not be told from silence. This port cuts a frame by the length its header
 * announces, classifies it (length, CRC, unit, exception) and only then hands it to the client, which re-checks it.
 * The driver reads {@link lastVerdict} to count the failure by kind, never the client's message text.
 */
export class RtuClientPort extends EventEmitter {
  /** modbus-serial keeps its transaction ids on the port; one transaction is in flight at a time. */
  _transactionIdRead = 1;
  _transactionIdWrite = 1;
  isOpen = false;

  private request: ReadRequest | null = null;
  private received = new Uint8Array(0);
  private verdict: ResponseVerdict | null = null;
  private strayBytes = 0;

  constructor(private readonly link: ByteLink) {
    super();
    link.onData((chunk) => this.receive(chunk));
  }

  /** Called by modbus-serial's client. */
  open(callback: (err: Error | null) => void): void {
    this.isOpen = true;
    callback(null);
  }

  /** Called by modbus-serial's client. */
  close(callback?: (err: Error | null) => void): void {
    this.isOpen = false;
    this.link.close().then(
      () => {
        this.emit('close');
        callback?.(null);
      },
      (err: unknown) => callback?.(err instanceof Error ? err : new Error(String(err))),
    );
  }

  /** Called by modbus-serial's client with one request frame; forgets whatever the previous exchange left behind. */
  write(frame: Buffer): void {
    this.request = frame.length >= 6 ? decodeReadRequest(frame) : null;
    this.received = new Uint8Array(0);
    this.verdict = null;
    this.link.write(frame);
  }

  /** The classification of the last complete answer to the current request, or null when none arrived. */
  lastVerdict(): ResponseVerdict | null {
    return this.verdict;
  }

  /** Bytes of an unfinished answer to the current request (non-zero at a timeout means a short frame). */
  pendingBytes(): number {
    return this.received.length;
  }

  /** Bytes that arrived while no request was waiting (late answers, line noise). */
  strayByteCount(): number {
    return this.strayBytes;
  }

  private receive(chunk: Uint8Array): void {
    const req = this.request;
    if (req === null) {
      this.strayBytes += chunk.length;
      return;
    }
    const joined = new Uint8Array(this.received.length + chunk.length);
    joined.set(this.received, 0);
    joined.set(chunk, this.received.length);
    this.received = joined;
    const length = responseFrameLength(req, joined);
    if (length === null || joined.length < length) return;
    const frame = joined.slice(0, length);
    this.strayBytes += joined.length - length;
    this.received = new Uint8Array(0);
    this.request = null;
    this.verdict = classifyResponse(req, frame);
    this.emit('data', Buffer.from(frame));
  }
}
