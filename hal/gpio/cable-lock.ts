import type { Clock } from '../base/clock.js';
import { Debouncer } from './debounce.js';
import type { GpioLine } from './lines.js';
import type { InputSampler } from './sampler.js';

export type LockPosition = 'locked' | 'unlocked';

/**
 * The cable lock of a socket: an actuator output (active = lock) and an optional feedback input (active = locked).
 * Not part of the hal contracts yet; the control core can use it through `GpioHardware.cableLock`.
 */
export class GpioCableLock {
  private position: LockPosition;
  private readonly feedbackValue: Debouncer<LockPosition> | null;
  private readonly removeTask: (() => void) | null;
  private disposed = false;

  constructor(
    private readonly actuator: GpioLine,
    private readonly feedbackLine: GpioLine | null,
    readonly safeState: LockPosition,
    sampler: InputSampler,
    clock: Clock,
    feedbackDebounceMs: number,
  ) {
    this.position = safeState;
    this.actuator.writeActive(safeState === 'locked');
    if (feedbackLine === null) {
      this.feedbackValue = null;
      this.removeTask = null;
    } else {
      this.feedbackValue = new Debouncer<LockPosition>(this.readFeedback(), feedbackDebounceMs, clock.monotonicMs());
      this.removeTask = sampler.add((now) => {
        this.feedbackValue?.update(this.readFeedback(), now);
      });
    }
  }

  private readFeedback(): LockPosition {
    try {
      return this.feedbackLine?.readActive() ? 'locked' : 'unlocked';
    } catch {
      return 'unlocked';
    }
  }

  lock(): void {
    this.actuator.writeActive(true);
    this.position = 'locked';
  }

  unlock(): void {
    this.actuator.writeActive(false);
    this.position = 'unlocked';
  }

  /** Drives the lock to the configured safe state. Synchronous. */
  toSafeState(): void {
    if (this.safeState === 'locked') this.lock();
    else this.unlock();
  }

  commanded(): LockPosition {
    return this.position;
  }

  /** The debounced feedback, or null without a feedback input. */
  feedback(): LockPosition | null {
    return this.feedbackValue?.value ?? null;
  }

  /** Safe state, stop sampling, unexport. Idempotent. */
  dispose(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.disposed = true;
    try {
      this.toSafeState();
    } catch {
      // Released below anyway.
    }
    this.removeTask?.();
    this.actuator.release();
    this.feedbackLine?.release();
    return Promise.resolve();
  }
}
