import type { Clock } from '../base/clock.js';

/** One reading pass of a driver, given the monotonic time of the pass. */
export type SampleTask = (nowMs: number) => void;

/**
 * Reads every input line on one fixed interval. Polling instead of sysfs edge interrupts: the latency is bounded by
 * the interval whatever the line (not every line has an interrupt), a missed edge cannot leave a stale level, and
 * tests drive it with fake timers.
 */
export class InputSampler {
  private readonly tasks = new Set<SampleTask>();
  private timer: ReturnType<Clock['setInterval']> | null = null;

  constructor(
    private readonly clock: Clock,
    readonly intervalMs: number,
  ) {}

  /** Adds a task and starts the interval if needed. Returns a function that removes it. */
  add(task: SampleTask): () => void {
    this.tasks.add(task);
    if (this.timer === null) this.timer = this.clock.setInterval(() => this.runOnce(), this.intervalMs);
    return () => {
      this.tasks.delete(task);
      if (this.tasks.size === 0) this.stop();
    };
  }

  /** Runs every task now (also what the interval does). A task must not throw; drivers catch their read errors. */
  runOnce(): void {
    const now = this.clock.monotonicMs();
    for (const task of [...this.tasks]) task(now);
  }

  stop(): void {
    if (this.timer !== null) {
      this.clock.clearInterval(this.timer);
      this.timer = null;
    }
  }
}
