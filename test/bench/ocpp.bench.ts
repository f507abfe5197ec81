/**
 * Backlog replay: 10,000 journaled transaction messages (Start, MeterValues…, Stop per session) delivered in order
 * from an in-memory OutboxStore by the OCPP client to a loopback bench CSMS, next to plain sequential ocpp-rpc calls
 * of the same payloads to the same server in the same run. Target (issue 6): ratio ≥ 0.8. Rounds alternate which
 * path goes first (the machine is shared, so load drifts); the figures are medians over the rounds.
 */
import { cpus } from 'node:os';
import { createBenchCsms } from '../../simulator/csms/bench-csms.js';
import { systemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { createOcppClient } from '../../src/ocpp/client.js';
import { RPCClient } from '../../src/ocpp/rpc.js';
import type { OutboxKind } from '../../src/journal/ports.js';
import { fastConfig, STATION } from '../ocpp/support/harness.js';
import { FakeStation } from '../ocpp/support/fake-station.js';
import { MemoryKeyValueStore } from '../ocpp/support/memory-kv.js';
import { MemoryOutboxStore } from '../ocpp/support/memory-outbox.js';
import type { Bench, Figure } from './figures.js';

const METER_VALUES_PER_SESSION = 8;

interface Planned {
  kind: OutboxKind;
  sessionId: number;
  payload: Record<string, unknown>;
}

function plan(count: number): Planned[] {
  const out: Planned[] = [];
  let wh = 1_000_000;
  const t0 = Date.UTC(2026, 0, 1);
  for (let session = 1; out.length < count; session += 1) {
    const at = (i: number): string => new Date(t0 + session * 3_600_000 + i * 60_000).toISOString();
    out.push({ kind: 'StartTransaction', sessionId: session, payload: { connectorId: 1, idTag: `TAG-${session}`, meterStart: wh, timestamp: at(0) } });
    for (let i = 1; i <= METER_VALUES_PER_SESSION && out.length < count - 1; i += 1) {
      wh += 150;
      out.push({
        kind: 'MeterValues',
        sessionId: session,
        payload: { connectorId: 1, meterValue: [{ timestamp: at(i), sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' }] }] },
      });
    }
    wh += 150;
    out.push({ kind: 'StopTransaction', sessionId: session, payload: { meterStop: wh, timestamp: at(METER_VALUES_PER_SESSION + 1), reason: 'Local' } });
  }
  return out.slice(0, count);
}

async function viaOutbox(url: string, messages: readonly Planned[]): Promise<number> {
  const outbox = new MemoryOutboxStore();
  const client = await createOcppClient({
    config: fastConfig(url),
    station: { ...STATION, id: 'BENCH-OUTBOX' },
    port: new FakeStation(outbox),
    outbox,
    kv: new MemoryKeyValueStore(),
    clock: systemClock,
    logger: silentLogger(),
    outboxPollMs: 5,
  });
  client.start();
  while (!client.registration.isAccepted() || (await outbox.depth()) > 0) await new Promise((r) => setTimeout(r, 5));
  const t0 = performance.now();
  for (const m of messages) outbox.append(m.kind, m.sessionId, m.payload);
  client.outboxChanged();
  while ((await outbox.depth()) > 0) await new Promise((r) => setTimeout(r, 2));
  const seconds = (performance.now() - t0) / 1000;
  await client.stop();
  if (outbox.deadLetters().length > 0) throw new Error('bench: dead letters in the replay');
  return seconds;
}

async function plainSequential(url: string, messages: readonly Planned[]): Promise<number> {
  const client = new RPCClient({ endpoint: url, identity: 'BENCH-PLAIN', protocols: ['ocpp1.6'], strictMode: true, reconnect: false } as ConstructorParameters<typeof RPCClient>[0]);
  await client.connect();
  const ids = new Map<number, number>();
  const t0 = performance.now();
  for (const m of messages) {
    const params = m.kind === 'StartTransaction' ? m.payload : { ...m.payload, transactionId: ids.get(m.sessionId) };
    const conf = (await client.call(m.kind, params)) as { transactionId?: number };
    if (m.kind === 'StartTransaction' && conf.transactionId !== undefined) ids.set(m.sessionId, conf.transactionId);
  }
  const seconds = (performance.now() - t0) / 1000;
  await client.close({ force: true });
  return seconds;
}

const run: Bench = async ({ quick }) => {
  const MESSAGES = quick ? 1000 : 10_000;
  const rounds = quick ? 1 : 3;
  const csms = await createBenchCsms({ port: 0 });
  const messages = plan(MESSAGES);
  try {
    // warm-up of both paths (JIT, sockets)
    await plainSequential(csms.url, messages.slice(0, 500));
    await viaOutbox(csms.url, messages.slice(0, 500));
    const rows: { run: number; plain: number; outbox: number }[] = [];
    for (let i = 1; i <= rounds; i += 1) {
      const measure = async (which: 'plain' | 'outbox'): Promise<number> => {
        csms.messages.length = 0;
        return MESSAGES / (await (which === 'plain' ? plainSequential(csms.url, messages) : viaOutbox(csms.url, messages)));
      };
      if (i % 2 === 1) {
        const plain = await measure('plain');
        rows.push({ run: i, plain, outbox: await measure('outbox') });
      } else {
        const outbox = await measure('outbox');
        rows.push({ run: i, plain: await measure('plain'), outbox });
      }
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const plainMedian = median(rows.map((r) => r.plain));
    const outboxMedian = median(rows.map((r) => r.outbox));
    const ratioMedian = median(rows.map((r) => r.outbox / r.plain));
    process.stderr.write(`ocpp: backlog replay, ${MESSAGES} messages, loopback bench CSMS (strict mode), ${cpus().length} cores, Node ${process.version}\n`);
    for (const r of rows) process.stderr.write(`  round ${r.run}: plain ${r.plain.toFixed(0)} msg/s, outbox ${r.outbox.toFixed(0)} msg/s, ratio ${(r.outbox / r.plain).toFixed(2)}\n`);
    const note = `${MESSAGES} messages in order to a loopback bench CSMS, median of ${rounds} rounds`;
    const figures: Figure[] = [
      { bench: 'ocpp', name: 'backlog replay, plain ocpp-rpc calls', value: plainMedian, unit: 'msg/s', note },
      { bench: 'ocpp', name: 'backlog replay, outbox sender', value: outboxMedian, unit: 'msg/s', note },
      {
        bench: 'ocpp',
        name: 'backlog replay, outbox / plain',
        value: ratioMedian,
        unit: 'ratio',
        target: { kind: 'min', value: 0.8 },
        note: `median of the rounds' ratios (ratio of the medians ${(outboxMedian / plainMedian).toFixed(2)})`,
      },
    ];
    return figures;
  } finally {
    await csms.close();
  }
};

export default run;
