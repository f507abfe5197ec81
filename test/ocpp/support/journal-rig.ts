import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createBenchCsms, type BenchCsms, type BenchCsmsOptions } from '../../../simulator/csms/bench-csms.js';
import { systemClock } from '../../../src/clock.js';
import { openJournal, type Journal, type JournalOptions } from '../../../src/journal/journal.js';
import { journalPath } from '../../../src/journal/open.js';
import type { AlertRow } from '../../../src/journal/types.js';
import { silentLogger } from '../../../src/logger.js';
import { createOcppClient, type OcppClient, type OcppClientOptions } from '../../../src/ocpp/client.js';
import type { OcppConfig } from '../../../src/ocpp/config.js';
import type { DeadLetter, StoreFailure, StoreRecovery } from '../../../src/ocpp/outbox-sender.js';
import { outboxAlerts } from '../../../src/wiring/outbox-alerts.js';
import { FakeStation } from './fake-station.js';
import { fastConfig, sleep, STATION } from './harness.js';
import { MemoryOutboxStore } from './memory-outbox.js';

/** An outbox row as the journal file holds it (read beside the running worker: WAL lets a reader in). */
export interface OutboxFileRow {
  readonly seq: number;
  readonly kind: string;
  readonly sessionId: number | null;
  readonly state: 'pending' | 'delivered' | 'dead';
  readonly attempts: number;
  readonly lastError: string | null;
}

/**
 * One station whose uplink reads the REAL SQLite journal (worker thread, file on disk), against one bench CSMS on
 * loopback. Sessions are committed to the journal as the station does (startSession queues StartTransaction,
 * stopSession queues StopTransaction); the uplink's alerts go to the same journal through the station's wiring.
 */
export class JournalRig {
  client!: OcppClient;
  /** Statuses and samples for the uplink; its own session bookkeeping is unused (sessions go through the journal). */
  readonly station = new FakeStation(new MemoryOutboxStore());
  readonly dead: DeadLetter[] = [];
  readonly storeFailures: StoreFailure[] = [];
  readonly storeRecoveries: StoreRecovery[] = [];

  private constructor(
    public csms: BenchCsms,
    readonly journal: Journal,
    readonly dir: string,
    private config: OcppConfig,
    private readonly extra: Partial<OcppClientOptions>,
  ) {}

  static async create(
    options: { csms?: BenchCsmsOptions; config?: Partial<OcppConfig>; client?: Partial<OcppClientOptions>; journal?: Partial<JournalOptions> } = {},
  ): Promise<JournalRig> {
    const dir = mkdtempSync(join(tmpdir(), 'evse-outbox-'));
    const csms = await createBenchCsms({ port: 0, ...options.csms });
    const journal = await openJournal({ stateDir: dir, clock: systemClock, ...options.journal });
    const rig = new JournalRig(csms, journal, dir, fastConfig(csms.url, options.config), options.client ?? {});
    await rig.boot();
    return rig;
  }

  /** Creates and starts a client over the same journal (first start, or the process after a reboot). */
  async boot(): Promise<void> {
    const alerts = outboxAlerts(this.journal, silentLogger());
    this.client = await createOcppClient({
      config: this.config,
      station: STATION,
      port: this.station,
      outbox: this.journal,
      kv: this.journal,
      clock: systemClock,
      logger: silentLogger(),
      sessionSamples: (sessionId) => this.journal.samples(sessionId),
      onDeadLetter: (d) => {
        this.dead.push(d);
        alerts.onDeadLetter(d);
      },
      onOutboxStoreError: (f) => {
        this.storeFailures.push(f);
        alerts.onOutboxStoreError(f);
      },
      onOutboxStoreRecovered: (r) => {
        this.storeRecoveries.push(r);
        alerts.onOutboxStoreRecovered(r);
      },
      outboxPollMs: 20,
      meterTickMs: 50,
      ...this.extra,
    });
    this.client.start();
  }

  /** The process restarts (in-memory state lost, the journal kept); optionally against another CSMS. */
  async reboot(options: { csms?: BenchCsms } = {}): Promise<void> {
    await this.client.stop();
    if (options.csms) {
      this.csms = options.csms;
      this.config = { ...this.config, url: options.csms.url };
    }
    await this.boot();
  }

  async waitRegistered(timeoutMs = 5000): Promise<void> {
    await waitFor(() => this.client.registration.isAccepted() && this.client.connection.isOpen(), timeoutMs, 'registration');
  }

  /** Commits a session start (and its StartTransaction) to the journal and wakes the sender. */
  async startSession(idTag: string, meterStartWh: number): Promise<number> {
    const now = Date.now();
    const id = await this.journal.startSession({ connectorId: 1, idTag, plugInAtMs: now - 2000, authorizedAtMs: now - 500, startAtMs: now, meterStartWh });
    this.client.outboxChanged();
    return id;
  }

  /** Queues a MeterValues of the session, as the meter-value scheduler does. */
  async meterValue(sessionId: number, importWh: number): Promise<number> {
    const seq = await this.journal.enqueue('MeterValues', sessionId, {
      connectorId: 1,
      meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: String(importWh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
    });
    this.client.outboxChanged();
    return seq;
  }

  async stopSession(sessionId: number, meterStopWh: number): Promise<void> {
    await this.journal.stopSession(sessionId, { stopAtMs: Date.now(), meterStopWh, reason: 'Local' });
    this.client.outboxChanged();
  }

  async waitDrained(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.journal.depth()) > 0 || this.client.sender.messageInFlight() !== null) {
      if (Date.now() > deadline) throw new Error(`outbox not drained after ${timeoutMs} ms (${await this.journal.depth()} left)`);
      await sleep(10);
    }
  }

  /** The outbox as the journal file holds it. */
  outboxRows(): OutboxFileRow[] {
    const db = new Database(journalPath(this.dir), { readonly: true });
    try {
      return db
        .prepare('SELECT seq, kind, session_id AS sessionId, state, attempts, last_error AS lastError FROM outbox ORDER BY seq')
        .all() as OutboxFileRow[];
    } finally {
      db.close();
    }
  }

  /** Alerts journaled by the outbox (dead letters, journal failures of the outbox). */
  async outboxAlerts(): Promise<AlertRow[]> {
    return (await this.journal.alerts()).filter((a) => a.code.startsWith('outbox-'));
  }

  async close(): Promise<void> {
    try {
      await this.client.stop();
      await this.journal.close();
      await this.csms.close();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}
