/**
 * Failed logins per client address: after {@link LoginThrottle.maxFailures} within the window, every login from that
 * address answers 429 with Retry-After until the oldest failure has left the window, the right password included
 * (otherwise guessing would just go on). Bounded: the addresses seen longest ago are forgotten first.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly nowMs: () => number,
    readonly maxFailures: number,
    readonly windowMs: number,
    private readonly maxAddresses = 1024,
  ) {}

  /** Seconds to wait before `address` may try again, or 0 when it may try now. */
  retryAfterS(address: string): number {
    const recent = this.recent(address);
    if (recent.length < this.maxFailures) return 0;
    const oldest = recent[recent.length - this.maxFailures] ?? this.nowMs();
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.nowMs()) / 1000));
  }

  fail(address: string): void {
    const recent = [...this.recent(address), this.nowMs()].slice(-this.maxFailures);
    this.failures.delete(address);
    this.failures.set(address, recent);
    while (this.failures.size > this.maxAddresses) {
      const oldest = this.failures.keys().next();
      if (oldest.done === true) break;
      this.failures.delete(oldest.value);
    }
  }

  succeed(address: string): void {
    this.failures.delete(address);
  }

  private recent(address: string): number[] {
    const cutoff = this.nowMs() - this.windowMs;
    const kept = (this.failures.get(address) ?? []).filter((at) => at > cutoff);
    if (kept.length === 0) this.failures.delete(address);
    else this.failures.set(address, kept);
    return kept;
  }
}
