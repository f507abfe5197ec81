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
