/**
 * Journal benchmark (issue 5).
 *  1. Durable appends per second for the station's write pattern: a meter sample plus its MeterValues outbox row, each
 *     its own committed transaction, through the Journal API (worker round-trip included), next to plain
 *     better-sqlite3 inserts of the same rows, same schema and pragmas, in the same run.
 *  2. Main-thread responsiveness while the journal commits with a slow disk emulated (every commit held 30 ms):
 *     event-loop delay p99 with the journal in its worker, against the same store run on the main thread.
 *  3. Journal size per charging hour at 1 s sampling.
 * Targets (issue 5): the Journal API at least 0.5 of plain better-sqlite3 and at least 1,000 appends/s on this
 * machine; the main thread's p99 delay with the journal in its worker within the control path's 10 ms (DESIGN.md).
 * Environment: EVSE_BENCH_SECONDS (per measurement, default 1), EVSE_BENCH_ROUNDS (default 3), EVSE_BENCH_DIR.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MeterSample } from '../../hal/meter.js';
import type { SynchronousLevel } from '../../src/journal/defaults.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import { migrate } from '../../src/journal/migrations.js';
import { configureConnection, openStore } from '../../src/journal/open.js';
import { liveBytes } from '../../src/journal/prune.js';
import type { Bench, Figure } from './figures.js';

/** Seconds per measurement and interleaved rounds per writer. */
let appendSeconds = 1;
let rounds = 3;

function sample(importWh: number, atMs: number): MeterSample {
  return {
    phases: [0, 1, 2].map(() => ({ voltageV: 230.4, currentA: 15.9, powerW: 3663 })),
    totalPowerW: 10_989,
    importWh,
    frequencyHz: 50,
    readAtMs: atMs,
  };
}

function freshDir(): string {
  // Under the working directory, so the benchmark hits the same disk as a state dir would (not a tmpfs /tmp).
  return mkdtempSync(join(process.env['EVSE_BENCH_DIR'] ?? tmpdir(), 'evse-journal-bench-'));
}

const startOfSession = (at: number) => ({
  connectorId: 1,
  idTag: 'BENCH001',
  plugInAtMs: at,
  authorizedAtMs: at,
  startAtMs: at,
  meterStartWh: 0,
});

/** Plain better-sqlite3: the same two inserts, each its own transaction, on the main thread. */
function plainAppends(level: SynchronousLevel): { appends: number; seconds: number } {
  const dir = freshDir();
  const db = new Database(join(dir, 'journal.db'));
  try {
    configureConnection(db, { synchronous: level, busyTimeoutMs: 5000 });
    migrate(db);
    const now = Date.now();
    const sessionId = Number(
      db.prepare('INSERT INTO sessions (connector_id, id_tag, start_at, meter_start_wh) VALUES (1, ?, ?, 0)').run('BENCH001', now)
        .lastInsertRowid,
    );
    const insertSample = db.prepare(
      `INSERT INTO samples (session_id, at, import_wh, power_w, currents, voltages, frequency_hz, signed_record)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertOutbox = db.prepare(
      'INSERT INTO outbox (kind, session_id, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)',
    );
    const sampleTx = db.transaction((wh: number, at: number) => {
      const s = sample(wh, at);
      insertSample.run(
        sessionId,
        at,
        wh,
        s.totalPowerW,
        JSON.stringify(s.phases.map((p) => p.currentA)),
        JSON.stringify(s.phases.map((p) => p.voltageV)),
        s.frequencyHz,
        null,
      );
    });
    const outboxTx = db.transaction((wh: number, at: number) => {
      insertOutbox.run('MeterValues', sessionId, JSON.stringify({ importWh: wh }), at, at);
    });
    const started = performance.now();
    let appends = 0;
    while (performance.now() - started < appendSeconds * 1000) {
      appends++;
      sampleTx(appends, now + appends);
      outboxTx(appends, now + appends);
    }
    return { appends, seconds: (performance.now() - started) / 1000 };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Through the Journal API: `inFlight` appends awaited together (each still its own committed transaction). */
async function journalAppends(level: SynchronousLevel, inFlight: number): Promise<{ appends: number; seconds: number }> {
  const dir = freshDir();
  const journal = await openJournal({ stateDir: dir, synchronous: level });
  try {
    const sessionId = await journal.startSession(startOfSession(Date.now()));
    const started = performance.now();
    let appends = 0;
    const append = async (wh: number): Promise<void> => {
      await journal.recordSample(sessionId, sample(wh, Date.now()));
      await journal.enqueue('MeterValues', sessionId, { importWh: wh });
    };
    while (performance.now() - started < appendSeconds * 1000) {
      const batch: Promise<void>[] = [];
      for (let i = 0; i < inFlight; i++) batch.push(append(++appends));
      await Promise.all(batch);
    }
    return { appends, seconds: (performance.now() - started) / 1000 };
  } finally {
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Event-loop delay (ms) of this thread while `load` runs, sampled every 1 ms (a stand-in for the contactor path). */
async function loopDelayDuring(load: () => Promise<void>): Promise<{ p50: number; p99: number; max: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  await load();
  histogram.disable();
  return { p50: histogram.percentile(50) / 1e6, p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6 };
}

async function slowDiskResponsiveness(): Promise<{ worker: Awaited<ReturnType<typeof loopDelayDuring>>; mainThread: Awaited<ReturnType<typeof loopDelayDuring>>; commits: number }> {
  const commits = 40;
  const dirA = freshDir();
  const journal: Journal = await openJournal({ stateDir: dirA, commitDelayMs: 30 });
  const sessionId = await journal.startSession(startOfSession(Date.now()));
  const worker = await loopDelayDuring(async () => {
    for (let i = 1; i <= commits; i++) await journal.recordSample(sessionId, sample(i, Date.now()));
  });
  await journal.close();
  rmSync(dirA, { recursive: true, force: true });

  const dirB = freshDir();
  const { store } = openStore({ stateDir: dirB, synchronous: 'FULL', busyTimeoutMs: 5000, commitDelayMs: 30, nowMs: Date.now() });
  const id = store.startSession(startOfSession(Date.now()), Date.now());
  const mainThread = await loopDelayDuring(async () => {
    for (let i = 1; i <= commits; i++) {
      store.recordSample(id, sample(i, Date.now()));
      // Yield between commits as an async caller would; the commit itself still blocks this thread.
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
  store.close();
  rmSync(dirB, { recursive: true, force: true });
  return { worker, mainThread, commits };
}

function sizePerChargingHour(meterValuesEverySamples: number): number {
  const dir = freshDir();
  const { store } = openStore({ stateDir: dir, synchronous: 'NORMAL', busyTimeoutMs: 5000, commitDelayMs: 0, nowMs: Date.now() });
  try {
    const t0 = Date.UTC(2026, 0, 1);
    const before = liveBytes(store);
    const id = store.startSession(startOfSession(t0), t0);
    store.tx(() => {
      for (let s = 1; s <= 3600; s++) {
        store.sql(
          `INSERT INTO samples (session_id, at, import_wh, power_w, currents, voltages, frequency_hz, signed_record)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(id, t0 + s * 1000, 10_000 + s * 3, 10_989, '[15.9,15.9,15.9]', '[230.4,230.4,230.4]', 50, null);
        if (s % meterValuesEverySamples === 0) {
          store.sql('INSERT INTO outbox (kind, session_id, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)').run(
            'MeterValues',
            id,
            JSON.stringify({ connectorId: 1, meterValue: [{ timestamp: new Date(t0 + s * 1000).toISOString(), sampledValue: [{ value: String(10_000 + s * 3), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] }),
            t0 + s * 1000,
            t0 + s * 1000,
          );
        }
      }
    });
    return liveBytes(store) - before;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const run: Bench = async ({ quick }) => {
  appendSeconds = Number(process.env['EVSE_BENCH_SECONDS'] ?? (quick ? 0.3 : 1));
  rounds = Number(process.env['EVSE_BENCH_ROUNDS'] ?? (quick ? 1 : 3));
  const bench = 'journal';
  const figures: Figure[] = [];
  const pattern = `1 sample + 1 MeterValues row, each committed; ${rounds} interleaved rounds of ${appendSeconds} s`;
  for (const level of ['FULL', 'NORMAL'] as const) {
    // Interleaved rounds, summed per writer, so a neighbour's disk or CPU load hits every writer alike.
    const totals = { plain: { appends: 0, seconds: 0 }, serial: { appends: 0, seconds: 0 }, pipelined: { appends: 0, seconds: 0 } };
    const add = (into: { appends: number; seconds: number }, r: { appends: number; seconds: number }): void => {
      into.appends += r.appends;
      into.seconds += r.seconds;
    };
    for (let round = 0; round < rounds; round++) {
      add(totals.plain, plainAppends(level));
      add(totals.serial, await journalAppends(level, 1));
      add(totals.pipelined, await journalAppends(level, 8));
    }
    const plainRate = totals.plain.appends / totals.plain.seconds;
    figures.push({ bench, name: `${level} plain better-sqlite3 (main thread)`, value: plainRate, unit: 'appends/s', note: pattern });
    for (const [name, r] of [
      ['Journal API, 1 in flight', totals.serial],
      ['Journal API, 8 in flight', totals.pipelined],
    ] as const) {
      const rate = r.appends / r.seconds;
      figures.push(
        { bench, name: `${level} ${name}`, value: rate, unit: 'appends/s', target: { kind: 'min', value: 1000 }, note: pattern },
        { bench, name: `${level} ${name} / plain`, value: rate / plainRate, unit: 'ratio', target: { kind: 'min', value: 0.5 }, note: 'same run, same schema and pragmas' },
      );
    }
  }

  const slow = await slowDiskResponsiveness();
  const held = `main-thread event-loop delay while ${slow.commits} commits are each held 30 ms (worn SD card)`;
  figures.push(
    { bench, name: 'slow disk: loop delay p99, journal in its worker', value: slow.worker.p99, unit: 'ms', target: { kind: 'max', value: 10 }, note: `${held}; max ${fmt(slow.worker.max, 2)} ms` },
    { bench, name: 'slow disk: loop delay p99, store on main thread', value: slow.mainThread.p99, unit: 'ms', note: `${held}; comparison: why the journal has its worker` },
  );

  const everySecond = sizePerChargingHour(1);
  const everyMinute = sizePerChargingHour(60);
  figures.push(
    { bench, name: 'size per charging hour, MeterValues row per sample', value: everySecond / 1024, unit: 'KiB/h', note: '1 s sampling, live pages' },
    { bench, name: 'size per charging hour, MeterValues row per minute', value: everyMinute / 1024, unit: 'KiB/h', note: `1 s sampling, live pages; ${fmt(everyMinute / 3600, 0)} B per sample` },
  );
  return figures;
};

export default run;
