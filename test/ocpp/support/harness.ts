import { createBenchCsms, type BenchCsms, type BenchCsmsOptions } from '../../../simulator/csms/bench-csms.js';
import { systemClock } from '../../../src/clock.js';
import { silentLogger } from '../../../src/logger.js';
import { createOcppClient, type OcppClient, type OcppClientOptions } from '../../../src/ocpp/client.js';
import { ocppSchema, type OcppConfig } from '../../../src/ocpp/config.js';
import type { DeadLetter } from '../../../src/ocpp/outbox-sender.js';
import { FakeStation } from './fake-station.js';
import { MemoryKeyValueStore } from './memory-kv.js';
import { MemoryOutboxStore } from './memory-outbox.js';

export const STATION = { id: 'CP1', vendor: 'TestVendor', model: 'AC-1', serialNumber: 'SN-1', firmwareVersion: '0.1.0' };

/** Fast timings for loopback tests: retries in tens of ms, transaction retries without delay. */
export function fastConfig(url: string, overrides: Partial<OcppConfig> = {}): OcppConfig {
  return ocppSchema.parse({
    reconnectInitialS: 0.02,
    reconnectMaxS: 0.1,
    callTimeoutS: 2,
    ...overrides,
    initialKeys: { TransactionMessageRetryInterval: '0', HeartbeatInterval: '0', WebSocketPingInterval: '0', ...overrides.initialKeys },
    url,
  });
}

/** One station (its journal survives `reboot()`) against one bench CSMS. */
export class Rig {
  client!: OcppClient;
  readonly outbox = new MemoryOutboxStore();
  readonly kv = new MemoryKeyValueStore();
  readonly station: FakeStation;
  readonly dead: DeadLetter[] = [];

  private constructor(
    readonly csms: BenchCsms,
    private readonly config: OcppConfig,
    private readonly extra: Partial<OcppClientOptions>,
  ) {
    this.station = new FakeStation(this.outbox, () => Date.now(), () => this.client.outboxChanged());
  }

  static async create(options: { csms?: BenchCsmsOptions; config?: Partial<OcppConfig>; client?: Partial<OcppClientOptions> } = {}): Promise<Rig> {
    const csms = await createBenchCsms({ port: 0, ...options.csms });
    const rig = new Rig(csms, fastConfig(csms.url, options.config), options.client ?? {});
    await rig.boot();
    return rig;
  }

  /** Creates and starts a client over the same journal (first start or after a reboot). */
  async boot(): Promise<void> {
    this.client = await createOcppClient({
      config: this.config,
      station: STATION,
      port: this.station,
      outbox: this.outbox,
      kv: this.kv,
      clock: systemClock,
      logger: silentLogger(),
      onDeadLetter: (d) => this.dead.push(d),
      outboxPollMs: 20,
      meterTickMs: 50,
      ...this.extra,
    });
    this.client.start();
  }

  /** The process dies and starts again (in-memory state lost; the journal kept). */
  async reboot(): Promise<void> {
    await this.client.stop();
    await this.boot();
  }

  async waitRegistered(timeoutMs = 5000): Promise<void> {
    await waitUntil(() => this.client.registration.isAccepted() && this.client.connection.isOpen(), timeoutMs, 'registration');
  }

  async waitDrained(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.outbox.depth()) > 0 || this.client.sender.messageInFlight() !== null) {
      if (Date.now() > deadline) throw new Error(`outbox not drained after ${timeoutMs} ms (${await this.outbox.depth()} left)`);
      await sleep(10);
    }
  }

  async close(): Promise<void> {
    await this.client.stop();
    await this.csms.close();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}
