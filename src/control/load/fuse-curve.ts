/**
 * How long a main fuse tolerates an overload, and a running account of how much of that tolerance is used.
 *
 * A fuse or a miniature circuit breaker trips on heat: a small overload for long, or a large one briefly. The station
 * must cut its own load before the building's protection does. The curve below is stricter than the thermal
 * characteristic of an IEC 60898-1 breaker (1.13 × In never trips within an hour, 1.45 × In trips within one, 2.55 × In
 * trips in 1 to 60 s for In ≤ 32 A; type B trips magnetically from 3 × In), so the station gives way first:
 *
 * | load / fuse | tolerated for |
 * |---|---|
 * | ≤ 1.00 | indefinitely |
 * | 1.10 | 60 s |
 * | 1.50 | 5 s |
 * | 2.55 | 1 s (IEC 60898-1's shortest thermal trip at 2.55 × In) |
 * | ≥ 3.00 | 0.1 s (the magnetic trip of a type B breaker: nothing the station can outrun) |
 *
 * Between points the tolerated time is interpolated on a log scale (a straight line on the usual log-log fuse chart).
 */
export interface FuseCurvePoint {
  /** Load as a multiple of the fuse rating (> 1). */
  readonly ratio: number;
  /** Seconds that load is tolerated. */
  readonly seconds: number;
}

export const defaultFuseCurve: readonly FuseCurvePoint[] = [
  { ratio: 1.1, seconds: 60 },
  { ratio: 1.5, seconds: 5 },
  { ratio: 2.55, seconds: 1 },
  { ratio: 3.0, seconds: 0.1 },
];

/** Seconds a load of `ratio` × the fuse is tolerated (Infinity at or below the rating). */
export function toleratedSeconds(ratio: number, curve: readonly FuseCurvePoint[] = defaultFuseCurve): number {
  if (!(ratio > 1)) return Number.POSITIVE_INFINITY;
  const first = curve[0];
  const last = curve[curve.length - 1];
  if (first === undefined || last === undefined) throw new Error('a fuse curve needs at least one point');
  if (ratio >= last.ratio) return last.seconds;
  // From the rating to the first point: from "indefinitely" down to the first point's time, steeply (a load just over
  // the rating is tolerated long, but not forever: 10 × the first point's time at the rating itself).
  let lo: FuseCurvePoint = { ratio: 1, seconds: first.seconds * 10 };
  for (const hi of curve) {
    if (ratio <= hi.ratio) {
      const t = (ratio - lo.ratio) / (hi.ratio - lo.ratio);
      return Math.exp(Math.log(lo.seconds) + t * (Math.log(hi.seconds) - Math.log(lo.seconds)));
    }
    lo = hi;
  }
  return last.seconds;
}

/** How fast the element cools at or below its rating: the share left falls by e every this many seconds. */
export const FUSE_COOLING_TAU_S = 120;

/**
 * The share of the fuse's tolerance used up, like the heating of its element: each interval at `ratio` × the rating
 * adds `dt / toleratedSeconds(ratio)`; at or below the rating it cools exponentially with a time constant of
 * {@link FUSE_COOLING_TAU_S} (a breaker's bimetal takes minutes to cool). At 1 the fuse would trip: the station must
 * have cut its load before.
 */
export class FuseHeat {
  private used = 0;

  constructor(private readonly curve: readonly FuseCurvePoint[] = defaultFuseCurve) {}

  /** Accounts `seconds` spent at `ratio` × the rating; returns the share used now (0 … ≥ 1). */
  add(ratio: number, seconds: number): number {
    if (!(seconds > 0)) return this.used;
    if (ratio > 1) this.used += seconds / toleratedSeconds(ratio, this.curve);
    else this.used *= Math.exp(-seconds / FUSE_COOLING_TAU_S);
    return this.used;
  }

  get share(): number {
    return this.used;
  }

  reset(): void {
    this.used = 0;
  }
}
