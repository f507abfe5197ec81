import type { MeterSample, PhaseReading } from '../../hal/meter.js';

/** Options of the stand-alone meter model of `evse meter-sim`. */
export interface DemoMeterModelOptions {
  readonly phases: 1 | 3;
  /** Monotonic ms, to integrate energy. */
  readonly monotonicMs: () => number;
  /** Wall clock, epoch ms UTC. */
  readonly nowMs: () => number;
  /** Import register at start, Wh. */
  readonly startImportWh?: number;
}

/**
 * A small plausible meter for `evse meter-sim` on a bench: an EV drawing 10–16 A per phase that wanders slowly
 * (a 2-minute cycle), 228–232 V, 50 Hz, and an import register integrated from that power. Not the station's
 * electrical model (the lead's simulator/electrical.ts); just enough for an installer to see numbers change.
 */
export function createDemoMeterModel(options: DemoMeterModelOptions): () => MeterSample {
  const startMs = options.monotonicMs();
  let lastMs = startMs;
  let energyWh = options.startImportWh ?? 1_234_567;
  return () => {
    const now = options.monotonicMs();
    const t = (now - startMs) / 1000;
    const phases: PhaseReading[] = [];
    for (let p = 0; p < options.phases; p++) {
      const voltageV = 230 + 2 * Math.sin(t / 7 + p);
      const currentA = 13 + 3 * Math.sin((2 * Math.PI * t) / 120 + p * 0.3);
      phases.push({ voltageV, currentA, powerW: voltageV * currentA * 0.99 });
    }
    const totalPowerW = phases.reduce((sum, ph) => sum + ph.powerW, 0);
    energyWh += (totalPowerW * Math.max(0, now - lastMs)) / 3_600_000;
    lastMs = now;
    return {
      phases,
      totalPowerW,
      importWh: Math.floor(energyWh),
      frequencyHz: 50 + 0.02 * Math.sin(t / 11),
      readAtMs: options.nowMs(),
    };
  };
}
