/**
 * One 2.0.1 station over the REAL journal (worker thread, file on disk) whose sessions the journal commits as the
 * station does (JournalStation), against the bench CSMS speaking ocpp2.0.1 in strict mode on loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBenchCsms, type BenchCsms, type BenchCsmsOptions } from '../../../../simulator/csms/bench-csms.js';
import { systemClock } from '../../../../src/clock.js';
import { openJournal, type Journal } from '../../../../src/journal/journal.js';
import { silentLogger } from '../../../../src/logger.js';
import type { OcppConfig } from '../../../../src/ocpp/config.js';
import { createOcpp201Client, type Ocpp201Client, type Ocpp201ClientOptions } from '../../../../src/ocpp/v201/client.js';
import type { TransactionEventRequest } from '../../../../src/ocpp/v201/transactions/types.js';
import { STATION } from '../../support/harness.js';
import { fastConfig201, waitFor } from '../rig.js';
import { JournalStation } from './journal-station.js';

export class BenchRig {
  client!: Ocpp201Client;
  station!: JournalStation;

  private constructor(
    readonly csms: BenchCsms,
    public journal: Journal,
    readonly dir: string,
    private readonly config: OcppConfig,
    private readonly extra: Partial<Ocpp201ClientOptions>,
  ) {}

  static async create(options: { csms?: BenchCsmsOptions; config?: Partial<OcppConfig>; client?: Partial<Ocpp201ClientOptions> } = {}): Promise<BenchRig> {
    const dir = mkdtempSync(join(tmpdir(), 'evse-v201-bench-'));
    const csms = await createBenchCsms({ port: 0, ...options.csms });
    const journal = await openJournal({ stateDir: dir, clock: systemClock });
    const rig = new BenchRig(csms, journal, dir, fastConfig201(csms.url, options.config), options.client ?? {});
    await rig.boot();
    return rig;
  }

  private async boot(): Promise<void> {
    this.station = new JournalStation(this.journal, () => this.client.outboxChanged());
    this.client = await createOcpp201Client({
      config: this.config,
      station: STATION,
      port: this.station,
      outbox: this.journal,
      kv: this.journal,
      clock: systemClock,
      logger: silentLogger(),
      outboxPollMs: 20,
      meterTickMs: 50,
      ...this.extra,
    });
    this.client.start();
  }

  /** The process dies mid-whatever and starts again: the journal reopened, its open sessions closed (PowerLoss). */
  async crashAndRestart(): Promise<void> {
    await this.client.stop();
    await this.station.committed();
    await this.journal.close();
    this.journal = await openJournal({ stateDir: this.dir, clock: systemClock });
    await this.journal.recover(() => Promise.resolve(this.station.importWh));
    await this.boot();
  }

  async waitRegistered(timeoutMs = 5000): Promise<void> {
    await waitFor(() => this.client.registration.isAccepted() && this.client.connection.isOpen(), timeoutMs, 'registration');
  }

  call(action: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.csms.controls.call(STATION.id, action, params) as Promise<Record<string, unknown>>;
  }

  /** TransactionEvents the CSMS received, in order. */
  events(): TransactionEventRequest[] {
    return this.csms.callsOf('TransactionEvent') as unknown as TransactionEventRequest[];
  }

  async waitEvents(n: number, timeoutMs = 8000): Promise<TransactionEventRequest[]> {
    await waitFor(() => this.events().length >= n, timeoutMs, `${n} TransactionEvents (have ${this.events().length})`);
    return this.events();
  }

  async close(): Promise<void> {
    try {
      await this.client.stop();
      await this.station.committed();
      await this.journal.close();
      await this.csms.close();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
