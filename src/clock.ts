import type { Clock, TimerHandle } from '../hal/base/clock.js';

// The clock contract and the process clock live in hal's leaf (hal/ imports nothing of src/); re-exported here for src/.
export { acceleratedClock, MAX_TIMER_DELAY_MS, systemClock, type Clock, type TimerHandle } from '../hal/base/clock.js';

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
