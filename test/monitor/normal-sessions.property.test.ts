import assert from 'node:assert/strict';
import fc from 'fast-check';
import sinon from 'sinon';
import type { MeterSample } from '../../hal/meter.js';
import { systemClock } from '../../src/clock.js';
import type { ControllerEvent } from '../../src/control/charger-controller.js';
import { silentLogger } from '../../src/logger.js';
import { monitorSchema } from '../../src/monitor/config.js';
import type { Finding } from '../../src/monitor/finding.js';
import { Monitor } from '../../src/monitor/monitor.js';

/** One stretch of a normal session: the offer, how long it stands, whether the EV pauses, how fast it follows a lower offer (IEC 61851-1 allows 5 s). */
const stretch = fc.record({
  offerA: fc.integer({ min: 6, max: 32 }),
  seconds: fc.integer({ min: 30, max: 1200 }),
  paused: fc.boolean(),
  reactionS: fc.double({ min: 0, max: 4.5, noNaN: true }),
});

const normalSession = fc.record({
  phases: fc.constantFrom<1 | 3>(1, 3),
  /** The EV's own maximum (it draws min(offer, this)); at least 10 A, so it never draws "far below" a 32 A offer. */
  evMaxA: fc.integer({ min: 10, max: 32 }),
  stretches: fc.array(stretch, { minLength: 1, maxLength: 6 }),
  sampleEveryMs: fc.integer({ min: 900, max: 3000 }),
  startWh: fc.integer({ min: 0, max: 50_000_000 }),
  seed: fc.integer(),
});

/** A small deterministic noise source (meter jitter), so a failing case replays. */
function noise(seed: number): () => number {
  let x = seed | 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) % 10_000) / 10_000;
  };
}

/**
 * Property: any normal session — power within the offer (an EV following a lower offer within 5 s), V·I·P consistent
 * per phase (power factor 0.97–1, voltages 225–240 V, currents jittering ±3 %), a monotonic integer register, pauses
 * with their status events — raises nothing, with every detector on, through the whole Monitor.
 */
describe('monitor property: random normal sessions raise nothing', function () {
  this.timeout(120_000);

  it('no finding on any normal session', () => {
    fc.assert(
      fc.property(normalSession, (s) => {
        const clock = sinon.useFakeTimers({ now: Date.parse('2026-07-01T12:00:00Z') });
        const events = new Set<(e: ControllerEvent) => void>();
        const samples = new Set<(x: MeterSample) => void>();
        let offered = 0;
        const monitor = new Monitor({
          station: {
            onEvent: (l) => (events.add(l), () => events.delete(l)),
            onSample: (l) => (samples.add(l), () => samples.delete(l)),
            offeredA: () => offered,
          },
          config: monitorSchema.parse({}),
          clock: systemClock,
          log: silentLogger(),
          phases: s.phases,
          alerts: null,
          stateDir: null,
        });
        const found: Finding[] = [];
        monitor.onFinding((f) => found.push(f));
        const rnd = noise(s.seed);
        const emit = (e: ControllerEvent): void => events.forEach((l) => l(e));
        let exactWh = s.startWh;
        let drawA = 0;
        const sample = (amps: number): void => {
          const phases = Array.from({ length: s.phases }, () => {
            const v = 225 + 15 * rnd();
            const a = amps === 0 ? 0 : amps * (0.97 + 0.06 * rnd());
            return { voltageV: v, currentA: a, powerW: v * a * (0.97 + 0.03 * rnd()) };
          });
          const totalPowerW = phases.reduce((sum, p) => sum + p.powerW, 0);
          exactWh += (totalPowerW * s.sampleEveryMs) / 3_600_000;
          samples.forEach((l) => l({ phases, totalPowerW, importWh: Math.floor(exactWh), frequencyHz: 50, readAtMs: Date.now() }));
          clock.tick(s.sampleEveryMs);
        };
        try {
          for (let i = 0; i < 5; i++) sample(0);
          emit({ type: 'session-started', sessionId: 1, idTag: 'CARD', meterStartWh: Math.floor(exactWh), startAtMs: Date.now() });
          emit({ type: 'contactor', position: 'closed' });
          let status: 'Charging' | 'SuspendedEV' = 'Charging';
          for (const st of s.stretches) {
            const previousDraw = drawA;
            offered = st.offerA;
            const target = st.paused ? 0 : Math.min(st.offerA, s.evMaxA);
            const next = st.paused ? 'SuspendedEV' : 'Charging';
            if (next !== status) emit({ type: 'status', status: next, previous: status });
            status = next;
            for (let t = 0; t < st.seconds * 1000; t += s.sampleEveryMs) {
              // A lower offer is followed within the reaction time; a higher one at once.
              drawA = target < previousDraw && t < st.reactionS * 1000 ? previousDraw : target;
              sample(drawA);
            }
          }
          emit({ type: 'contactor', position: 'open' });
          offered = 0;
          emit({ type: 'session-stopped', sessionId: 1, reason: 'EVDisconnected', meterStopWh: Math.floor(exactWh) });
          for (let i = 0; i < 60; i++) sample(0);
          monitor.drain();
          assert.deepEqual(
            found.map((f) => `${f.detector}: ${f.message}`),
            // A session that only paused delivered nothing: zero energy is its expected finding, nothing else.
            s.stretches.every((x) => x.paused) ? found.filter((f) => f.detector === 'zero-energy').map((f) => `${f.detector}: ${f.message}`) : [],
          );
          if (!s.stretches.every((x) => x.paused)) assert.equal(found.length, 0);
        } finally {
          monitor.dispose();
          clock.restore();
        }
      }),
      { numRuns: 100 },
    );
  });
});
