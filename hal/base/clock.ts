/**
 * Time as a dependency. Wall time stamps records (UTC); monotonic time measures durations, so a clock set by the
 * CSMS never stretches a timeout. Timers go through the clock too, so tests can drive everything with sinon fake timers.
 */
export interface Clock {
  /** Wall-clock time, whole epoch milliseconds UTC. */
  nowMs(): number;
  /** Monotonic milliseconds since an arbitrary origin. */
  monotonicMs(): number;
  /**
   * Runs `fn` once after `ms`. Any delay is honoured: one above the host's timer limit (2^31−1 ms, 24.8 days, where
   * Node fires after 1 ms) is chained in steps and still fires at its time. A delay ≤ 0 or NaN fires at once (next turn
   * of the event loop); +Infinity never fires.
   */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer (the whole chain of a long one); a handle already fired or cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
  /** Runs `fn` every `ms`; any period is honoured, as for setTimeout. */
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
  /** Whether wall time is trusted (set from the CSMS, or plausible without one). Absent means trusted. */
  trusted?(): boolean;
}

declare const timerHandleBrand: unique symbol;
/** An opaque timer handle: only the clock that made it can clear it (timeouts and intervals alike). */
export interface TimerHandle {
  readonly [timerHandleBrand]: true;
}

/** The longest delay a host timer takes (Node, browsers: a signed 32-bit integer of ms). */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** A host's raw timers: they fire a delay above MAX_TIMER_DELAY_MS (almost) at once, as Node does. */
export interface HostTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** One timer of a clock: the host timer currently armed for it, and whether it was cleared. */
class ChainedTimer {
  host: unknown = undefined;
  interval = false;
  cleared = false;
}

/**
 * Timers on top of a host's that honour any delay. A delay within the host's limit is one host timer; a longer one is
 * chained in steps of at most MAX_TIMER_DELAY_MS. What remains after a step is the smaller of the delay minus the steps
 * already waited (host timers never fire early) and the deadline minus `monotonicMs()` (exact when the host was late,
 * e.g. after a suspend, or when fake timers jump).
 */
export function unlimitedTimers(host: HostTimers, monotonicMs: () => number): Pick<Clock, 'setTimeout' | 'clearTimeout' | 'setInterval' | 'clearInterval'> {
  const arm = (timer: ChainedTimer, fn: () => void, ms: number, repeat: boolean): void => {
    const delay = Number.isNaN(ms) ? 0 : Math.max(0, ms);
    if (delay <= MAX_TIMER_DELAY_MS) {
      if (repeat) {
        timer.interval = true;
        timer.host = host.setInterval(fn, delay);
      } else {
        timer.host = host.setTimeout(fn, delay);
      }
      return;
    }
    const deadline = monotonicMs() + delay;
    let left = delay;
    const step = (): void => {
      const wait = Math.min(left, MAX_TIMER_DELAY_MS);
      left -= wait;
      timer.host = host.setTimeout(() => {
        if (timer.cleared) return;
        left = Math.min(left, deadline - monotonicMs());
        if (left > 0) return step();
        if (repeat) arm(timer, fn, delay, true);
        fn();
      }, wait);
    };
    step();
  };
  const clear = (handle: TimerHandle): void => {
    if (!(handle instanceof ChainedTimer)) return;
    handle.cleared = true;
    if (handle.interval) host.clearInterval(handle.host);
    else host.clearTimeout(handle.host);
  };
  return {
    setTimeout: (fn, ms) => {
      const timer = new ChainedTimer();
      arm(timer, fn, ms, false);
      return timer as unknown as TimerHandle;
    },
    clearTimeout: clear,
    setInterval: (fn, ms) => {
      const timer = new ChainedTimer();
      arm(timer, fn, ms, true);
      return timer as unknown as TimerHandle;
    },
    clearInterval: clear,
  };
}

/**
 * The process clock. It looks the globals up at call time, so sinon's fake timers installed after construction still
 * take effect.
 */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  ...unlimitedTimers(
    {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      setInterval: (fn, ms) => setInterval(fn, ms),
      clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
    },
    () => performance.now(),
  ),
};

/**
 * A clock running `speed` times faster than real time, for `evse sim --speed N`. Wall time starts at the real time of
 * creation and advances at the accelerated rate. Its timers are the base clock's (which honour any delay).
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
