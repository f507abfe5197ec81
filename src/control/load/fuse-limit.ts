import { limitText, type LimitWords } from '../limit-words.js';

/**
 * Fuse mode: the most current the EV may draw per phase so that the building's mains current stays at or below the
 * fuse minus the safety margin. What the rest of the building draws is the mains reading minus the EV's own current on
 * that phase; the EV may have what is left. Export on a phase (PV) counts as room: it lowers the mains current.
 */
export interface FuseLimitInputs {
  /** Mains current per phase (import positive). */
  readonly mainsA: readonly [number, number, number];
  /** The EV's own current per phase, from the EV meter at the same moment (0 on phases it does not use). */
  readonly evA: readonly [number, number, number];
  readonly fuseA: number;
  readonly marginA: number;
  /** The phases the station feeds (1: L1 only; 3: all). */
  readonly stationPhases: 1 | 3;
}

export interface FuseLimit {
  /** Amps the EV may draw per phase now, floored to 0.1 A, never negative. */
  readonly amps: number;
  /** The phase that binds (1–3). */
  readonly phase: 1 | 2 | 3;
  /** The mains current on that phase now. */
  readonly mainsA: number;
  /** "mains L2 24.1 A of 25 A". */
  readonly reason: string;
  /** The same as data, for the page's languages. */
  readonly words: Extract<LimitWords, { kind: 'fuse' }>;
}

export function fuseLimit(inputs: FuseLimitInputs): FuseLimit {
  const phases = inputs.stationPhases === 1 ? [0] : [0, 1, 2];
  let best: { amps: number; index: number } | null = null;
  for (const i of phases) {
    const mains = inputs.mainsA[i] ?? 0;
    const ev = Math.max(0, inputs.evA[i] ?? 0);
    const others = mains - ev;
    const room = inputs.fuseA - inputs.marginA - others;
    if (best === null || room < best.amps) best = { amps: room, index: i };
  }
  const binding = best ?? { amps: 0, index: 0 };
  const phase = (binding.index + 1) as 1 | 2 | 3;
  const mainsA = inputs.mainsA[binding.index] ?? 0;
  // Floored to 0.1 A (the epsilon keeps 6.8999… from float arithmetic at 6.9).
  const amps = Math.max(0, Math.floor(binding.amps * 10 + 1e-9) / 10);
  const words = { kind: 'fuse', phase, mainsA, fuseA: inputs.fuseA, cooling: false } as const;
  return { amps, phase, mainsA, reason: limitText(words), words };
}

