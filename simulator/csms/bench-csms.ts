/**
 * A bench CSMS: an ocpp-rpc server in strict mode (subprotocols ocpp1.6 and ocpp2.0.1, the station's choice) that
 * accepts stations, records every frame in both
 * directions, and can be told to go down and come back, answer slowly, answer with CALLERRORs or custom results, and
 * send any CSMS-initiated call. Tests and `evse sim` use it on loopback; a station connects to `${url}/${id}`.
 */
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { RPCServer, createRPCError, type CallErrorCode, type RpcClient } from './ocpp-rpc.js';
import { defaultCsmsAnswers, type CsmsAnswerState } from './default-answers.js';
import { defaultCsms201Answers } from './default-answers-201.js';
import { FrameRecorder, type RecordedFrame } from './frames.js';
import { steadyPort } from './steady-port.js';

export type { RecordedFrame } from './frames.js';

/** A handler the test installs for one method: returns the CALLRESULT payload (or throws an RPC error). */
export type CsmsResponder = (params: Record<string, unknown>, identity: string) => unknown;

export interface BenchCsmsOptions {
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** HTTP Basic passwords by station identity (security profiles 1 and 2). Absent: no password is required. */
  readonly passwords?: Readonly<Record<string, string>>;
  /** TLS (profiles 2 and 3): PEM server certificate and key; `ca` + `requireClientCert` for mutual TLS. */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca?: string; readonly requireClientCert?: boolean };
  /** BootNotification.conf interval. */
  readonly heartbeatIntervalS?: number;
  /** BootNotification.conf status until a test changes `answers.bootStatus` (default Accepted). */
  readonly bootStatus?: 'Accepted' | 'Pending' | 'Rejected';
  /** Answer calls with this delay (ms). */
  readonly answerDelayMs?: number;
  /** Custom responders from the first frame on (before the boot), as `controls.respondWith` installs them later. */
  readonly responders?: Readonly<Record<string, CsmsResponder>>;
}

export interface BenchCsmsControls {
  /** Stops listening and drops every station's socket abruptly (no close frame), like a lost uplink. */
  goDown(): Promise<void>;
  /** Listens again on the same port. */
  comeBack(): Promise<void>;
  /** Drops the stations' sockets but keeps listening (a flapping link). */
  dropConnections(): void;
  /** Delay before every answer. */
  setAnswerDelayMs(ms: number): void;
  /** Never answer this method (null: answer all again). */
  setSilent(method: string | null): void;
  /** Installs a custom responder for a method (null restores the default). */
  respondWith(method: string, responder: CsmsResponder | null): void;
  /** The next `count` calls of `method` get a CALLERROR with `code`. */
  failNext(method: string, count: number, code?: CallErrorCode): void;
  /** Sends a CSMS-initiated call to a connected station and resolves with its answer (rejects with its CALLERROR). */
  call(identity: string, method: string, params: Record<string, unknown>, options?: { timeoutMs?: number }): Promise<unknown>;
  /** Sends a raw text frame to a station (for bad-frame tests). */
  sendRaw(identity: string, frame: string): void;
}

export interface BenchCsms {
  /** ws:// or wss:// base URL; the station endpoint is `${url}/${identity}`. */
  readonly url: string;
  readonly port: number;
  /** Every frame in both directions, in arrival order. */
  readonly messages: RecordedFrame[];
  readonly controls: BenchCsmsControls;
  /** Station identities connected right now. */
  connectedIdentities(): string[];
  /** The subprotocol a connected station chose ('ocpp1.6' or 'ocpp2.0.1'), or null when it is not connected. */
  protocolOf(identity: string): string | null;
  /** Websocket connections accepted since start (a reconnect counts again). */
  acceptedConnections(): number;
  /** Parameters of the inbound calls of `method` (station → CSMS), in order. */
  callsOf(method: string): Record<string, unknown>[];
  /** Resolves once `predicate` holds for the recorded frames (polls every 5 ms), rejects after `timeoutMs`. */
  waitFor(predicate: (messages: readonly RecordedFrame[]) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Mutable answer state (next transactionId, id tags the CSMS accepts …). */
  readonly answers: CsmsAnswerState;
  close(): Promise<void>;
}

const noop = (): void => undefined;

/** Starts a bench CSMS. */
export async function createBenchCsms(options: BenchCsmsOptions = {}): Promise<BenchCsms> {
  const host = options.host ?? '127.0.0.1';
  const messages: RecordedFrame[] = [];
  const recorder = new FrameRecorder();
  const clients = new Map<string, RpcClient>();
  const sockets = new Set<Socket>();
  const responders = new Map<string, CsmsResponder>(Object.entries(options.responders ?? {}));
  const failures = new Map<string, { count: number; code: CallErrorCode }>();
  const answers: CsmsAnswerState = {
    nextTransactionId: 1,
    heartbeatIntervalS: options.heartbeatIntervalS ?? 300,
    bootStatus: options.bootStatus ?? 'Accepted',
    rejectedIdTags: new Set<string>(),
    unknownIdTags: new Set<string>(),
  };
  const defaults: Readonly<Record<string, Readonly<Record<string, (p: Record<string, unknown>, id: string) => unknown>>>> = {
    'ocpp1.6': defaultCsmsAnswers(answers),
    'ocpp2.0.1': defaultCsms201Answers(answers),
  };
  let answerDelayMs = options.answerDelayMs ?? 0;
  let accepted = 0;
  let silentMethod: string | null = null;
  // A port it can come back on after goDown (see steady-port.ts), unless the caller chose one.
  let port = options.port === undefined || options.port === 0 ? await steadyPort(host) : options.port;
  let httpServer: HttpServer | null = null;
  let rpcServer: InstanceType<typeof RPCServer> | null = null;

  const answer = async (identity: string, protocol: string, method: string, params: Record<string, unknown>): Promise<unknown> => {
    if (silentMethod === method) return new Promise<never>(noop);
    if (answerDelayMs > 0) await new Promise((r) => setTimeout(r, answerDelayMs));
    const failure = failures.get(method);
    if (failure && failure.count > 0) {
      failure.count -= 1;
      throw createRPCError(failure.code, `bench CSMS told to fail ${method}`);
    }
    const custom = responders.get(method);
    if (custom) return custom(params, identity);
    const standard = defaults[protocol]?.[method];
    if (!standard) throw createRPCError('NotImplemented', `bench CSMS has no answer for ${method}`);
    return standard(params, identity);
  };

  const startServing = async (): Promise<void> => {
    const server = new RPCServer({ protocols: ['ocpp1.6', 'ocpp2.0.1'], strictMode: true, pingIntervalMs: 0, callTimeoutMs: 10_000 });
    server.auth((accept, reject, handshake) => {
      if (options.tls?.requireClientCert) {
        const tlsSocket = handshake.request.socket as TLSSocket;
        if (!tlsSocket.authorized) {
          reject(401, 'client certificate required');
          return;
        }
      }
      const expected = options.passwords?.[handshake.identity];
      if (options.passwords && (expected === undefined || handshake.password?.toString('utf8') !== expected)) {
        reject(401, 'bad credentials');
        return;
      }
      accept({ identity: handshake.identity });
    });
    server.on('client', (client: RpcClient) => {
      const identity = client.identity ?? '';
      accepted += 1;
      clients.set(identity, client);
      client.on('message', (event: { message: Buffer | string; outbound: boolean }) => {
        messages.push(recorder.record(identity, event.message.toString(), event.outbound));
      });
      client.on('close', () => {
        if (clients.get(identity) === client) clients.delete(identity);
      });
      const protocol = client.protocol ?? 'ocpp1.6';
      client.handle(({ method, params }) => answer(identity, protocol, method ?? '', (params ?? {}) as Record<string, unknown>) as Promise<Record<string, unknown>>);
    });
    const listener = (req: IncomingMessage, res: import('node:http').ServerResponse): void => {
      res.writeHead(404).end();
      void req;
    };
    const http = options.tls
      ? createHttpsServer(
          {
            cert: options.tls.cert,
            key: options.tls.key,
            ...(options.tls.ca ? { ca: options.tls.ca } : {}),
            requestCert: options.tls.requireClientCert ?? false,
            rejectUnauthorized: false, // decided in auth() so a missing certificate gets a clean 401
            minVersion: 'TLSv1.2',
          },
          listener,
        )
      : createHttpServer(listener);
    http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      void server.handleUpgrade(req, socket, head);
    });
    http.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    http.on('secureConnection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    const address = http.address();
    if (address && typeof address === 'object') port = address.port;
    httpServer = http;
    rpcServer = server;
  };

  const dropConnections = (): void => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };

  const stopServing = async (): Promise<void> => {
    const http = httpServer;
    const server = rpcServer;
    httpServer = null;
    rpcServer = null;
    dropConnections();
    clients.clear();
    if (http) await new Promise<void>((resolve) => http.close(() => resolve()));
    if (server) await server.close({ force: true });
  };

  const portChosenHere = options.port === undefined || options.port === 0;
  for (let attempt = 1; ; attempt++) {
    try {
      await startServing();
      break;
    } catch (err) {
      // The port chosen here was taken between the check and the listen: another one.
      if (!portChosenHere || attempt >= 5 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      port = await steadyPort(host);
    }
  }
  const scheme = options.tls ? 'wss' : 'ws';

  const controls: BenchCsmsControls = {
    goDown: stopServing,
    comeBack: async () => {
      if (!httpServer) await startServing();
    },
    dropConnections,
    setAnswerDelayMs: (ms) => {
      answerDelayMs = ms;
    },
    setSilent: (method) => {
      silentMethod = method;
    },
    respondWith: (method, responder) => {
      if (responder) responders.set(method, responder);
      else responders.delete(method);
    },
    failNext: (method, count, code = 'InternalError') => {
      failures.set(method, { count, code });
    },
    call: async (identity, method, params, callOptions) => {
      const client = clients.get(identity);
      if (!client) throw new Error(`station '${identity}' is not connected to the bench CSMS`);
      return client.call(method, params, callOptions?.timeoutMs ? { callTimeoutMs: callOptions.timeoutMs } : {});
    },
    sendRaw: (identity, frame) => {
      const client = clients.get(identity);
      if (!client) throw new Error(`station '${identity}' is not connected to the bench CSMS`);
      client.sendRaw(frame);
    },
  };

  return {
    get url() {
      return `${scheme}://${host}:${port}`;
    },
    get port() {
      return port;
    },
    messages,
    controls,
    answers,
    connectedIdentities: () => [...clients.keys()],
    protocolOf: (identity) => clients.get(identity)?.protocol ?? null,
    acceptedConnections: () => accepted,
    callsOf: (method) =>
      messages.filter((m) => m.type === 'CALL' && !m.outbound && m.method === method).map((m) => m.payload as Record<string, unknown>),
    waitFor: async (predicate, timeoutMs = 5000, what = 'condition') => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(messages)) {
        if (Date.now() > deadline) throw new Error(`bench CSMS: timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    close: stopServing,
  };
}
