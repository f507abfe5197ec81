import type { MeterSample } from '../../hal/meter.js';

/** Float64 slots: three phases × (V, A, W), total W, import Wh, frequency Hz, wall time of the reading. */
const PHASES = 3;
const SLOTS = PHASES * 3 + 4;

/**
 * The board's meter reading in shared memory: the worker that hosts the board writes it on every tick, the drivers'
 * thread reads it whenever the Modbus slave answers. A real meter's register moves whatever the station's thread is
 * doing; a reading relayed by `postMessage` would wait behind that thread's queue (at `--speed 60`, 100 ms there
 * is 6 s of station time, enough to look like a stuck register). A sequence lock keeps a reading whole.
 */
export class SharedMeterWindow {
  private readonly seq: Int32Array;
  private readonly values: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8 + SLOTS * 8)) {
    this.seq = new Int32Array(buffer, 0, 1);
    this.values = new Float64Array(buffer, 8, SLOTS);
  }

  /** Writer side (one writer). */
  write(sample: MeterSample): void {
    Atomics.add(this.seq, 0, 1); // odd: a write is under way
    for (let i = 0; i < PHASES; i++) {
      const p = sample.phases[i];
      this.values[i * 3] = p?.voltageV ?? 0;
      this.values[i * 3 + 1] = p?.currentA ?? 0;
      this.values[i * 3 + 2] = p?.powerW ?? 0;
    }
    this.values[PHASES * 3] = sample.totalPowerW;
    this.values[PHASES * 3 + 1] = sample.importWh;
    this.values[PHASES * 3 + 2] = sample.frequencyHz ?? Number.NaN;
    this.values[PHASES * 3 + 3] = sample.readAtMs;
    Atomics.add(this.seq, 0, 1); // even again: whole
  }

  /** Reader side: the latest whole reading (retries while a write is under way). */
  read(): MeterSample {
    for (;;) {
      const before = Atomics.load(this.seq, 0);
      if (before % 2 === 0) {
        const v = Array.from(this.values);
        if (Atomics.load(this.seq, 0) === before) return decode(v);
      }
    }
  }
}

function decode(v: readonly number[]): MeterSample {
  const at = (i: number): number => v[i] ?? 0;
  const frequency = at(PHASES * 3 + 2);
  return {
    phases: Array.from({ length: PHASES }, (_, i) => ({ voltageV: at(i * 3), currentA: at(i * 3 + 1), powerW: at(i * 3 + 2) })),
    totalPowerW: at(PHASES * 3),
    importWh: at(PHASES * 3 + 1),
    frequencyHz: Number.isNaN(frequency) ? null : frequency,
    readAtMs: at(PHASES * 3 + 3),
  };
}
