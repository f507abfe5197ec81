import type { Clock, TimerHandle } from '../base/clock.js';
import { errorMessage } from '../base/errors.js';
import type { CableLock, CableLockResult, LockPosition } from '../cable-lock.js';
import { Debouncer } from './debounce.js';
import type { GpioLine } from './lines.js';
import type { InputSampler } from './sampler.js';

export type { LockPosition } from '../cable-lock.js';

/** Timing of the cable lock. */
export interface GpioCableLockOptions {
  /** Debounce of the feedback input. */
  readonly feedbackDebounceMs: number;
  /** With feedback: a command not confirmed within this time failed. */
  readonly lockTimeMs: number;
  /** Without feedback: a command resolves after the actuator's run time. */
  readonly runTimeMs: number;
}

/** A command waiting for its confirmation. */
interface Pending {
  readonly target: LockPosition;
  readonly timer: TimerHandle;
  readonly resolve: (result: CableLockResult) => void;
}

/**
 * The cable lock of a socket: an actuator output (active = drive to locked, inactive = drive to unlocked) and an
 * optional feedback input (active = locked).
 *
 * `lock()` and `unlock()` write the actuator at once and resolve when the debounced feedback shows the target position
 * within `lockTimeMs`, or without feedback after `runTimeMs`. A lock that is not confirmed is driven back to unlocked
 * (a half-engaged pin must not stay under power, and the plug must come out); an unlock that is not confirmed stays
 * commanded unlocked. A command given while another waits supersedes it: the earlier one resolves as not confirmed.
 * They never reject.
 */
export class GpioCableLock implements CableLock {
  private commandedPosition: LockPosition;
  private readonly feedbackValue: Debouncer<LockPosition> | null;
  private readonly removeTask: (() => void) | null;
  private pending: Pending | null = null;
  private disposed = false;

  constructor(
    private readonly actuator: GpioLine,
    private readonly feedbackLine: GpioLine | null,
    readonly safeState: LockPosition,
    sampler: InputSampler,
    private readonly clock: Clock,
    private readonly options: GpioCableLockOptions,
  ) {
    this.commandedPosition = safeState;
    this.actuator.writeActive(safeState === 'locked');
    if (feedbackLine === null) {
      this.feedbackValue = null;
      this.removeTask = null;
    } else {
      this.feedbackValue = new Debouncer<LockPosition>(this.readFeedback(), options.feedbackDebounceMs, clock.monotonicMs());
      this.removeTask = sampler.add((now) => {
        if (this.feedbackValue?.update(this.readFeedback(), now)) this.checkPending();
      });
    }
  }

  /** An unreadable feedback reads unlocked: the unsafe answer for "may the contactor close", so a lock never confirms. */
  private readFeedback(): LockPosition {
    try {
      return this.feedbackLine?.readActive() ? 'locked' : 'unlocked';
    } catch {
      return 'unlocked';
    }
  }

  lock(): Promise<CableLockResult> {
    return this.command('locked');
  }

  unlock(): Promise<CableLockResult> {
    return this.command('unlocked');
  }

  private command(target: LockPosition): Promise<CableLockResult> {
    if (this.disposed) return Promise.resolve({ ok: false, failure: 'driver', detail: 'cableLock.actuator: the cable lock driver is disposed' });
    this.settle({ ok: false, failure: 'not-confirmed', detail: `superseded by ${target === 'locked' ? 'lock' : 'unlock'}` });
    try {
      this.actuator.writeActive(target === 'locked');
    } catch (err) {
      if (target === 'locked') this.driveUnlockedBestEffort();
      return Promise.resolve({ ok: false, failure: 'driver', detail: errorMessage(err) });
    }
    this.commandedPosition = target;
    return new Promise<CableLockResult>((resolve) => {
      const waitMs = this.feedbackValue === null ? this.options.runTimeMs : this.options.lockTimeMs;
      const timer = this.clock.setTimeout(() => this.timedOut(), waitMs);
      this.pending = { target, timer, resolve };
      this.checkPending();
    });
  }

  /** With feedback: resolves the pending command when the debounced feedback shows its target. */
  private checkPending(): void {
    if (this.pending === null || this.feedbackValue === null) return;
    if (this.feedbackValue.value === this.pending.target) this.settle({ ok: true });
  }

  private timedOut(): void {
    const pending = this.pending;
    if (pending === null) return;
    if (this.feedbackValue === null) {
      this.settle({ ok: true });
      return;
    }
    const seen = this.feedbackValue.value;
    let detail = `cableLock.feedback: still ${seen} ${this.options.lockTimeMs} ms after the ${pending.target === 'locked' ? 'lock' : 'unlock'} command`;
    if (pending.target === 'locked') detail += this.driveUnlockedBestEffort() ? '; driven back to unlocked' : '; driving back to unlocked failed';
    this.settle({ ok: false, failure: 'not-confirmed', detail });
  }

  /** Drives the actuator to unlocked after a failed lock. Never throws; false when the write failed. */
  private driveUnlockedBestEffort(): boolean {
    try {
      this.actuator.writeActive(false);
      this.commandedPosition = 'unlocked';
      return true;
    } catch {
      return false;
    }
  }

  private settle(result: CableLockResult): void {
    const pending = this.pending;
    if (pending === null) return;
    this.pending = null;
    this.clock.clearTimeout(pending.timer);
    pending.resolve(result);
  }

  /**
   * Drives the lock to the configured safe state synchronously (for the station's safe state). A command waiting for
   * its confirmation resolves as not confirmed. Throws when the write failed.
   */
  toSafeState(): void {
    this.settle({ ok: false, failure: 'not-confirmed', detail: 'interrupted by the safe state' });
    this.actuator.writeActive(this.safeState === 'locked');
    this.commandedPosition = this.safeState;
  }

  /** The debounced feedback, or the last commanded position without a feedback input. */
  position(): LockPosition {
    return this.feedbackValue?.value ?? this.commandedPosition;
  }

  /** The position last commanded. */
  commanded(): LockPosition {
    return this.commandedPosition;
  }

  /** The debounced feedback, or null without a feedback input. */
  feedback(): LockPosition | null {
    return this.feedbackValue?.value ?? null;
  }

  /** Safe state, stop sampling, unexport. A waiting command resolves as a driver failure. Idempotent. */
  dispose(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.settle({ ok: false, failure: 'driver', detail: 'cableLock.actuator: the cable lock driver was disposed' });
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
