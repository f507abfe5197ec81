import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBenchCsms, type BenchCsms, type BenchCsmsOptions, type RecordedFrame } from '../../../simulator/csms/bench-csms.js';
import { systemClock } from '../../../src/clock.js';
import { openJournal, type Journal } from '../../../src/journal/journal.js';
import { silentLogger } from '../../../src/logger.js';
import { ocppSchema, type OcppConfig } from '../../../src/ocpp/config.js';
import { createOcpp201Client, type Ocpp201Client, type Ocpp201ClientOptions } from '../../../src/ocpp/v201/client.js';
import { FakeStation } from '../support/fake-station.js';
import { STATION } from '../support/harness.js';
import { MemoryOutboxStore } from '../support/memory-outbox.js';

/** Fast timings for loopback tests: reconnects in tens of ms, no heartbeats or pings unless a test sets them. */
export function fastConfig201(url: string, overrides: Partial<OcppConfig> = {}): OcppConfig {
  return ocppSchema.parse({
    version: '2.0.1',
    reconnectInitialS: 0.02,
    reconnectMaxS: 0.1,
    callTimeoutS: 2,
    ...overrides,
    initialKeys: {
      'OCPPCommCtrlr/MessageAttemptInterval[TransactionEvent]': '0',
      'OCPPCommCtrlr/HeartbeatInterval': '0',
      'OCPPCommCtrlr/WebSocketPingInterval': '0',
      ...overrides.initialKeys,
    },
    url,
  });
}

/**
 * One 2.0.1 station whose uplink uses the REAL SQLite journal (worker thread, file on disk: its outbox and settings),
 * against one bench CSMS on loopback speaking ocpp2.0.1 in strict mode. The port is a FakeStation (statuses,
 * sessions, the reset/availability requests it got).
 */
export class Rig201 {
  client!: Ocpp201Client;
  readonly station = new FakeStation(new MemoryOutboxStore());
  readonly csmsTimes: number[] = [];

  private constructor(
    readonly csms: BenchCsms,
    public journal: Journal,
    readonly dir: string,
    private config: OcppConfig,
    private readonly extra: Partial<Ocpp201ClientOptions>,
  ) {}

  static async create(options: { csms?: BenchCsmsOptions; config?: Partial<OcppConfig>; client?: Partial<Ocpp201ClientOptions> } = {}): Promise<Rig201> {
    const dir = mkdtempSync(join(tmpdir(), 'evse-v201-'));
    const csms = await createBenchCsms({ port: 0, ...options.csms });
    const journal = await openJournal({ stateDir: dir, clock: systemClock });
    const rig = new Rig201(csms, journal, dir, fastConfig201(csms.url, { stateDir: dir, ...options.config }), options.client ?? {});
    try {
      await rig.boot();
    } catch (err) {
      // A client that refused to start (a bad seed) leaves nothing open behind it.
      await journal.close();
      await csms.close();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return rig;
  }

  async boot(): Promise<void> {
    this.client = await createOcpp201Client({
      config: this.config,
      station: STATION,
      port: this.station,
      outbox: this.journal,
      kv: this.journal,
      clock: systemClock,
      logger: silentLogger(),
      outboxPollMs: 20,
      onCsmsTime: (ms) => this.csmsTimes.push(ms),
      ...this.extra,
    });
    this.client.start();
  }

  /** The process restarts: the journal file is closed and opened again, the client built anew (optionally with another config). */
  async restart(config: Partial<OcppConfig> = {}): Promise<void> {
    this.config = { ...this.config, ...config };
    await this.client.stop();
    await this.journal.close();
    this.journal = await openJournal({ stateDir: this.dir, clock: systemClock });
    await this.boot();
  }

  async waitRegistered(timeoutMs = 5000): Promise<void> {
    await waitFor(() => this.client.registration.isAccepted() && this.client.connection.isOpen(), timeoutMs, 'registration');
  }

  /** A CSMS-initiated call to this station. */
  call(action: string, params: Record<string, unknown>): Promise<unknown> {
    return this.csms.controls.call(STATION.id, action, params);
  }

  /** Station → CSMS calls recorded since `from` (an index into csms.messages). */
  callsSince(from: number): RecordedFrame[] {
    return this.csms.messages.slice(from).filter((m) => m.type === 'CALL' && !m.outbound);
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

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}
