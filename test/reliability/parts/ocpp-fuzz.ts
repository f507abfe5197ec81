/**
 * OCPP fuzz: the existing hostile-CSMS fuzz (test/ocpp/fuzz-run.ts: the real OCPP client over a real loopback
 * websocket, malformed and schema-breaking frames, each checked for the right 1.6 CALLERROR, no close, no reconnect,
 * state unchanged), run at scale, with the latency of a control-loop-period timer in the same process measured
 * during the fuzz and during as long a run without it.
 */
import { runFuzz } from '../../ocpp/fuzz-run.js';
import { info, zero, atMost, type PartOptions, type Row } from './row.js';

const part = 'OCPP fuzz';
/** The controller's tick period (src/control/charger-controller.ts TICK_MS). */
export const controlPeriodMs = 100;
/**
 * The probe's period: ten samples per control period, so a p99 rests on hundreds of samples; a stall of the event
 * loop delays the control tick and the probe alike.
 */
const probePeriodMs = 10;

/** Lateness of a `probePeriodMs` timer, sampled until `stop()`: what the control loop's tick would suffer. */
export function latencyProbe(): { stop(): number[] } {
  const late: number[] = [];
  let expected = performance.now() + probePeriodMs;
  let timer: NodeJS.Timeout;
  const tick = (): void => {
    const now = performance.now();
    late.push(Math.max(0, now - expected));
    expected = now + probePeriodMs;
    timer = setTimeout(tick, probePeriodMs);
  };
  timer = setTimeout(tick, probePeriodMs);
  return {
    stop() {
      clearTimeout(timer);
      return late;
    },
  };
}

export function p99(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? Number.NaN;
}

export async function run(options: PartOptions): Promise<Row[]> {
  const seeds = options.scale === 'full' ? [1, 2] : [3];
  const framesPerSeed = options.scale === 'full' ? 5_000 : 300;
  let frames = 0;
  const failures: string[] = [];
  const probe = latencyProbe();
  const t0 = performance.now();
  for (const seed of seeds) {
    const report = await runFuzz({ seed, frames: framesPerSeed, pauseEvery: 97 });
    frames += report.frames;
    failures.push(...report.failures);
    options.log?.(`${part}: seed ${seed}: ${report.frames} frames, ${report.failures.length} failures`);
  }
  const withFuzz = probe.stop();
  const fuzzMs = performance.now() - t0;
  // The same time without fuzz: the baseline of this machine's timer lateness right now.
  const quiet = latencyProbe();
  await new Promise((r) => setTimeout(r, Math.min(fuzzMs, options.scale === 'full' ? 60_000 : 5_000)));
  const without = quiet.stop();
  for (const f of failures.slice(0, 10)) options.log?.(`${part}: ${f}`);
  const withP99 = p99(withFuzz);
  const withoutP99 = p99(without);
  return [
    info(part, 'frames sent', frames),
    zero(part, 'failures (crash, wrong or missing CALLERROR, link closed, reconnect, state changed)', failures.length),
    info(part, `event-loop lateness p99 without fuzz (${without.length} samples)`, withoutP99, 'ms'),
    info(part, 'event-loop lateness max with fuzz (the longest stall)', Math.max(0, ...withFuzz), 'ms'),
    // The bound: half a control period, or twice the quiet baseline on a busy machine. The short run has a few
    // hundred samples at most: reported only.
    options.scale === 'full'
      ? atMost(part, `event-loop lateness p99 with fuzz (${withFuzz.length} samples)`, withP99, Math.max(controlPeriodMs / 2, 2 * withoutP99), 'ms')
      : info(part, `event-loop lateness p99 with fuzz (${withFuzz.length} samples, short run: not bounded)`, withP99, 'ms'),
  ];
}
