/**
 * Checks that the fast pacing of the reaction benchmark measures the same distribution as the old one:
 * `npx tsx test/bench/reaction/compare-pacing.ts [blocks] [oldPerBlock] [newPerBlock] [samples.jsonl]`.
 * Alternates blocks of the old pacing (one station, the simulated relay's 1 s closing interval) and the new one (six
 * stations side by side, 20 ms), memory variant only, so that both see the same load of a shared machine, then prints
 * quantiles, p99 with its 95 % interval, the share of samples above 1, 5 and 10 ms, and the two-sample
 * Kolmogorov–Smirnov distance with its 5 % critical value. Both pacings count no warm-up trials (the benchmark's own
 * rule). The raw samples stay in the file named last (default: a scratch file, removed). Not a benchmark (no
 * `.bench.ts`): `npm run bench` does not run it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, summarize } from '../stats.js';

const [blocks = 5, oldPerBlock = 100, newPerBlock = 2000] = process.argv.slice(2, 5).map(Number);
const dir = mkdtempSync(join(tmpdir(), 'evse-pacing-'));
const file = process.argv[5] ?? join(dir, 'samples.jsonl');
const { default: bench } = await import('../reaction-latency.bench.js');

async function block(stations: number, closeMs: number, n: number): Promise<void> {
  Object.assign(process.env, {
    EVSE_BENCH_TRANSITIONS: String(n),
    EVSE_BENCH_JOURNAL_TRANSITIONS: '0',
    EVSE_BENCH_WEB_TRANSITIONS: '0',
    EVSE_BENCH_WEB_COMPARISON_TRANSITIONS: '0',
    EVSE_BENCH_REACTION_STATIONS: String(stations),
    EVSE_BENCH_REACTION_CLOSE_INTERVAL_MS: String(closeMs),
    EVSE_BENCH_REACTION_SAMPLES: file,
  });
  await bench({ quick: false });
}

/** Largest distance between the two empirical distribution functions. */
function ksDistance(a: readonly number[], b: readonly number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i] ?? Infinity, y[j] ?? Infinity);
    while (i < x.length && (x[i] ?? Infinity) <= v) i++;
    while (j < y.length && (y[j] ?? Infinity) <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

try {
  for (let b = 0; b < blocks; b++) {
    await block(1, 1000, oldPerBlock);
    await block(6, 20, newPerBlock);
  }
  const runs = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { stations: number; closeIntervalMs: number; seconds: number; samples: number[] });
  const pool = (stations: number): { samples: number[]; seconds: number } => {
    const mine = runs.filter((r) => r.stations === stations);
    return { samples: mine.flatMap((r) => r.samples), seconds: mine.reduce((a, r) => a + r.seconds, 0) };
  };
  const old = pool(1);
  const fast = pool(6);
  for (const [name, p] of [
    ['old pacing (1 station, 1 s relay interval)', old],
    ['new pacing (6 stations, 20 ms)', fast],
  ] as const) {
    const s = summarize(p.samples);
    const sorted = [...p.samples].sort((a, b) => a - b);
    const q = [10, 25, 50, 75, 90, 95].map((x) => `p${x} ${percentile(sorted, x).toFixed(3)}`).join(', ');
    const above = [1, 5, 10].map((ms) => `>${ms} ms ${((100 * sorted.filter((x) => x > ms).length) / s.n).toFixed(2)} %`).join(', ');
    process.stdout.write(
      `${name}: n=${s.n} in ${p.seconds.toFixed(0)} s (${(s.n / p.seconds).toFixed(1)}/s): ${q}, ` +
        `p99 ${s.p99.toFixed(3)} ms (95% CI ${s.p99Low.toFixed(3)}–${s.p99High.toFixed(3)}), max ${s.max.toFixed(3)} ms; ${above}\n`,
    );
  }
  const d = ksDistance(old.samples, fast.samples);
  const n = old.samples.length;
  const m = fast.samples.length;
  const critical = 1.358 * Math.sqrt((n + m) / (n * m));
  process.stdout.write(`two-sample KS distance ${d.toFixed(4)}; 5 % critical value ${critical.toFixed(4)} (${d < critical ? 'no difference shown' : 'the distributions differ'})\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
