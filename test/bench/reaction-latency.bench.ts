/**
 * Reaction latency from a pilot change (C→B, unplug, E) to the contactor open command, on the simulated station with
 * the real control core. Pilot edges come from a worker thread (as a GPIO interrupt arrives from epoll: a task queued
 * behind whatever the event loop is doing), while the loop also meters over Modbus RTU and logs. Latency is measured
 * from the edge's timestamp to `contactor.open()`.
 *
 * Variants: sessions kept in memory; the SQLite journal committing durably (synchronous=FULL) with every commit
 * held 30 ms (a worn SD card) — the journal runs in its own worker thread, so its commits must not show here; and the
 * status page answering /api/status to 20 clients that poll back to back from another thread, served from its own
 * worker thread as the station does, and (for comparison) on the control core's thread, where it started out.
 * Environment: EVSE_BENCH_TRANSITIONS (default 10000), EVSE_BENCH_JOURNAL_TRANSITIONS (default 10000),
 * EVSE_BENCH_WEB_TRANSITIONS (default 5000, for each of the two status-page variants); 0 skips a variant.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import type { StationConfig } from '../../src/config/schema.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryRecorder } from '../../src/session/memory-recorder.js';
import type { Station } from '../../src/wiring/station.js';
import { buildStatusApp } from '../../src/web/app.js';
import { startStatusServer } from '../../src/web/server.js';
import { localStatusData } from '../../src/web/status-data.js';
import type { SessionRecorder } from '../../src/session/recorder.js';
import { createSimStation } from '../../src/commands/sim/sim-station.js';
import { pollStatusPage } from './status-page-clients.js';

type Kind = 'C→B' | 'unplug' | 'E';

interface Variant {
  readonly label: string;
  readonly transitions: number;
  readonly kinds: readonly Kind[];
  readonly meterPollMs: number;
  recorder(): Promise<{ recorder: SessionRecorder; close(): Promise<void> }>;
  /** Extra load while measuring; `stop` returns a line describing what it did. */
  load?(station: Station, config: StationConfig): Promise<{ stop(): Promise<string> }>;
}

/**
 * The status page on loopback, polled back to back by `clients` fetch loops in a worker thread. `where`: in its own
 * worker thread (what the station does), or served on the control core's thread (how it was first built; kept to
 * show why it moved).
 */
async function statusPageLoad(
  station: Station,
  config: StationConfig,
  clients: number,
  where: 'worker' | 'control thread',
): Promise<{ stop(): Promise<string> }> {
  const sources = { station, config, clock: systemClock };
  let server: { url: string; close(): Promise<void> };
  if (where === 'worker') {
    server = await startStatusServer({ sources, logger: silentLogger(), host: '127.0.0.1', port: 0 });
  } else {
    const app = buildStatusApp(localStatusData(sources, null), () => undefined);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    server = { url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/`, close: () => app.close() };
  }
  const load = pollStatusPage(`${server.url}api/status`, clients);
  const started = Date.now();
  return {
    async stop() {
      const count = await load.stop();
      await server.close();
      const seconds = (Date.now() - started) / 1000;
      return `  status page: ${count} answers to ${clients} clients in ${seconds.toFixed(0)} s (${(count / seconds).toFixed(0)}/s)`;
    },
  };
}

const now = (): number => performance.timeOrigin + performance.now();

/** A thread that sends pilot "edges" a random 0–3 ms after being asked, stamped with the absolute time. */
function edgeSource(): Worker {
  return new Worker(
    `const { parentPort } = require('node:worker_threads');
     parentPort.on('message', (m) => {
       if (m === 'stop') { parentPort.close(); return; }
       setTimeout(() => parentPort.postMessage(performance.timeOrigin + performance.now()), Math.random() * 3);
     });`,
    { eval: true },
  );
}

function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? NaN;
}

async function measure(v: Variant): Promise<{ latencies: number[]; perKind: Map<Kind, number[]>; elapsedS: number; loadReport: string | null }> {
  const config = parseConfig({
    control: { pilotDebounceMs: 2 },
    meter: { driver: 'sim', pollIntervalMs: v.meterPollMs },
  });
  // Logging load: every controller event and a status line per meter sample, through pino to /dev/null.
  const log = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  const store = await v.recorder();
  const sim = await createSimStation({
    config,
    clock: systemClock,
    logger: log,
    recorder: store.recorder,
    meterPath: 'modbus',
    tickMs: 5,
  });
  const { world, station } = sim;
  world.replaceEv({ ...config.simulator.ev, batteryWh: 200_000, startSocPercent: 10, reactionMs: 0 });
  station.onEvent((e) => log.info({ event: e.type }, 'controller event'));
  station.controller.meterPoller.onSample((s) => log.info({ w: s.totalPowerW, wh: s.importWh }, 'sample'));

  const edges = edgeSource();
  const load = v.load ? await v.load(station, config) : null;

  let openAt = 0;
  world.contactor.onCommand = (p) => {
    if (p === 'open' && openAt === 0) openAt = now();
  };
  const waitUntil = async (pred: () => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`bench stuck waiting for ${what} (status ${station.controller.snapshot().status}, faults: ${station.controller.faults.summary().active.map((f) => `${f.definition.name} ${f.detail ?? ""}`).join("; ")})`);
      await new Promise((r) => setTimeout(r, 1));
    }
  };
  const charging = (): boolean => world.contactor.commanded() === 'closed';

  const latencies: number[] = [];
  const perKind = new Map<Kind, number[]>();
  const started = Date.now();
  for (let i = 0; i < v.transitions; i++) {
    const kind = v.kinds[i % v.kinds.length] ?? 'C→B';
    // Bring the station back to Charging.
    if (world.pilot.cpShorted) world.inject('cp-short', false);
    if (!world.ev.plugged) {
      station.controller.resetFaults();
      world.plug();
    }
    if (station.controller.snapshot().session === 'none') await station.tap('BENCH');
    await waitUntil(charging, 'Charging');
    openAt = 0;
    const edge = new Promise<number>((resolve) => edges.once('message', (t: number) => resolve(t)));
    edges.postMessage('fire');
    const edgeAt = await edge;
    // The edge arrived: apply it to the simulated pilot (the driver's interrupt handler).
    if (kind === 'C→B') {
      world.ev.s2Closed = false;
      world.pilot.refresh();
    } else if (kind === 'unplug') {
      world.unplug();
    } else {
      world.inject('cp-short');
    }
    if (openAt === 0) throw new Error(`contactor did not open on ${kind}`);
    const ms = openAt - edgeAt;
    latencies.push(ms);
    const list = perKind.get(kind) ?? [];
    list.push(ms);
    perKind.set(kind, list);
    if (kind === 'E') {
      // Pilot faults recover on unplug.
      world.unplug();
      world.inject('cp-short', false);
    }
    if (kind !== 'C→B') {
      // While state F is held after a fault the pilot cannot see the unplug; wait until it has.
      await waitUntil(
        () => station.controller.snapshot().session === 'none' && station.controller.snapshot().pilot === 'A',
        'session stopped and EV seen unplugged',
      );
    }
  }
  const elapsedS = (Date.now() - started) / 1000;
  const loadReport = load ? await load.stop() : null;
  edges.postMessage('stop');
  await edges.terminate();
  await sim.close();
  await store.close();
  return { latencies, perKind, elapsedS, loadReport };
}

function row(label: string, values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const f = (x: number): string => x.toFixed(3).padStart(8);
  return `${label.padEnd(58)} ${String(values.length).padStart(6)} ${f(percentile(sorted, 50))} ${f(percentile(sorted, 99))} ${f(sorted.at(-1) ?? NaN)}`;
}

export default async function run(): Promise<void> {
  const n = Number(process.env['EVSE_BENCH_TRANSITIONS'] ?? 10_000);
  const nj = Number(process.env['EVSE_BENCH_JOURNAL_TRANSITIONS'] ?? 10_000);
  const nw = Number(process.env['EVSE_BENCH_WEB_TRANSITIONS'] ?? 5_000);
  const dirs: string[] = [];
  const allVariants: Variant[] = [
    {
      label: 'memory recorder, meter polled every 100 ms',
      transitions: n,
      // Each E costs the 300 ms state-F hold before the unplug can be seen: 6:3:1 keeps 10,000 transitions in minutes.
      kinds: ['C→B', 'unplug', 'C→B', 'E', 'C→B', 'unplug', 'C→B', 'C→B', 'unplug', 'C→B'],
      meterPollMs: 100,
      recorder: () => Promise.resolve({ recorder: new MemoryRecorder(), close: () => Promise.resolve() }),
    },
    {
      label: 'SQLite journal FULL, every commit held 30 ms, meter 1 s',
      transitions: nj,
      kinds: ['C→B', 'C→B', 'C→B', 'C→B', 'C→B', 'C→B', 'C→B', 'C→B', 'unplug', 'E'],
      meterPollMs: 1000,
      recorder: async () => {
        const dir = mkdtempSync(join(tmpdir(), 'evse-bench-'));
        dirs.push(dir);
        const journal: Journal = await openJournal({ stateDir: dir, synchronous: 'FULL', commitDelayMs: 30 });
        return { recorder: journal, close: () => journal.close() };
      },
    },
    {
      label: 'memory, meter 100 ms, status page (worker) polled by 20',
      transitions: nw,
      kinds: ['C→B', 'unplug', 'C→B', 'E', 'C→B', 'unplug', 'C→B', 'C→B', 'unplug', 'C→B'],
      meterPollMs: 100,
      recorder: () => Promise.resolve({ recorder: new MemoryRecorder(), close: () => Promise.resolve() }),
      load: (station, config) => statusPageLoad(station, config, 20, 'worker'),
    },
    {
      label: 'same, page served on the control thread (comparison)',
      transitions: nw,
      kinds: ['C→B', 'unplug', 'C→B', 'E', 'C→B', 'unplug', 'C→B', 'C→B', 'unplug', 'C→B'],
      meterPollMs: 100,
      recorder: () => Promise.resolve({ recorder: new MemoryRecorder(), close: () => Promise.resolve() }),
      load: (station, config) => statusPageLoad(station, config, 20, 'control thread'),
    },
  ];
  const variants = allVariants.filter((v) => v.transitions > 0);
  process.stdout.write(`reaction latency, pilot edge → contactor open command (ms); node ${process.version}\n`);
  process.stdout.write(`${'variant / transition'.padEnd(58)} ${'n'.padStart(6)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)}\n`);
  try {
    for (const v of variants) {
      const { latencies, perKind, elapsedS, loadReport } = await measure(v);
      process.stdout.write(`${row(`${v.label} (${elapsedS.toFixed(0)} s)`, latencies)}\n`);
      for (const [kind, values] of perKind) process.stdout.write(`${row(`  ${kind}`, values)}\n`);
      if (loadReport !== null) process.stdout.write(`${loadReport}\n`);
    }
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  process.stdout.write('target: p99 ≤ 10 ms (IEC 61851-1 allows 100 ms)\n');
}
