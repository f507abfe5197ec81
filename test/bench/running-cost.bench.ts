/**
 * `npm run bench -- running-cost`. Claim measured (issue 7): one running-cost update per meter sample stays cheap over
 * a long session, because the tracker appends to the register curve instead of rescanning it, while a full recompute
 * grows with the session. No numeric target was set: reported only.
 */
import { computeCost } from '../../src/billing/cost.js';
import { RunningCostTracker } from '../../src/billing/running-cost.js';
import { parseTariff } from '../../src/billing/tariff-schema.js';
import type { Bench, Figure } from './figures.js';
import { percentile } from './stats.js';

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

const run: Bench = ({ quick }) => {
  const sampleIntervalMs = 1000;
  const hours = quick ? 1 : 10;
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
  const session = `${hours} h at 1 sample/s = ${count} samples, 3 bands, DST night`;
  const figures: Figure[] = [
    { bench: 'running-cost', name: 'tracker update p50', value: percentile(sorted, 50), unit: 'ms', note: session },
    { bench: 'running-cost', name: 'tracker update p99', value: percentile(sorted, 99), unit: 'ms', note: session },
    { bench: 'running-cost', name: 'tracker update max', value: sorted[sorted.length - 1] ?? NaN, unit: 'ms', note: session },
    { bench: 'running-cost', name: 'tracker total, whole session', value: updateMs.reduce((a, b) => a + b, 0), unit: 'ms', note: session },
    { bench: 'running-cost', name: 'full computeCost of the session', value: percentile(fullRuns, 50), unit: 'ms', note: `median of 5; ${session}` },
  ];
  return Promise.resolve(figures);
};

export default run;
