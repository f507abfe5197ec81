import type { MeterSample } from '../../hal/meter.js';

/** Float64 slots: three phases × (V, A, W), total W, import Wh, frequency Hz, wall time of the reading. */
const PHASES = 3;
const SAMPLE_SLOTS = PHASES * 3 + 4;
/** Then the register's motion: exact energy Wh, power W, physics speed, absolute real time of the physics state. */
const MOTION_SLOTS = 4;
const SLOTS = SAMPLE_SLOTS + MOTION_SLOTS;
const ENERGY = SAMPLE_SLOTS;
const POWER = SAMPLE_SLOTS + 1;
const SPEED = SAMPLE_SLOTS + 2;
const AT = SAMPLE_SLOTS + 3;

/**
 * How the import register moves on from the written reading: a real meter integrates continuously, so the register
 * keeps counting the present power even while the board's thread is not scheduled.
 */
export interface MeterMotion {
  /** The register's exact (fractional) energy at `atMs`, Wh. */
  readonly energyWh: number;
  /** The power the register integrates from `atMs` on, W. */
  readonly powerW: number;
  /** Physics milliseconds per real millisecond (the board's `speed`). */
  readonly speed: number;
  /** Real time of that physics state, ms on the shared clock {@link sharedNowMs}. */
  readonly atMs: number;
}

/** Real time every thread of the process reads alike: its time origin plus `performance.now()`, ms. */
export function sharedNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Longest stretch the reader carries the register on by itself. A stall of the board's thread under CPU load lasts
 * tens to a few hundred ms; a board that stopped writing altogether must not count forever.
 */
export const MAX_EXTRAPOLATION_MS = 2000;

/**
 * The board's meter reading in shared memory: the worker that hosts the board writes it on every tick, the drivers'
 * thread reads it whenever the Modbus slave answers. A real meter's register moves whatever the station's thread is
 * doing; a reading relayed by `postMessage` would wait behind that thread's queue (at `--speed 60`, 100 ms there
 * is 6 s of station time, enough to look like a stuck register). A sequence lock keeps a reading whole.
 *
 * The board's own thread can stall too (a loaded machine deschedules it for 100–200 ms: 6–12 s of station time at
 * ×60, seen as "import register stuck" by the frozen-meter detector). So the writer also publishes the register's
 * motion, and the reader carries the register on at that power up to the moment of reading, as the meter would have
 * counted; the board integrates the same interval with the same power when its thread runs again (see
 * `VirtualBoard.tick`), and the reader never serves a register below one it already served.
 */
export class SharedMeterWindow {
  private readonly seq: Int32Array;
  private readonly values: Float64Array;
  /** The last register this reader served, and the written one it was based on (a lower written one is a reset). */
  private served: { readonly importWh: number; readonly writtenWh: number } | null = null;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8 + SLOTS * 8)) {
    this.seq = new Int32Array(buffer, 0, 1);
    this.values = new Float64Array(buffer, 8, SLOTS);
  }

  /** Writer side (one writer). Without `motion` (a frozen meter, physics not on real time) the register stands still. */
  write(sample: MeterSample, motion: MeterMotion | null = null): void {
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
    this.values[ENERGY] = motion?.energyWh ?? Number.NaN;
    this.values[POWER] = motion?.powerW ?? 0;
    this.values[SPEED] = motion?.speed ?? 0;
    this.values[AT] = motion?.atMs ?? Number.NaN;
    Atomics.add(this.seq, 0, 1); // even again: whole
  }

  /** Reader side: the latest whole reading (retries while a write is under way), its register carried on to `nowMs`. */
  read(nowMs: number = sharedNowMs()): MeterSample {
    for (;;) {
      const before = Atomics.load(this.seq, 0);
      if (before % 2 === 0) {
        const v = Array.from(this.values);
        if (Atomics.load(this.seq, 0) === before) return this.carryOn(decode(v), v, nowMs);
      }
    }
  }

  private carryOn(sample: MeterSample, v: readonly number[], nowMs: number): MeterSample {
    const writtenWh = sample.importWh;
    let importWh = Math.max(writtenWh, extrapolatedWh(v, nowMs) ?? writtenWh);
    const last = this.served;
    // Never backwards for the same written register (the board's own integration may round a hair below ours);
    // a written register below the last written one is a real reset, which the driver must see.
    if (last !== null && writtenWh >= last.writtenWh) importWh = Math.max(importWh, last.importWh);
    this.served = { importWh, writtenWh };
    return importWh === writtenWh ? sample : { ...sample, importWh };
  }
}

/** The whole-Wh register at `nowMs` by the published motion, or null when it stands still. */
function extrapolatedWh(v: readonly number[], nowMs: number): number | null {
  const energy = v[ENERGY] ?? Number.NaN;
  const power = v[POWER] ?? 0;
  const speed = v[SPEED] ?? 0;
  const at = v[AT] ?? Number.NaN;
  if (!Number.isFinite(energy) || !Number.isFinite(at) || !(power > 0) || !(speed > 0)) return null;
  const elapsedMs = Math.min(Math.max(0, nowMs - at), MAX_EXTRAPOLATION_MS);
  return Math.floor(energy + (power * elapsedMs * speed) / 3_600_000);
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
