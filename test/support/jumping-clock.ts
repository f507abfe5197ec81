import { MAX_TIMER_DELAY_MS, unlimitedTimers, type Clock, type HostTimers } from '../../hal/base/clock.js';

/**
 * A clock that runs with real time (so loopback sockets, retries and polls work as usual) and can jump ahead, as a host
 * woken from a long suspend: `jump(ms)` moves wall and monotonic time and fires each due host timer once (an interval
 * does not catch up its missed ticks). Its host timers have the real limit: a delay above 2^31−1 ms fires after 1 ms,
 * as in Node. Its Clock timers are the production chain (`unlimitedTimers`) on top of them.
 */
export class JumpingClock implements Clock {
  private skewMs = 0;
  private readonly timers = new Set<{ dueMs: number; fn: () => void; everyMs: number | null }>();
  private readonly pump: ReturnType<typeof setInterval>;
  /** Raw host timers given out (the limit in action is visible here). */
  readonly overflowed: number[] = [];
  private readonly chain: ReturnType<typeof unlimitedTimers>;

  constructor() {
    this.pump = setInterval(() => this.fireDue(), 2);
    const limit = (ms: number): number => {
      if (ms > MAX_TIMER_DELAY_MS) {
        this.overflowed.push(ms);
        return 1;
      }
      return Math.max(ms, 1);
    };
    const host: HostTimers = {
      setTimeout: (fn, ms) => this.add({ dueMs: this.monotonicMs() + limit(ms), fn, everyMs: null }),
      clearTimeout: (h) => void this.timers.delete(h as never),
      setInterval: (fn, ms) => {
        const everyMs = limit(ms);
        return this.add({ dueMs: this.monotonicMs() + everyMs, fn, everyMs });
      },
      clearInterval: (h) => void this.timers.delete(h as never),
    };
    this.chain = unlimitedTimers(host, () => this.monotonicMs());
  }

  nowMs(): number {
    return Date.now() + this.skewMs;
  }

  monotonicMs(): number {
    return performance.now() + this.skewMs;
  }

  setTimeout: Clock['setTimeout'] = (fn, ms) => this.chain.setTimeout(fn, ms);
  clearTimeout: Clock['clearTimeout'] = (h) => this.chain.clearTimeout(h);
  setInterval: Clock['setInterval'] = (fn, ms) => this.chain.setInterval(fn, ms);
  clearInterval: Clock['clearInterval'] = (h) => this.chain.clearInterval(h);

  /** Time leaps `ms` ahead; every timer due by then fires once, now. */
  jump(ms: number): void {
    this.skewMs += ms;
    this.fireDue();
  }

  close(): void {
    clearInterval(this.pump);
    this.timers.clear();
  }

  private add(timer: { dueMs: number; fn: () => void; everyMs: number | null }): unknown {
    this.timers.add(timer);
    return timer;
  }

  private fireDue(): void {
    const now = this.monotonicMs();
    for (const t of [...this.timers]) {
      if (t.dueMs > now || !this.timers.has(t)) continue;
      if (t.everyMs === null) this.timers.delete(t);
      else t.dueMs = now + t.everyMs;
      t.fn();
    }
  }
}
