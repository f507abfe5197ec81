/**
 * The live status page (`GET /api/events`, issue 14): how long a change takes to reach a browser, and whether open
 * streams cost the control loop anything.
 *
 * 1. Update latency: the simulated station (real control core, meter read every 100 ms) on this thread, the page in
 *    its worker thread as the station runs it, and 20 live streams read by clients in a thread of their own. A trial
 *    plugs or unplugs the EV: latency runs from the station's first event for it (the controller saw the pilot change)
 *    to the moment the first stream's client has the status event with the new state. Every meter reading is timed
 *    the same way, from the poller's sample to the client's `sample` event. Target: within 1 s (issue 14).
 * 2. Control loop: the reaction benchmark's station process (pilot edge → contactor open command, meter over Modbus
 *    RTU, logging; see reaction-latency.bench.ts) with its status page in the worker, once with no client and once with
 *    20 live streams open and read (10 status and sample events a second each). The p99s are reported with their
 *    ratio: the streams must not move the control loop's p99 (target: ratio ≤ 1.5, p99 ≤ 10 ms).
 * Environment: EVSE_BENCH_STREAM_TRIALS (state changes, default 300), EVSE_BENCH_STREAM_TRANSITIONS (pilot edges per
 * control-loop variant, default 1000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logger.js';
import { startStatusServer } from '../../src/web/server.js';
import { createSimStation } from '../../src/commands/sim/sim-station.js';
import type { Bench, Figure } from './figures.js';
import { measure, minCloseIntervalMs, mixedKinds, type Variant } from './reaction-latency.bench.js';
import { summarize } from './stats.js';

const BENCH = 'page-stream';
const STREAMS = 20;
const now = (): number => performance.timeOrigin + performance.now();

type ClientMessage =
  | { readonly type: 'open' }
  | { readonly type: 'status'; readonly status: string; readonly recv: number }
  | { readonly type: 'sample'; readonly at: string; readonly recv: number }
  | { readonly type: 'error'; readonly message: string };

/** `streams` live-stream clients in a thread of their own; the first reports each event with the time it arrived. */
function streamClients(url: string, streams: number): Worker {
  return new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const controller = new AbortController();
     let open = 0;
     parentPort.on('message', () => controller.abort());
     async function client(index) {
       const response = await fetch(workerData.url, { signal: controller.signal });
       if (!response.ok) throw new Error('HTTP ' + response.status);
       const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
       let buffer = '';
       let first = true;
       for (;;) {
         const { value, done } = await reader.read();
         if (done) return;
         const recv = performance.timeOrigin + performance.now();
         if (first) { first = false; if (++open === workerData.streams) parentPort.postMessage({ type: 'open' }); }
         buffer += value;
         let cut;
         while ((cut = buffer.indexOf('\\n\\n')) >= 0) {
           const block = buffer.slice(0, cut);
           buffer = buffer.slice(cut + 2);
           if (index !== 0) continue;
           const event = /^event: (.*)$/m.exec(block);
           const data = /^data: (.*)$/m.exec(block);
           if (!event || !data) continue;
           const body = JSON.parse(data[1]);
           if (event[1] === 'status') parentPort.postMessage({ type: 'status', status: body.status, recv });
           else if (event[1] === 'sample') parentPort.postMessage({ type: 'sample', at: body.at, recv });
         }
       }
     }
     for (let i = 0; i < workerData.streams; i++) {
       client(i).catch((err) => { if (!controller.signal.aborted) parentPort.postMessage({ type: 'error', message: err.message }); });
     }`,
    { eval: true, workerData: { url, streams } },
  );
}

async function updateLatency(trials: number): Promise<{ state: number[]; sample: number[]; seconds: number }> {
  const config = parseConfig({ meter: { driver: 'sim', pollIntervalMs: 100 } });
  const sim = await createSimStation({ config, clock: systemClock, logger: silentLogger(), meterPath: 'direct' });
  const server = await startStatusServer({ sources: { station: sim.station, config, clock: systemClock }, logger: silentLogger(), host: '127.0.0.1', port: 0 });
  const clients = streamClients(`${server.url}api/events`, STREAMS);
  const state: number[] = [];
  const sample: number[] = [];
  const sampleSeenAt = new Map<string, number>();
  const started = performance.now();
  try {
    let waiting: { status: string; resolve: (recv: number) => void } | null = null;
    let failed: (err: Error) => void = () => undefined;
    const failure = new Promise<never>((_, reject) => {
      failed = reject;
    });
    const opened = new Promise<void>((resolve) => {
      clients.on('message', (m: ClientMessage) => {
        if (m.type === 'open') resolve();
        else if (m.type === 'error') failed(new Error(`stream client: ${m.message}`));
        else if (m.type === 'status' && waiting !== null && m.status === waiting.status) waiting.resolve(m.recv);
        else if (m.type === 'sample') {
          const seen = sampleSeenAt.get(m.at);
          if (seen !== undefined) sample.push(m.recv - seen);
          sampleSeenAt.delete(m.at);
        }
      });
    });
    await Promise.race([opened, failure]);
    sim.station.controller.meterPoller.onSample((s) => {
      sampleSeenAt.set(new Date(s.readAtMs).toISOString(), now());
    });
    let eventAt = 0;
    sim.station.onEvent(() => {
      eventAt ||= now();
    });
    for (let i = 0; i < trials; i++) {
      const plug = i % 2 === 0;
      const target = plug ? 'Preparing' : 'Available';
      eventAt = 0;
      const received = new Promise<number>((resolve) => {
        waiting = { status: target, resolve };
      });
      if (plug) sim.world.plug();
      else sim.world.unplug();
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${target} on the stream within 5 s`)), 5000).unref());
      const recv = await Promise.race([received, timeout, failure]);
      waiting = null;
      if (eventAt === 0) throw new Error(`the station saw no event for ${target}`);
      state.push(recv - eventAt);
      // A random pause, so trials fall anywhere in the meter's and the snapshot timer's cycles.
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
    }
  } finally {
    clients.postMessage('stop');
    await clients.terminate();
    await server.close();
    await sim.close();
  }
  return { state, sample, seconds: (performance.now() - started) / 1000 };
}

const run: Bench = async ({ quick }) => {
  const env = (name: string, full: number, short: number): number => Number(process.env[name] ?? (quick ? short : full));
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const figures: Figure[] = [];

  const trials = env('EVSE_BENCH_STREAM_TRIALS', 300, 40);
  const u = await updateLatency(trials);
  const s = summarize(u.state);
  const m = summarize(u.sample);
  log(`update latency with ${STREAMS} streams open (${u.seconds.toFixed(0)} s): state change n=${s.n} p50 ${s.p50.toFixed(2)} p99 ${s.p99.toFixed(2)} max ${s.max.toFixed(2)} ms; meter reading n=${m.n} p50 ${m.p50.toFixed(2)} p99 ${m.p99.toFixed(2)} max ${m.max.toFixed(2)} ms`);
  const note = (n: number): string => `station event → SSE event at a client, ${STREAMS} streams open, page in its worker; n=${n}`;
  figures.push(
    { bench: BENCH, name: 'state change → client p50', value: s.p50, unit: 'ms', note: note(s.n) },
    { bench: BENCH, name: 'state change → client p99', value: s.p99, unit: 'ms', target: { kind: 'max', value: 1000 }, note: note(s.n) },
    { bench: BENCH, name: 'meter reading → client p50', value: m.p50, unit: 'ms', note: note(m.n) },
    { bench: BENCH, name: 'meter reading → client p99', value: m.p99, unit: 'ms', target: { kind: 'max', value: 1000 }, note: note(m.n) },
  );

  const transitions = env('EVSE_BENCH_STREAM_TRANSITIONS', 1000, 100);
  const variant = (streams: number): Variant => ({
    key: `streams-${streams}`,
    label: `memory, meter 100 ms, status page (worker), ${streams} live streams`,
    transitions,
    stations: 1,
    kinds: mixedKinds,
    setup: () => ({ meterPollMs: 100, recorder: 'memory', statusPage: { clients: 0, where: 'worker', streams }, minCloseIntervalMs: minCloseIntervalMs() }),
  });
  const scratch = mkdtempSync(join(tmpdir(), 'evse-page-stream-bench-'));
  try {
    const p99s: number[] = [];
    for (const streams of [0, STREAMS]) {
      const r = await measure(variant(streams), scratch);
      const c = summarize(r.latencies);
      p99s.push(c.p99);
      log(`control loop, ${streams} streams: n=${c.n} p50 ${c.p50.toFixed(3)} p99 ${c.p99.toFixed(3)} (95% CI ${c.p99Low.toFixed(2)}–${c.p99High.toFixed(2)}) max ${c.max.toFixed(3)} ms in ${r.seconds.toFixed(0)} s`);
      for (const line of r.loadReports) log(`  ${line}`);
      figures.push({
        bench: BENCH,
        name: `control loop p99, ${streams} streams`,
        value: c.p99,
        unit: 'ms',
        target: { kind: 'max', value: 10 },
        note: `pilot edge → contactor open; n=${c.n}; p99 95% CI ${c.p99Low.toFixed(2)}–${c.p99High.toFixed(2)} ms; max ${c.max.toFixed(2)} ms`,
      });
    }
    const [without = NaN, withStreams = NaN] = p99s;
    figures.push({
      bench: BENCH,
      name: `control loop p99 ratio, ${STREAMS} / 0 streams`,
      value: withStreams / without,
      unit: '×',
      target: { kind: 'max', value: 1.5 },
      note: 'above 1: the open streams slowed the control loop',
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return figures;
};

export default run;
