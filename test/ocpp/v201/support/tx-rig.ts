/**
 * One station's 2.0.1 transaction delivery over the REAL SQLite journal (worker thread, file on disk) and a real
 * websocket on loopback, strict 2.0.1 schema validation on both ends (ocpp-rpc, subprotocol ocpp2.0.1): the shared
 * OutboxSender with the 2.0.1 TransactionWire. The CSMS records every TransactionEvent and can refuse or go away.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import ocppRpc from 'ocpp-rpc';
import type { RPCClient } from 'ocpp-rpc';
import { systemClock } from '../../../../src/clock.js';
import { openJournal, type Journal } from '../../../../src/journal/journal.js';
import { journalPath } from '../../../../src/journal/open.js';
import { silentLogger } from '../../../../src/logger.js';
import { OutboxSender, type DeadLetter } from '../../../../src/ocpp/outbox-sender.js';
import { OnlineIntervals } from '../../../../src/ocpp/v201/transactions/online-intervals.js';
import { transactionEventRetryPolicy } from '../../../../src/ocpp/v201/transactions/retry-policy.js';
import { DEFAULT_TX_POINTS } from '../../../../src/ocpp/v201/transactions/tx-points.js';
import type { TransactionEventRequest } from '../../../../src/ocpp/v201/transactions/types.js';
import { TransactionWire, type SessionFacts, type TransactionEventAnswer } from '../../../../src/ocpp/v201/transactions/wire.js';
import { assertSchema } from '../schemas.js';

const { RPCServer, RPCClient: RpcClientClass } = ocppRpc;
const createRPCError = ocppRpc.createRPCError as (code: string, message?: string) => Error;

/** A strict 2.0.1 CSMS on loopback that answers TransactionEvent (and MeterValues) and records what arrived. */
export class TxCsms {
  readonly events: TransactionEventRequest[] = [];
  readonly calls: { method: string; params: Record<string, unknown> }[] = [];
  /** CALLERRORs still to answer to TransactionEvent. */
  failNext = 0;
  answer: (event: TransactionEventRequest) => TransactionEventAnswer = () => ({});
  private readonly server = new RPCServer({ protocols: ['ocpp2.0.1'], strictMode: true, pingIntervalMs: 0 });
  private readonly clients = new Set<RPCClient>();
  url = '';

  static async create(): Promise<TxCsms> {
    const csms = new TxCsms();
    csms.server.on('client', (client: RPCClient) => {
      csms.clients.add(client);
      client.on('close', () => csms.clients.delete(client));
      client.handle(({ method, params }: { method?: string; params?: unknown }) => {
        const p = (params ?? {}) as Record<string, unknown>;
        csms.calls.push({ method: method ?? '', params: p });
        if (method === 'TransactionEvent') {
          if (csms.failNext > 0) {
            csms.failNext -= 1;
            throw createRPCError('InternalError', 'told to refuse');
          }
          csms.events.push(p as unknown as TransactionEventRequest);
          return Promise.resolve(csms.answer(p as unknown as TransactionEventRequest));
        }
        if (method === 'MeterValues') return Promise.resolve({});
        throw createRPCError('NotImplemented', `no answer for ${method ?? ''}`);
      });
    });
    const http = await csms.server.listen(0, '127.0.0.1');
    csms.url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
    return csms;
  }

  /** Drops every station link (the station reconnects when told). */
  async dropConnections(): Promise<void> {
    await Promise.all([...this.clients].map((c) => c.close({ force: true })));
  }

  async close(): Promise<void> {
    await this.server.close({ force: true });
  }
}

export interface StationLinkOptions {
  readonly attempts?: number;
  readonly intervalS?: number;
  readonly facts?: SessionFacts;
}

/** The station: its journal survives `reboot()`; its link can be cut and restored. */
export class TxStation {
  sender!: OutboxSender;
  online!: OnlineIntervals;
  private client: RPCClient | null = null;
  readonly dead: DeadLetter[] = [];
  readonly answers: { sessionId: number; eventType: string; answer: TransactionEventAnswer }[] = [];
  readonly settings = { attempts: 3, intervalS: 0 };

  private constructor(
    readonly csms: TxCsms,
    public journal: Journal,
    readonly dir: string,
    private readonly options: StationLinkOptions,
  ) {
    this.settings.attempts = options.attempts ?? 3;
    this.settings.intervalS = options.intervalS ?? 0;
  }

  static async create(options: StationLinkOptions = {}): Promise<TxStation> {
    const csms = await TxCsms.create();
    const dir = mkdtempSync(join(tmpdir(), 'evse-v201-tx-'));
    const journal = await openJournal({ stateDir: dir, clock: systemClock });
    const station = new TxStation(csms, journal, dir, options);
    station.boot();
    return station;
  }

  /** A process start: a new sender over the same journal, offline until `connect()`. */
  private boot(): void {
    this.online = new OnlineIntervals(Date.now());
    const wire = new TransactionWire({
      points: () => DEFAULT_TX_POINTS,
      online: this.online,
      ...(this.options.facts ? { facts: this.options.facts } : {}),
      onTransactionAnswer: (sessionId, event, answer) => this.answers.push({ sessionId, eventType: event.eventType, answer }),
    });
    this.sender = new OutboxSender({
      store: this.journal,
      link: {
        isOpen: () => this.client?.state === RpcClientClass.OPEN,
        call: async <T>(method: string, params: Record<string, unknown>): Promise<T> => {
          const client = this.client;
          if (!client) throw new Error('not connected');
          // The station's own check: what it sends must pass the 2.0.1 schema (the CSMS validates too).
          assertSchema(method, 'req', params);
          return (await client.call(method, params)) as T;
        },
      },
      policy: transactionEventRetryPolicy({ messageAttempts: () => this.settings.attempts, messageAttemptIntervalS: () => this.settings.intervalS }),
      clock: systemClock,
      logger: silentLogger(),
      mayTransmit: () => true,
      onDeadLetter: (d) => this.dead.push(d),
      idlePollMs: 20,
      wire,
    });
    this.sender.start();
  }

  async connect(): Promise<void> {
    const client = new RpcClientClass({
      endpoint: this.csms.url,
      identity: 'CP201',
      protocols: ['ocpp2.0.1'],
      strictMode: true,
      reconnect: false,
      pingIntervalMs: 0,
    } as ConstructorParameters<typeof RpcClientClass>[0]);
    client.on('close', () => {
      if (this.client === client) {
        this.client = null;
        this.online.offline(Date.now());
      }
    });
    await client.connect();
    this.client = client;
    this.online.online(Date.now());
    this.sender.kick();
  }

  async disconnect(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.online.offline(Date.now());
    await client?.close({ force: true });
  }

  /** The process dies and restarts: in-memory state lost, the journal kept and recovered (open sessions: PowerLoss). */
  async reboot(meterWh: number): Promise<void> {
    await this.disconnect();
    await this.sender.stop();
    await this.journal.close();
    this.journal = await openJournal({ stateDir: this.dir, clock: systemClock });
    await this.journal.recover(() => Promise.resolve(meterWh));
    this.boot();
  }

  async startSession(idTag: string | null, meterStartWh: number, plugFirst = true): Promise<number> {
    const now = Date.now();
    const id = await this.journal.startSession({
      connectorId: 1,
      idTag,
      plugInAtMs: plugFirst ? now - 2000 : now - 500,
      authorizedAtMs: plugFirst ? now - 500 : now - 2000,
      startAtMs: now,
      meterStartWh,
    });
    this.sender.kick();
    return id;
  }

  async updated(sessionId: number, triggerReason: string, extra: Record<string, unknown> = {}): Promise<void> {
    await this.journal.enqueue('TransactionEvent', sessionId, { timestamp: new Date().toISOString(), triggerReason, ...extra });
    this.sender.kick();
  }

  async stopSession(sessionId: number, meterStopWh: number, reason: 'Local' | 'Remote' | 'EVDisconnected' = 'Local', idTag?: string): Promise<void> {
    await this.journal.stopSession(sessionId, { stopAtMs: Date.now(), meterStopWh, reason, ...(idTag ? { stopIdTag: idTag } : {}) });
    this.sender.kick();
  }

  async waitEvents(n: number, timeoutMs = 10_000): Promise<TransactionEventRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.csms.events.length < n) {
      if (Date.now() > deadline) throw new Error(`only ${this.csms.events.length} of ${n} TransactionEvents arrived in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.csms.events.slice(0, n);
  }

  /** The session's 2.0.1 columns as the journal file holds them (read beside the worker: WAL lets a reader in). */
  sessionRow(sessionId: number): unknown {
    const db = new Database(journalPath(this.dir), { readonly: true });
    try {
      return db.prepare('SELECT tx_uid, id_tag_status, csms_transaction_id FROM sessions WHERE id = ?').get(sessionId);
    } finally {
      db.close();
    }
  }

  async close(): Promise<void> {
    try {
      await this.disconnect();
      await this.sender.stop();
      await this.journal.close();
      await this.csms.close();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
