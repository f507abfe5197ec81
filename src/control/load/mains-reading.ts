/**
 * One reading of the meter at the grid connection. Currents carry the direction of the flow: import (from the grid)
 * positive, export (to the grid, from PV) negative — the convention of bidirectional meters' signed current and power
 * registers (e.g. Eastron SDM630 reports negative power on export).
 */
export interface MainsReading {
  /** Per phase L1, L2, L3, in A, signed (a single-phase connection reports 0 on L2 and L3). */
  readonly currentsA: readonly [number, number, number];
  /** Total active power in W, signed. */
  readonly powerW: number;
  /** Station monotonic time of the reading. */
  readonly monoMs: number;
}

/** Why a mains reading is not believed: it counts as a meter error, never as a number. */
export type ImplausibleMains =
  | { readonly kind: 'not-finite'; readonly field: string }
  | { readonly kind: 'over-range'; readonly phase: 1 | 2 | 3; readonly currentA: number; readonly maxA: number }
  | { readonly kind: 'export-without-pv'; readonly phase: 1 | 2 | 3; readonly currentA: number };

/** Above this many times the fuse a reading is a meter fault, not a load: the fuse would have blown long before. */
const MAX_FUSE_MULTIPLE = 5;
/** Export below this on a building without PV is noise around zero, not a sign flip (meters read ±0.0x A idle). */
const EXPORT_NOISE_A = 0.5;

/** Null when the reading is plausible for a building with this fuse (and PV or not); what is wrong otherwise. */
export function implausibleMains(reading: MainsReading, fuseA: number, pvInstalled: boolean): ImplausibleMains | null {
  if (!Number.isFinite(reading.powerW)) return { kind: 'not-finite', field: 'powerW' };
  const maxA = fuseA * MAX_FUSE_MULTIPLE;
  for (const [i, a] of reading.currentsA.entries()) {
    const phase = (i + 1) as 1 | 2 | 3;
    if (!Number.isFinite(a)) return { kind: 'not-finite', field: `L${phase}` };
    if (Math.abs(a) > maxA) return { kind: 'over-range', phase, currentA: a, maxA };
    if (!pvInstalled && a < -EXPORT_NOISE_A) return { kind: 'export-without-pv', phase, currentA: a };
  }
  return null;
}

/** The operator's words for an implausible reading. */
export function describeImplausibleMains(why: ImplausibleMains): string {
  switch (why.kind) {
    case 'not-finite':
      return `the mains meter returned no number for ${why.field}`;
    case 'over-range':
      return `the mains meter reads ${why.currentA.toFixed(1)} A on L${why.phase}, above ${why.maxA} A (5 × the fuse): a wrong register, scaling or CT`;
    case 'export-without-pv':
      return `the mains meter reads export (${why.currentA.toFixed(1)} A) on L${why.phase} but no PV is configured: a CT mounted the wrong way round?`;
  }
}
