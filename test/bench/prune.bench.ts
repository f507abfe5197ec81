/**
 * Prune benchmark (issue 12 g): the latency of a sample commit, as the station issues them (one after the other,
 * each awaited), on a journal idle and on the same journal while a prune removes a year of settled data past
 * retention. The prune runs in steps, each its own worker request, so a commit waits at most for one step, never
 * for the whole prune. Reported: p50, p99 and max of both, the prune's own duration and what it removed.
 *
 * Reproduce: `npx tsx test/bench/run.ts prune` (EVSE_BENCH_DIR puts the journal on another disk than the OS temp).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeterSample } from '../../hal/meter.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import { fillSettledJournal } from '../journal/support/old-journal.js';
import type { Bench, BenchOptions, Figure } from './figures.js';

const bench = 'prune';
const day = 86_400_000;
const t0 = Date.UTC(2025, 0, 1);
/** The prune runs "now": 800 days after the first session, retention 30 days: everything filled is past it. */
const nowMs = t0 + 800 * day;

function sample(importWh: number, atMs: number): MeterSample {
  return {
    phases: [0, 1, 2].map(() => ({ voltageV: 230.4, currentA: 15.9, powerW: 3663 })),
    totalPowerW: 10_989,
    importWh,
    frequencyHz: 50,
    readAtMs: atMs,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

interface Latencies {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly count: number;
}

function summary(ms: number[]): Latencies {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN, count: sorted.length };
}

/** Commits samples one after the other, each awaited, until `done()`; returns each commit's latency in ms. */
async function commitUntil(journal: Journal, sessionId: number, firstWh: number, done: () => boolean): Promise<{ ms: number[]; lastWh: number }> {
  const ms: number[] = [];
  let wh = firstWh;
  while (!done()) {
    wh += 1;
    const started = performance.now();
    await journal.recordSample(sessionId, sample(wh, nowMs + wh));
    ms.push(performance.now() - started);
  }
  return { ms, lastWh: wh };
}

const run: Bench = async (options: BenchOptions): Promise<Figure[]> => {
  const sessions = options.quick ? 400 : 3000;
  const samplesPerSession = options.quick ? 60 : 120;
  const idleCommits = options.quick ? 300 : 2000;
  const dir = mkdtempSync(join(process.env['EVSE_BENCH_DIR'] ?? tmpdir(), 'evse-prune-bench-'));
  try {
    const filled = fillSettledJournal(dir, { sessions, samplesPerSession, fromMs: t0, spacingMs: 6 * 3_600_000 });
    // The station's defaults (synchronous FULL): every commit and every prune step is fsynced.
    const journal = await openJournal({ stateDir: dir, retentionDays: 30, clock: systemClockAt(nowMs) });
    try {
      const sessionId = await journal.startSession({
        connectorId: 1,
        idTag: 'BENCH001',
        plugInAtMs: nowMs,
        authorizedAtMs: nowMs,
        startAtMs: nowMs,
        meterStartWh: 10_000_000,
      });
      let n = 0;
      const idle = await commitUntil(journal, sessionId, 10_000_000, () => n++ >= idleCommits);
      let pruneDone = false;
      const pruneStarted = performance.now();
      const pruning = journal.prune().then((report) => {
        pruneDone = true;
        return { report, ms: performance.now() - pruneStarted };
      });
      const during = await commitUntil(journal, sessionId, idle.lastWh, () => pruneDone);
      const { report, ms: pruneMs } = await pruning;
      const a = summary(idle.ms);
      const b = summary(during.ms);
      const note = `${filled.samples} samples of ${sessions} sessions past retention`;
      return [
        { bench, name: 'commit latency p50, idle', value: a.p50, unit: 'ms', note: `${a.count} commits` },
        { bench, name: 'commit latency p99, idle', value: a.p99, unit: 'ms' },
        { bench, name: 'commit latency max, idle', value: a.max, unit: 'ms' },
        { bench, name: 'commit latency p50, during prune', value: b.p50, unit: 'ms', note: `${b.count} commits` },
        // A commit waits for at most one prune step (a few ms to tens of ms here): p99 well under the 1 s metering period.
        { bench, name: 'commit latency p99, during prune', value: b.p99, unit: 'ms', target: { kind: 'max', value: 100 } },
        // The worst case also takes in a WAL checkpoint or a disk hiccup (the idle max shows those): under half the
        // metering period, so samples never queue up. A prune in one request held a commit for the whole prune.
        {
          bench,
          name: 'commit latency max, during prune',
          value: b.max,
          unit: 'ms',
          target: { kind: 'max', value: 500 },
          note: 'one transaction for the whole prune would be the prune duration',
        },
        { bench, name: 'commits served during the prune', value: b.count, unit: 'commits', target: { kind: 'min', value: 10 } },
        { bench, name: 'prune duration', value: pruneMs, unit: 'ms', note },
        { bench, name: 'rows pruned', value: report.samples + report.events + report.outbox, unit: 'rows' },
      ];
    } finally {
      await journal.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** The system clock with wall time shifted so that "now" is `atMs` when the journal opens. */
function systemClockAt(atMs: number): Clock {
  const shift = atMs - Date.now();
  return { ...systemClock, nowMs: () => Date.now() + shift };
}

export default run;
