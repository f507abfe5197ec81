/**
 * How long a condition has held without a break, timed from the first reading that showed it. A reading where it
 * does not hold starts it afresh. Shared by the detectors that judge "for N seconds" (over-offer, phase imbalance,
 * under-draw).
 */
export class HeldCondition {
  private sinceMono: number | null = null;

  /** One reading: seconds the condition has held up to `monoMs`, or null when it does not hold now. */
  update(holds: boolean, monoMs: number): number | null {
    if (!holds) {
      this.sinceMono = null;
      return null;
    }
    this.sinceMono ??= monoMs;
    return (monoMs - this.sinceMono) / 1000;
  }
}
