/**
 * The import register of one session over time, from journaled readings. It answers "what did the register read
 * at instant t": exactly where a reading lies at t, otherwise by linear interpolation between the two readings around
 * t, rounded half-up to whole Wh (energy stays in integer Wh, DESIGN.md invariant 3) and marked as interpolated.
 */
export interface RegisterReading {
  readonly atMs: number;
  readonly importWh: number;
}

export interface RegisterValue {
  readonly wh: number;
  readonly interpolated: boolean;
}

export class RegisterCurve {
  private readonly times: number[] = [];
  private readonly values: number[] = [];
  /** Readings dropped or raised because they went back in time or the register went backwards. */
  private anomalyCount = 0;

  /** Builds a curve from readings in any order. */
  static from(readings: Iterable<RegisterReading>): RegisterCurve {
    const curve = new RegisterCurve();
    for (const reading of [...readings].sort((a, b) => a.atMs - b.atMs)) curve.append(reading.atMs, reading.importWh);
    return curve;
  }

  /**
   * Adds a reading at the end. A reading not later than the last one is ignored; a register that reads lower than
   * before is held at the previous value (a meter never runs backwards; billing must not either). Both count as
   * anomalies.
   */
  append(atMs: number, importWh: number): void {
    const lastIndex = this.times.length - 1;
    const lastTime = this.times[lastIndex];
    const lastValue = this.values[lastIndex];
    if (lastTime !== undefined && atMs <= lastTime) {
      this.anomalyCount += 1;
      return;
    }
    if (!Number.isSafeInteger(importWh)) throw new RangeError(`importWh must be an integer, got ${importWh}`);
    if (lastValue !== undefined && importWh < lastValue) {
      this.anomalyCount += 1;
      importWh = lastValue;
    }
    this.times.push(atMs);
    this.values.push(importWh);
  }

  get length(): number {
    return this.times.length;
  }

  get anomalies(): number {
    return this.anomalyCount;
  }

  get firstAtMs(): number | undefined {
    return this.times[0];
  }

  get lastAtMs(): number | undefined {
    return this.times[this.times.length - 1];
  }

  /** The register at `atMs`, which must lie within [firstAtMs, lastAtMs]. */
  at(atMs: number): RegisterValue {
    const times = this.times;
    const first = times[0];
    const last = times[times.length - 1];
    if (first === undefined || last === undefined || atMs < first || atMs > last) {
      throw new RangeError(`instant ${atMs} lies outside the readings [${first}, ${last}]`);
    }
    // Last index whose time is <= atMs.
    let lo = 0;
    let hi = times.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if ((times[mid] ?? Infinity) <= atMs) lo = mid;
      else hi = mid - 1;
    }
    const t0 = times[lo] ?? atMs;
    const r0 = this.values[lo] ?? 0;
    if (t0 === atMs) return { wh: r0, interpolated: false };
    const t1 = times[lo + 1] ?? atMs;
    const r1 = this.values[lo + 1] ?? r0;
    // Half-up on exact integers: r0 + round((r1 - r0) × (t - t0) / (t1 - t0)).
    const numerator = BigInt(r1 - r0) * BigInt(atMs - t0);
    const denominator = BigInt(t1 - t0);
    const delta = (2n * numerator + denominator) / (2n * denominator);
    return { wh: r0 + Number(delta), interpolated: true };
  }
}
