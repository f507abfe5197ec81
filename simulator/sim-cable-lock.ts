import type { CableLock, CableLockResult, LockPosition } from '../hal/cable-lock.js';
import type { Clock } from '../hal/base/clock.js';

/**
 * The simulated cable lock of a socket outlet: the motor runs `runTimeMs` (300 ms, as the virtual board's) before the
 * feedback confirms; `jammed` makes the feedback never follow, as a real lock with a pin that does not engage.
 */
export class SimCableLock implements CableLock {
  private feedback: LockPosition = 'unlocked';
  jammed = false;

  constructor(
    private readonly clock: Clock,
    private readonly runTimeMs = 300,
  ) {}

  lock(): Promise<CableLockResult> {
    return this.drive('locked');
  }

  unlock(): Promise<CableLockResult> {
    return this.drive('unlocked');
  }

  position(): LockPosition {
    return this.feedback;
  }

  dispose(): Promise<void> {
    this.feedback = 'unlocked';
    return Promise.resolve();
  }

  private drive(target: LockPosition): Promise<CableLockResult> {
    return new Promise((resolve) => {
      this.clock.setTimeout(() => {
        if (this.jammed) {
          resolve({ ok: false, failure: 'not-confirmed', detail: `feedback did not confirm ${target} within ${this.runTimeMs} ms` });
          return;
        }
        this.feedback = target;
        resolve({ ok: true });
      }, this.runTimeMs);
    });
  }
}
