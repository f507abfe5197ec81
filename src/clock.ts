/**
 * Time as a dependency. Wall time stamps records (UTC); monotonic time measures durations, so a clock set by the
 * CSMS never stretches a timeout. Timers go through the clock too, so tests can drive everything with sinon fake timers.
 */
export interface Clock {
  /** Wall-clock time, whole epoch milliseconds UTC. */
  nowMs(): number;
  /** Monotonic milliseconds since an arbitrary origin. */
  monotonicMs(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
  /** Whether wall time is trusted (set from the CSMS, or plausible without one). Absent means trusted. */
  trusted?(): boolean;
}

export type TimerHandle = ReturnType<typeof setTimeout>;

/**
 * The process clock. It looks the globals up at call time, so sinon's fake timers installed after construction still
 * take effect.
 */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h),
};

/**
 * A clock running `speed` times faster than real time, for `evse sim --speed N`. Wall time starts at the real time of
 * creation and advances at the accelerated rate.
 */
export function acceleratedClock(speed: number, base: Clock = systemClock): Clock {
  if (!(speed > 0)) throw new RangeError(`speed must be > 0, got ${speed}`);
  const wallOrigin = base.nowMs();
  const monoOrigin = base.monotonicMs();
  return {
    // Whole milliseconds, as Date.now() gives: records and billing take wall time as an integer.
    nowMs: () => Math.floor(wallOrigin + (base.monotonicMs() - monoOrigin) * speed),
    monotonicMs: () => (base.monotonicMs() - monoOrigin) * speed,
    setTimeout: (fn, ms) => base.setTimeout(fn, ms / speed),
    clearTimeout: (h) => base.clearTimeout(h),
    setInterval: (fn, ms) => base.setInterval(fn, ms / speed),
    clearInterval: (h) => base.clearInterval(h),
  };
}

/** Wall time before this cannot be right (a controller without a real-time clock boots near 1970). */
export const EARLIEST_PLAUSIBLE_MS = Date.UTC(2026, 0, 1);

/**
 * The station's wall clock: the host's clock plus an offset learned from the CSMS (BootNotification and Heartbeat carry
 * its time). It starts untrusted when a CSMS will set it (or when the host clock is implausible); records stamped
 * before it is trusted are marked, and corrected by the offset once the CSMS speaks. Monotonic time and timers are
 * the host's, unaffected by any correction.
 */
export class StationClock implements Clock {
  private offsetMs = 0;
  private isTrusted: boolean;
  /** Wall time (as this clock read it) from which records may carry the untrusted clock's error; null if trusted at start. */
  readonly untrustedSinceMs: number | null;

  constructor(
    private readonly base: Clock,
    options: { readonly awaitCsms: boolean },
  ) {
    const now = base.nowMs();
    this.isTrusted = !options.awaitCsms && now >= EARLIEST_PLAUSIBLE_MS;
    this.untrustedSinceMs = this.isTrusted ? null : now;
  }

  nowMs(): number {
    return this.base.nowMs() + this.offsetMs;
  }

  monotonicMs(): number {
    return this.base.monotonicMs();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.base.setTimeout(fn, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.base.clearTimeout(handle);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.base.setInterval(fn, ms);
  }

  clearInterval(handle: TimerHandle): void {
    this.base.clearInterval(handle);
  }

  trusted(): boolean {
    return this.isTrusted;
  }

  /**
   * Sets wall time from the CSMS. Returns the correction for records stamped while untrusted when this is the moment
   * the clock becomes trusted, else null (later calls only follow drift).
   */
  setFromCsms(csmsNowMs: number): { readonly correctionMs: number; readonly sinceMs: number } | null {
    const before = this.offsetMs;
    this.offsetMs = Math.round(csmsNowMs - this.base.nowMs());
    if (this.isTrusted) return null;
    this.isTrusted = true;
    return { correctionMs: this.offsetMs - before, sinceMs: this.untrustedSinceMs ?? this.base.nowMs() };
  }
}
