/**
 * The residual current device's trip contact and its self-test. Modelled as a real RCD: a trip (a fault current or
 * the self-test output held active for `selfTestTripMs`) latches until reset by hand (`reset()`); a reset while the
 * test current still flows trips again after the same time. Time is passed in.
 */
export class RcdModel {
  private testOutput = false;
  private testSinceMs = 0;
  private latched = false;

  constructor(private readonly selfTestTripMs: number) {}

  /** Whether the trip contact reports tripped. */
  get tripped(): boolean {
    return this.latched;
  }

  get selfTestActive(): boolean {
    return this.testOutput;
  }

  /** Sets the self-test output from its line at `nowMs`, then advances. */
  update(nowMs: number, selfTestActive: boolean): void {
    if (selfTestActive !== this.testOutput) {
      this.testOutput = selfTestActive;
      this.testSinceMs = nowMs;
    }
    if (this.testOutput && nowMs - this.testSinceMs >= this.selfTestTripMs) this.latched = true;
  }

  /** A residual current: trips at once and latches. */
  trip(): void {
    this.latched = true;
  }

  /** The reset lever. A test current still flowing trips it again after `selfTestTripMs` from now. */
  reset(nowMs: number): void {
    this.latched = false;
    this.testSinceMs = nowMs;
  }
}
