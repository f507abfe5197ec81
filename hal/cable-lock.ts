/**
 * Cable lock contract: the actuator that holds the plug in a socket outlet (IEC 62196 type 2), with its feedback.
 * A station with a fixed cable has none. The control core locks and waits for the confirmation before it closes the
 * contactor, and unlocks only after the contactor opened and the session stopped.
 */

export type LockPosition = 'locked' | 'unlocked';

/** Why a lock or unlock did not complete. */
export type CableLockFailure = 'not-confirmed' | 'driver';

/** The outcome of a lock or unlock command. */
export type CableLockResult = { readonly ok: true } | { readonly ok: false; readonly failure: CableLockFailure; readonly detail: string };

/** The cable lock of one socket outlet. */
export interface CableLock {
  /**
   * Drives the actuator to lock and resolves when the feedback confirms it, or with `not-confirmed` when it did not
   * within the driver's lock time (the actuator is then driven back to unlocked). Without a feedback input it resolves
   * after the motor's run time. Never rejects.
   */
  lock(): Promise<CableLockResult>;
  /** Drives the actuator to unlock and resolves when the feedback confirms it (or the run time passed). Never rejects. */
  unlock(): Promise<CableLockResult>;
  /** The position the feedback reports (debounced), or the last commanded one without a feedback input. */
  position(): LockPosition;
  /** Releases the hardware, leaving the lock in its configured safe state. */
  dispose(): Promise<void>;
}
