/**
 * OCPP 2.0.1 fuzz: the hostile-CSMS fuzz of the 2.0.1 client (test/ocpp/v201/fuzz-run-201.ts: the real 2.0.1 client
 * on the real journal over a real loopback websocket; malformed frames, every schema break of every handled action,
 * unknown actions and valid calls; the exact 2.0.1 CALLERROR or statuses, no close, no reconnect, state unchanged) run
 * at scale, with the same control-loop latency probe as the 1.6 part (ocpp-fuzz.ts) during the fuzz and during as long
 * a run without it.
 */
import { runFuzz201, type FuzzOptions201 } from '../../ocpp/v201/fuzz-run-201.js';
import { controlPeriodMs, latencyProbe, p99 } from './ocpp-fuzz.js';
import { atMost, info, zero, type PartOptions, type Row } from './row.js';

const part = 'OCPP 2.0.1 fuzz';

export async function run(options: PartOptions): Promise<Row[]> {
  const full = options.scale === 'full';
  const runs: FuzzOptions201[] = full
    ? [
        { seed: 1, frames: 0, everyBreaker: true },
        { seed: 1, frames: 5_000 },
        { seed: 2, frames: 5_000 },
        // Bursts that do not wait for the answers, as a hostile CSMS sends them.
        { seed: 3, frames: 5_000, burst: 200 },
      ]
    : // Inside npm test, where test/ocpp/v201/fuzz.test.ts already runs every schema break: a short burst run only.
      [{ seed: 4, frames: 150, burst: 50 }];
  let frames = 0;
  let reconnects = 0;
  const failures: string[] = [];
  const probe = latencyProbe();
  const t0 = performance.now();
  for (const r of runs) {
    const report = await runFuzz201(r);
    frames += report.frames;
    reconnects += report.reconnects;
    failures.push(...report.failures);
    options.log?.(`${part}: seed ${r.seed}${r.everyBreaker ? ' (every schema break)' : ''}${r.burst ? `, bursts of ${r.burst}` : ''}: ${report.frames} frames, ${report.failures.length} failures`);
  }
  const withFuzz = probe.stop();
  const fuzzMs = performance.now() - t0;
  // The same time without fuzz: the baseline of this machine's timer lateness right now.
  const quiet = latencyProbe();
  await new Promise((r) => setTimeout(r, Math.min(fuzzMs, full ? 60_000 : 5_000)));
  const without = quiet.stop();
  for (const f of failures.slice(0, 10)) options.log?.(`${part}: ${f}`);
  const withP99 = p99(withFuzz);
  const withoutP99 = p99(without);
  return [
    info(part, 'frames sent', frames),
    zero(part, 'failures (crash, wrong or missing CALLERROR or status, link closed, reconnect, state changed)', failures.length),
    zero(part, 'reconnects', reconnects),
    info(part, `event-loop lateness p99 without fuzz (${without.length} samples)`, withoutP99, 'ms'),
    info(part, 'event-loop lateness max with fuzz (the longest stall)', Math.max(0, ...withFuzz), 'ms'),
    // The bound of the 1.6 part: half a control period, or twice the quiet baseline on a busy machine.
    full
      ? atMost(part, `event-loop lateness p99 with fuzz (${withFuzz.length} samples)`, withP99, Math.max(controlPeriodMs / 2, 2 * withoutP99), 'ms')
      : info(part, `event-loop lateness p99 with fuzz (${withFuzz.length} samples, short run: not bounded)`, withP99, 'ms'),
  ];
}
