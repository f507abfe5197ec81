/**
 * When the station was online (link open and registered) during this process, so the 2.0.1 uplink can set a
 * TransactionEvent's `offline` flag from when the event HAPPENED (its outbox row's creation), not from when it leaves.
 * An event from before this process started is offline: it waited in the journal across a restart, and this process
 * cannot tell whether the link was up when it was written.
 */
export class OnlineIntervals {
  /** Closed intervals [from, to) and at most one open one (to = null) at the end. */
  private readonly intervals: { from: number; to: number | null }[] = [];

  constructor(private readonly processStartMs: number, private readonly maxIntervals = 1000) {}

  /** The link opened and the CSMS accepted the boot. */
  online(atMs: number): void {
    const last = this.intervals[this.intervals.length - 1];
    if (last && last.to === null) return;
    this.intervals.push({ from: atMs, to: null });
    // A flapping link must not grow this without bound: the oldest intervals are long delivered.
    if (this.intervals.length > this.maxIntervals) this.intervals.shift();
  }

  /** The link closed (or the boot is no longer accepted). */
  offline(atMs: number): void {
    const last = this.intervals[this.intervals.length - 1];
    if (last && last.to === null) last.to = Math.max(atMs, last.from);
  }

  isOnline(): boolean {
    return this.intervals[this.intervals.length - 1]?.to === null;
  }

  /** Whether the station was online at `atMs`. */
  wasOnlineAt(atMs: number): boolean {
    if (atMs < this.processStartMs) return false;
    for (let i = this.intervals.length - 1; i >= 0; i--) {
      const interval = this.intervals[i];
      if (interval === undefined || atMs < interval.from) continue;
      return interval.to === null || atMs < interval.to;
    }
    return false;
  }
}
