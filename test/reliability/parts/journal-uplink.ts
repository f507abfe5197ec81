/**
 * The station's uplink half on the real parts: the SQLite journal (worker thread, outbox, key-value store) and the
 * real OCPP client reading that outbox, both on a clock that runs with real time and can jump ahead (days pass in
 * seconds), against the bench CSMS in a process of its own. Sessions are written to the journal the way the station's
 * session recorder and MeterValues scheduler write them (startSession, recordSample + a MeterValues in the outbox,
 * stopSession), so days of traffic take seconds, not days.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MeterSample } from '../../../hal/meter.js';
import { openJournal, type Journal } from '../../../src/journal/journal.js';
import { createLogger, silentLogger } from '../../../src/logger.js';
import { createOcppClient, type OcppClient } from '../../../src/ocpp/client.js';
import { createOcpp201Client, type Ocpp201Client } from '../../../src/ocpp/v201/client.js';
import { ocppSchema } from '../../../src/ocpp/config.js';
import { meterValueFrom } from '../../../src/ocpp/sampled-values.js';
import { JumpingClock } from '../../support/jumping-clock.js';
import { FakeStation } from '../../ocpp/support/fake-station.js';
import { MemoryOutboxStore } from '../../ocpp/support/memory-outbox.js';
import { startCsmsProcess, type CsmsProcess, type LedgerEntry } from './csms-process.js';

export const identity = 'CP-REL';

export interface JournalUplink {
  readonly dir: string;
  readonly journal: Journal;
  /** The 1.6 client, or the 2.0.1 one (`version`): both read the same journal's outbox. */
  readonly client: OcppClient | Ocpp201Client;
  readonly version: '1.6' | '2.0.1';
  readonly clock: JumpingClock;
  readonly csms: CsmsProcess;
  /** Dead letters the sender gave up on. */
  readonly dead: string[];
  /** The meter register, Wh. */
  registerWh: number;
  close(): Promise<void>;
}

export async function openJournalUplink(name: string, options: { reconnectMaxS?: number; version?: '1.6' | '2.0.1' } = {}): Promise<JournalUplink> {
  const version = options.version ?? '1.6';
  const dir = mkdtempSync(join(tmpdir(), `evse-rel-${name}-`));
  const csms = await startCsmsProcess(join(dir, 'ledger.jsonl'));
  const clock = new JumpingClock();
  const journal = await openJournal({ stateDir: join(dir, 'state'), clock, logger: silentLogger() });
  const dead: string[] = [];
  // Only the charge-point side of the port (status, availability …); sessions go to the journal, not to its memory outbox.
  const port = new FakeStation(new MemoryOutboxStore(), () => clock.nowMs());
  const link = { url: csms.url, chargePointId: identity, reconnectInitialS: 0.05, reconnectMaxS: options.reconnectMaxS ?? 60, callTimeoutS: 5 };
  const common = {
    station: { id: identity, vendor: 'TestVendor', model: 'AC-1', serialNumber: 'SN-REL', firmwareVersion: '0.1.0' },
    port,
    outbox: journal,
    kv: journal,
    clock,
    logger: process.env['REL_DEBUG'] ? createLogger({ level: 'debug', destination: process.stderr }) : silentLogger(),
    onDeadLetter: (d: { message: { kind: string; seq: number }; error: string }) => dead.push(`${d.message.kind} #${d.message.seq}: ${d.error}`),
  };
  // Periodic samples come from writeSession only: the clients' own meter values are off (no session on the port anyway).
  const client =
    version === '2.0.1'
      ? await createOcpp201Client({
          ...common,
          config: ocppSchema.parse({
            ...link,
            version: '2.0.1',
            initialKeys: { 'OCPPCommCtrlr/HeartbeatInterval': '300', 'OCPPCommCtrlr/WebSocketPingInterval': '0', 'SampledDataCtrlr/TxUpdatedInterval': '0' },
          }),
        })
      : await createOcppClient({
          ...common,
          config: ocppSchema.parse({ ...link, initialKeys: { HeartbeatInterval: '300', WebSocketPingInterval: '0', MeterValueSampleInterval: '0' } }),
        });
  client.start();
  const uplink: JournalUplink = {
    dir,
    journal,
    client,
    version,
    clock,
    csms,
    dead,
    registerWh: 100_000,
    async close() {
      await client.stop();
      await journal.close();
      clock.close();
      await csms.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return uplink;
}

function sampleOf(importWh: number, atMs: number): MeterSample {
  const phase = { voltageV: 230, currentA: 16, powerW: 3680 };
  return { phases: [phase, phase, phase], totalPowerW: 11_040, importWh, frequencyHz: 50, readAtMs: atMs };
}

/**
 * One session as the station journals it, `meterValues` periodic readings `stepMs` apart; simulated time jumps between
 * the records. Resolves once every record is committed.
 */
export async function writeSession(
  u: JournalUplink,
  idTag: string,
  energyWh: number,
  meterValues: number,
  stepMs: number,
  pace: () => Promise<void> = () => Promise.resolve(),
  written?: WrittenRecord[],
): Promise<number> {
  const { journal, clock, client } = u;
  const online = (): boolean => client.registration.isAccepted() && client.connection.isOpen();
  // The link's state just before and just after each record is committed: where both agree, the record was written
  // in that state (the 2.0.1 `offline` flag is provable there).
  const record = async <T>(kind: string, write: () => Promise<T>, sessionOf: (r: T) => number): Promise<T> => {
    const before = online();
    const r = await write();
    written?.push({ sessionId: sessionOf(r), kind, before, after: online() });
    return r;
  };
  const startAt = clock.nowMs();
  const sessionId = await record(
    'StartTransaction',
    () => journal.startSession({ connectorId: 1, idTag, plugInAtMs: startAt - 20_000, authorizedAtMs: startAt - 5_000, startAtMs: startAt, meterStartWh: u.registerWh }),
    (id) => id,
  );
  client.outboxChanged();
  await pace();
  for (let i = 0; i < meterValues; i++) {
    clock.jump(stepMs);
    u.registerWh += Math.round(energyWh / meterValues);
    const sample = sampleOf(u.registerWh, clock.nowMs());
    await journal.recordSample(sessionId, sample);
    await record(
      'MeterValues',
      () => journal.enqueue('MeterValues', sessionId, { connectorId: 1, meterValue: [meterValueFrom(sample, ['Energy.Active.Import.Register', 'Power.Active.Import'], 'Sample.Periodic')] }),
      () => sessionId,
    );
    client.outboxChanged();
    await pace();
  }
  clock.jump(stepMs);
  await record('StopTransaction', () => journal.stopSession(sessionId, { stopAtMs: clock.nowMs(), meterStopWh: u.registerWh, reason: 'EVDisconnected' }), () => sessionId);
  client.outboxChanged();
  await pace();
  return sessionId;
}

/** One record writeSession journaled, with the link's state (open and registered) before and after its commit. */
export interface WrittenRecord {
  readonly sessionId: number;
  readonly kind: string;
  readonly before: boolean;
  readonly after: boolean;
}

/** Resolves once the outbox is empty and nothing is in flight; rejects after `timeoutMs`. */
export async function waitDrained(u: JournalUplink, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await u.journal.depth()) > 0 || u.client.sender.messageInFlight() !== null) {
    if (Date.now() > deadline) throw new Error(`outbox not drained after ${timeoutMs} ms (${await u.journal.depth()} left)`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface DeliveryFigures {
  /** Transaction messages the journal queued. */
  readonly queued: number;
  /** Queued, never answered by the CSMS. */
  readonly lost: number;
  /** Answered more than once (extra copies). */
  readonly duplicated: number;
  /** Stop or MeterValues carrying another transactionId than the one the CSMS gave the session's Start. */
  readonly wrongId: number;
  /** Delivered before a message queued earlier (first deliveries out of queue order). */
  readonly outOfOrder: number;
  /** Answered calls that match nothing queued. */
  readonly unexpected: number;
  /** Rows the journal gave up on (dead letters). */
  readonly dead: number;
}

interface OutboxRow {
  readonly seq: number;
  readonly kind: string;
  readonly sessionId: number;
  readonly payload: Record<string, unknown>;
  readonly state: string;
}

function keyOf(kind: string, p: Record<string, unknown>): string {
  if (kind === 'StartTransaction') return `start|${String(p['meterStart'])}|${String(p['timestamp'])}`;
  if (kind === 'StopTransaction') return `stop|${String(p['meterStop'])}|${String(p['timestamp'])}`;
  const first = (p['meterValue'] as { timestamp?: string }[] | undefined)?.[0];
  return `mv|${String(first?.timestamp)}`;
}

/** Compares what the journal queued (the outbox, in queue order) with what the CSMS answered (its ledger). */
export function compareDelivery(stateDir: string, ledger: readonly LedgerEntry[]): DeliveryFigures {
  const db = new Database(join(stateDir, 'journal.db'), { readonly: true });
  let rows: OutboxRow[];
  try {
    rows = (
      db
        .prepare("SELECT seq, kind, session_id AS sessionId, payload, state FROM outbox WHERE kind IN ('StartTransaction', 'StopTransaction', 'MeterValues') AND session_id IS NOT NULL ORDER BY seq")
        .all() as { seq: number; kind: string; sessionId: number; payload: string; state: string }[]
    ).map((r) => ({ ...r, payload: JSON.parse(r.payload) as Record<string, unknown> }));
  } finally {
    db.close();
  }
  const byKey = new Map(rows.map((r) => [keyOf(r.kind, r.payload), r]));
  const hits = new Map<number, number>();
  const txOfSession = new Map<number, number>();
  let unexpected = 0;
  let wrongId = 0;
  let outOfOrder = 0;
  let lastSeq = -1;
  for (const e of ledger.filter((x) => x.identity === identity)) {
    const row = byKey.get(keyOf(e.method, e.params));
    if (!row) {
      unexpected++;
      continue;
    }
    hits.set(row.seq, (hits.get(row.seq) ?? 0) + 1);
    if (hits.get(row.seq) === 1) {
      if (row.seq < lastSeq) outOfOrder++;
      lastSeq = Math.max(lastSeq, row.seq);
    }
    if (e.method === 'StartTransaction') {
      const tx = (e.answer as { transactionId?: unknown }).transactionId;
      if (typeof tx === 'number' && !txOfSession.has(row.sessionId)) txOfSession.set(row.sessionId, tx);
    } else if (e.params['transactionId'] !== txOfSession.get(row.sessionId)) {
      wrongId++;
    }
  }
  let lost = 0;
  let duplicated = 0;
  for (const r of rows) {
    const n = hits.get(r.seq) ?? 0;
    if (n === 0) lost++;
    else duplicated += n - 1;
  }
  return { queued: rows.length, lost, duplicated, wrongId, outOfOrder, unexpected, dead: rows.filter((r) => r.state === 'dead').length };
}

/** JS heap in use, MiB, after a full garbage collection when exposed. */
export function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10;
}

/** Resident set size, MiB, after a full garbage collection when the runner exposes it (`node --expose-gc`). */
export function residentMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
}

/** Resolves once the client is registered and its link open; rejects after `timeoutMs`. */
export async function waitRegistered(u: JournalUplink, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(u.client.registration.isAccepted() && u.client.connection.isOpen())) {
    if (Date.now() > deadline) throw new Error(`not registered at the CSMS after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
