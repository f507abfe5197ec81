/**
 * The websocket link to the CSMS, for OCPP 1.6J and 2.0.1 alike. One ocpp-rpc RPCClient per connection attempt
 * (subprotocol ocpp1.6 or ocpp2.0.1, strict mode,
 * ocpp-rpc's own reconnect off): this module retries every attempt, the first included, with exponential back-off and
 * jitter, forever, so a station that boots while the CSMS is unreachable still comes online. `isOpen()` is true only
 * while a socket is open; a socket is replaced only when the CSMS is silent: a ping unanswered within the interval
 * with no frame from it meanwhile, or a call that times out while it sent nothing.
 *
 * No OCPP input closes the link (issue 17): a malformed frame, one that is not UTF-8, any number of them, a flood
 * that delays the pongs, an unanswered or unreadable answer to our call, each gets its CALLERROR or fails that call
 * alone. What still ends a socket is below OCPP: a frame that breaks RFC 6455 itself (reserved bits, unknown opcode,
 * a masked or fragmented control frame: ws must fail the connection, 1002), one above ws's maxPayload (100 MiB,
 * 1009), a close frame from the CSMS, and valid calls that ask for it (Reset, a new AuthorizationKey).
 */
import type { Logger } from '../logger.js';
import type { Clock, TimerHandle } from '../clock.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import { reconnectDelayMs, type BackoffOptions } from './backoff.js';
import { refuseNonUtf8Frames, RPCClient, TimeoutError, withOcpp16ErrorCode, withOcpp201ErrorCode, type RpcClient } from './rpc.js';

/** A handler of a CSMS-initiated call: gets validated params (strict mode), returns the .conf payload or throws an RPC error. */
export type InboundHandler = (params: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>;

export interface ConnectionOptions {
  /** CSMS base URL; the endpoint is `${url}/${identity}`. */
  readonly url: string;
  readonly identity: string;
  /** HTTP Basic password (profiles 1 and 2). */
  readonly password?: string | null;
  /** Extra options of the ws client (TLS: ca, cert, key, minVersion …). */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  readonly backoff: BackoffOptions;
  readonly callTimeoutMs: number;
  /** Websocket ping interval, ms (0 disables pings). */
  readonly pingIntervalMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Randomness for the jitter (tests pin it). */
  readonly random?: () => number;
  /**
   * The websocket subprotocol (default 'ocpp1.6'). ocpp-rpc validates both directions against its schemas for it;
   * the CALLERROR codes it writes are respelled for the version (ocpp16ErrorCode, ocpp201ErrorCode).
   */
  readonly protocol?: 'ocpp1.6' | 'ocpp2.0.1';
}

export interface ConnectionEvents {
  open: () => void;
  close: (reason: string) => void;
}

/** The link, reconnecting forever once started. */
export class OcppConnection {
  private client: RpcClient | null = null;
  private open = false;
  private started = false;
  private attempt = 0;
  private retryTimer: TimerHandle | null = null;
  private readonly handlers = new Map<string, InboundHandler>();
  private readonly openListeners = new Set<() => void>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private readonly failureListeners = new Set<(err: unknown) => void>();
  private password: string | null;
  private pingIntervalMs: number;
  private lastAnswerAt: number | null = null;
  /** Monotonic time (performance.now) of the last frame from the CSMS on the current socket. */
  private lastInboundMono = Number.NEGATIVE_INFINITY;
  private connectedSince: number | null = null;

  constructor(private readonly options: ConnectionOptions) {
    this.password = options.password ?? null;
    this.pingIntervalMs = options.pingIntervalMs;
  }

  /** Starts connecting (idempotent). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.connectNow();
  }

  /** Closes the link and stops reconnecting. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.retryTimer) this.options.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    this.client = null;
    this.markClosed('stopped');
    if (client) await client.close({ force: true });
  }

  /** True only while a websocket is open and not known to be dead. */
  isOpen(): boolean {
    return this.open;
  }

  /** Wall time of the last frame the CSMS sent us (answer or call), or null. */
  lastAnswerAtMs(): number | null {
    return this.lastAnswerAt;
  }

  connectedSinceMs(): number | null {
    return this.connectedSince;
  }

  /** Registers the handler of a CSMS-initiated call (kept across reconnects; the open socket gets it at once). */
  handle(method: string, handler: InboundHandler): void {
    this.handlers.set(method, handler);
    this.client?.handle(method, ({ params }) => Promise.resolve(handler((params ?? {}) as Record<string, unknown>)));
  }

  onOpen(listener: () => void): () => void {
    this.openListeners.add(listener);
    return () => this.openListeners.delete(listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Called with the error of every failed connection attempt (security events: 401, untrusted certificate). */
  onConnectFailure(listener: (err: unknown) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** New HTTP Basic password (AuthorizationKey changed): used from the next connection, which starts now. */
  setPassword(password: string | null): void {
    this.password = password;
    this.dropLink('authorization key changed');
  }

  /** New websocket ping interval (WebSocketPingInterval changed), applied to the open socket at once. */
  setPingIntervalMs(ms: number): void {
    this.pingIntervalMs = ms;
    this.client?.reconfigure({ pingIntervalMs: ms } as Parameters<RpcClient['reconfigure']>[0]);
  }

  /**
   * Sends a call. Rejects at once with EvseError(OcppNotConnected) when the link is not open (nothing is queued
   * here: the outbox is the queue). A CALLERROR rejects with ocpp-rpc's RPCError; a timeout rejects with its
   * TimeoutError. The socket is replaced only when the CSMS sent nothing at all while the call waited: that link is
   * dead (or the CSMS hung). A CSMS that keeps sending frames but leaves this call unanswered, or answers it in a
   * frame that cannot be read, is alive: the call fails with EvseError(OcppUnanswered) (the outbox retries it) and the
   * link stays (issue 17).
   */
  async call<T = Record<string, unknown>>(method: string, params: Record<string, unknown>, timeoutMs?: number): Promise<T> {
    const client = this.client;
    if (!client || !this.open) throw new EvseError(EvseErrorCode.OcppNotConnected, `cannot send ${method}: not connected to the CSMS`);
    // Whether the CSMS sent anything while this call waited is judged from the moment it was sent, not over the last
    // timeout's length: a frame that came right after the call sat on the window's edge, and a timer firing a few ms
    // late on a loaded machine then decided whether a live link was dropped.
    const sentMono = performance.now();
    try {
      const result = await client.call(method, params, { callTimeoutMs: timeoutMs ?? this.options.callTimeoutMs });
      this.lastAnswerAt = this.options.clock.nowMs();
      return result as T;
    } catch (err) {
      if (err instanceof TimeoutError && client === this.client) {
        if (!this.heardSince(sentMono)) this.dropLink(`${method} got no answer`);
        else throw new EvseError(EvseErrorCode.OcppUnanswered, `${method} got no answer while the CSMS went on sending`, { cause: err });
      }
      throw err;
    }
  }

  /** True when a frame from the CSMS arrived since `mono` (performance.now: ocpp-rpc's timers run on real time too). */
  private heardSince(mono: number): boolean {
    return this.lastInboundMono >= mono;
  }

  /** Abandons the current socket (dead link) and reconnects after the back-off. */
  dropLink(reason: string): void {
    const client = this.client;
    if (!client) return;
    this.options.logger.warn({ reason }, 'dropping the CSMS link');
    this.client = null;
    void client.close({ force: true }).catch(() => undefined);
    this.markClosed(reason);
    this.scheduleRetry();
  }

  private connectNow(): void {
    if (!this.started) return;
    const { url, identity, tls } = this.options;
    const protocol = this.options.protocol ?? 'ocpp1.6';
    const client = new RPCClient({
      endpoint: url,
      identity,
      protocols: [protocol],
      strictMode: true,
      reconnect: false,
      callTimeoutMs: this.options.callTimeoutMs,
      pingIntervalMs: this.pingIntervalMs,
      // Every frame from the CSMS proves the link alive, not only a pong. Without this a pong queued behind a backlog
      // of frames (a CSMS that floods the station faster than it answers) arrives after the next ping is due, and
      // ocpp-rpc terminates a live socket as a "ping timeout" (issue 17: the link closed after 50–100 big frames).
      deferPingsOnActivity: true,
      respondWithDetailedErrors: false,
      // Never close the socket after N malformed messages (ocpp-rpc closes with 1002 past this count): each one gets
      // its CALLERROR and the link stays (issue 17). Infinity is ocpp-rpc 2.2's default; stated so it stays.
      maxBadMessages: Number.POSITIVE_INFINITY,
      ...(this.password ? { password: this.password } : {}),
      // A text frame that is not UTF-8 is malformed input, answered like any other (refuseNonUtf8Frames), not a reason
      // for ws to fail the connection with 1007 (issue 17).
      wsOpts: { minVersion: 'TLSv1.2', ...(tls ?? {}), handshakeTimeout: this.options.callTimeoutMs, skipUTF8Validation: true },
    } as ConstructorParameters<typeof RPCClient>[0]);
    this.client = client;
    this.lastInboundMono = Number.NEGATIVE_INFINITY;
    // Every frame leaves through sendRaw, the CALLERRORs ocpp-rpc writes itself for malformed input included: give
    // them their OCPP 1.6 code there (see ocpp16ErrorCode).
    const respell = protocol === 'ocpp1.6' ? withOcpp16ErrorCode : withOcpp201ErrorCode;
    const sendRaw = client.sendRaw.bind(client);
    client.sendRaw = (message: string) => sendRaw(respell(message));
    refuseNonUtf8Frames(client);
    for (const [method, handler] of this.handlers) {
      client.handle(method, ({ params }) => Promise.resolve(handler((params ?? {}) as Record<string, unknown>)));
    }
    client.on('message', (event: { outbound: boolean }) => {
      if (event.outbound || client !== this.client) return;
      this.lastAnswerAt = this.options.clock.nowMs();
      this.lastInboundMono = performance.now();
    });
    client.on('strictValidationFailure', (event: { method: string; outbound: boolean; isCall: boolean; error: Error }) => {
      this.options.logger.warn({ method: event.method, outbound: event.outbound, isCall: event.isCall, error: event.error.message }, 'OCPP schema violation');
    });
    client.on('close', () => {
      if (client !== this.client) return;
      this.client = null;
      this.markClosed('socket closed');
      this.scheduleRetry();
    });
    client.connect().then(
      () => {
        if (client !== this.client) {
          void client.close({ force: true }).catch(() => undefined);
          return;
        }
        this.attempt = 0;
        this.open = true;
        this.connectedSince = this.options.clock.nowMs();
        this.options.logger.info({ url, identity }, 'connected to the CSMS');
        for (const listener of this.openListeners) listener();
      },
      (err: unknown) => {
        this.options.logger.warn({ url, identity, error: (err as Error).message, attempt: this.attempt }, 'CSMS connection attempt failed');
        for (const listener of this.failureListeners) listener(err);
        // ocpp-rpc emits 'close' on a failed first connect, which already scheduled the retry.
        if (client === this.client) {
          this.client = null;
          this.scheduleRetry();
        }
      },
    );
  }

  private markClosed(reason: string): void {
    const wasOpen = this.open;
    this.open = false;
    this.connectedSince = null;
    if (wasOpen) {
      // Our own stop is routine; anything else (CSMS gone, ping lost) is worth a warning.
      this.options.logger[reason === 'stopped' ? 'info' : 'warn']({ reason }, 'CSMS link closed');
      for (const listener of this.closeListeners) listener(reason);
    }
  }

  private scheduleRetry(): void {
    if (!this.started || this.retryTimer) return;
    const delay = reconnectDelayMs(this.attempt, this.options.backoff, this.options.random);
    this.attempt += 1;
    this.retryTimer = this.options.clock.setTimeout(() => {
      this.retryTimer = null;
      this.connectNow();
    }, delay);
  }
}
