/**
 * A value that changes only after a new level held for its debounce time: `debounceMs`, or per transition when given
 * as a function of (from, to) — a change toward safety may be confirmed faster than one toward danger. Pure: the
 * caller feeds samples with their monotonic time, so tests drive it without timers.
 */
export class Debouncer<T> {
  private stableValue: T;
  private candidate: T;
  private candidateSinceMs: number;

  constructor(
    initial: T,
    private readonly debounceMs: number | ((from: T, to: T) => number),
    nowMs: number,
    private readonly equals: (a: T, b: T) => boolean = Object.is,
  ) {
    this.stableValue = initial;
    this.candidate = initial;
    this.candidateSinceMs = nowMs;
  }

  /** The debounced value. */
  get value(): T {
    return this.stableValue;
  }

  /** Feeds one sample; returns true when the debounced value changed. */
  update(sample: T, nowMs: number): boolean {
    if (this.equals(sample, this.stableValue)) {
      this.candidate = this.stableValue;
      return false;
    }
    if (!this.equals(sample, this.candidate)) {
      this.candidate = sample;
      this.candidateSinceMs = nowMs;
    }
    const holdMs = typeof this.debounceMs === 'number' ? this.debounceMs : this.debounceMs(this.stableValue, this.candidate);
    if (nowMs - this.candidateSinceMs >= holdMs) {
      this.stableValue = this.candidate;
      return true;
    }
    return false;
  }
}
