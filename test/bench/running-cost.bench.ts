/**
 * Benchmark of the running cost (same contract as test/bench/*.bench.ts; run it with
 * `npx tsx test/bench/run.ts` once it is copied there, or `npx tsx test/billing/running-cost.bench.ts`).
 * Claim measured: one running-cost update per meter sample stays cheap over a long session, because the tracker
 * appends to the register curve instead of rescanning it, while a full recompute grows with the session.
 */
import { computeCost } from '../../src/billing/cost.js';
import { RunningCostTracker } from '../../src/billing/running-cost.js';
import { parseTariff } from '../../src/billing/tariff-schema.js';

const tariff = parseTariff({
  timeZone: 'Europe/Berlin',
  energyBands: [
    { label: 'night', from: '00:00', to: '06:00', pricePerKwh: '0.22' },
    { label: 'day', from: '06:00', to: '18:00', pricePerKwh: '0.45' },
    { label: 'evening', from: '18:00', to: '24:00', pricePerKwh: '0.39' },
  ],
  pricePerChargingHour: '0.60',
  idleFeePerMinute: '0.10',
  idleGraceMinutes: 30,
  flatFee: '0.35',
  maxPrice: '60',
  taxRatePercent: '19',
});

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export default function run(): Promise<void> {
  const sampleIntervalMs = 1000;
  const hours = 10;
  const count = (hours * 3_600_000) / sampleIntervalMs;
  const startAtMs = Date.UTC(2026, 9, 24, 20); // through the fall-back night in Berlin
  const tracker = new RunningCostTracker(tariff, { startAtMs, stopAtMs: null, meterStartWh: 1_000_000 });
  tracker.addEvent({ kind: 'energy-flow-started', atMs: startAtMs });
  const samples: { atMs: number; importWh: number }[] = [];
  const updateMs: number[] = [];
  for (let i = 1; i <= count; i += 1) {
    const atMs = startAtMs + i * sampleIntervalMs;
    const importWh = 1_000_000 + Math.floor((i * 11_000) / 3600);
    samples.push({ atMs, importWh });
    const t = performance.now();
    tracker.addSample(atMs, importWh);
    tracker.cost(atMs);
    updateMs.push(performance.now() - t);
  }
  const sorted = [...updateMs].sort((a, b) => a - b);
  const fullRuns: number[] = [];
  for (let r = 0; r < 5; r += 1) {
    const t = performance.now();
    computeCost(tariff, { startAtMs, stopAtMs: null, meterStartWh: 1_000_000, samples, events: [{ kind: 'energy-flow-started', atMs: startAtMs }] }, startAtMs + count * sampleIntervalMs);
    fullRuns.push(performance.now() - t);
  }
  fullRuns.sort((a, b) => a - b);
  const rows: [string, string][] = [
    ['session', `${hours} h at 1 sample/s = ${count} samples, 3 bands, DST night`],
    ['tracker update p50', `${percentile(sorted, 50).toFixed(3)} ms`],
    ['tracker update p99', `${percentile(sorted, 99).toFixed(3)} ms`],
    ['tracker update max', `${(sorted[sorted.length - 1] ?? NaN).toFixed(3)} ms`],
    ['tracker total', `${updateMs.reduce((a, b) => a + b, 0).toFixed(0)} ms`],
    ['full computeCost of the whole session (median of 5)', `${percentile(fullRuns, 50).toFixed(2)} ms`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
  return Promise.resolve();
}

if (process.argv[1]?.endsWith('running-cost.bench.ts')) await run();
