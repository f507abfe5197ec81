import type { Clock, TimerHandle } from '../base/clock.js';
import { EvseError, EvseErrorCode } from '../base/errors.js';
import type { Contactor, ContactorPosition } from '../contactor.js';
import { Debouncer } from './debounce.js';
import type { GpioLine } from './lines.js';
import { Listeners } from './listeners.js';
import type { InputSampler } from './sampler.js';

/**
 * The auxiliary contact did not follow a command within `feedbackMs`. `welded`: commanded open, still closed.
 * `fails-to-close`: commanded closed, still open. The control core raises the matching stop-class fault.
 */
export interface ContactorFeedbackFault {
  readonly kind: 'welded' | 'fails-to-close';
  readonly commanded: ContactorPosition;
  readonly feedback: ContactorPosition;
  /** Time since the command, ms. */
  readonly afterMs: number;
}

export interface GpioContactorOptions {
  readonly feedbackMs: number;
  readonly auxDebounceMs: number;
  readonly minCloseIntervalMs: number;
}

/**
 * Contactor over a relay output and an optional auxiliary (mirror) contact input. `open()` and `close()` write
 * synchronously. Starts open, and checks the auxiliary contact `feedbackMs` after startup too (a contactor welded
 * while the controller was down is found before the first session).
 */
export class GpioContactor implements Contactor {
  private position: ContactorPosition = 'open';
  private commandedAtMs: number;
  private lastCloseAtMs: number | null = null;
  private feedbackTimer: TimerHandle | null = null;
  private readonly aux: Debouncer<ContactorPosition> | null;
  private readonly feedbackListeners = new Listeners<ContactorPosition>();
  private readonly faultListeners = new Listeners<ContactorFeedbackFault>();
  private readonly removeTask: (() => void) | null;
  private disposed = false;

  constructor(
    private readonly relay: GpioLine,
    private readonly auxLine: GpioLine | null,
    private readonly sampler: InputSampler,
    private readonly clock: Clock,
    private readonly options: GpioContactorOptions,
    private readonly onListenerError: (err: unknown) => void = () => undefined,
  ) {
    this.relay.writeActive(false);
    this.commandedAtMs = clock.monotonicMs();
    if (auxLine === null) {
      this.aux = null;
      this.removeTask = null;
    } else {
      this.aux = new Debouncer<ContactorPosition>(this.readAux(), options.auxDebounceMs, this.commandedAtMs);
      this.removeTask = sampler.add((now) => {
        if (this.aux?.update(this.readAux(), now)) this.feedbackListeners.emit(this.aux.value, this.onListenerError);
      });
      this.armFeedbackCheck();
    }
  }

  /** An unreadable auxiliary contact reads closed: the unsafe guess, so the core raises a fault rather than trusts it. */
  private readAux(): ContactorPosition {
    try {
      return this.auxLine?.readActive() === false ? 'open' : 'closed';
    } catch {
      return 'closed';
    }
  }

  /**
   * Energises the relay. Throws EvseError(DriverFailure) when the write failed, and also when the last closing was
   * less than `minCloseIntervalMs` ago (see {@link closeAllowedInMs}); the relay then stays open.
   */
  close(): void {
    if (this.disposed) throw new EvseError(EvseErrorCode.DriverFailure, 'contactor.relay: the contactor driver is disposed');
    if (this.position === 'closed') return;
    const waitMs = this.closeAllowedInMs();
    if (waitMs > 0) {
      throw new EvseError(
        EvseErrorCode.DriverFailure,
        `contactor.relay: closing refused, last closing was less than ${this.options.minCloseIntervalMs} ms ago (retry in ${Math.ceil(waitMs)} ms)`,
      );
    }
    this.relay.writeActive(true);
    this.position = 'closed';
    this.commandedAtMs = this.clock.monotonicMs();
    this.lastCloseAtMs = this.commandedAtMs;
    this.armFeedbackCheck();
  }

  /** De-energises the relay synchronously, every time it is called. Throws only when the write failed. */
  open(): void {
    this.relay.writeActive(false);
    if (this.position === 'open') return;
    this.position = 'open';
    this.commandedAtMs = this.clock.monotonicMs();
    this.armFeedbackCheck();
  }

  /** Milliseconds until `close()` is allowed again by `minCloseIntervalMs`; 0 when it is allowed now. */
  closeAllowedInMs(): number {
    if (this.lastCloseAtMs === null) return 0;
    return Math.max(0, this.lastCloseAtMs + this.options.minCloseIntervalMs - this.clock.monotonicMs());
  }

  commanded(): ContactorPosition {
    return this.position;
  }

  feedback(): ContactorPosition | null {
    return this.aux?.value ?? null;
  }

  onFeedback(listener: (position: ContactorPosition) => void): () => void {
    return this.feedbackListeners.add(listener);
  }

  /**
   * Calls `listener` when the auxiliary contact has not followed a command within `feedbackMs` (never without an
   * auxiliary contact). Returns an unsubscribe function.
   */
  onFeedbackTimeout(listener: (fault: ContactorFeedbackFault) => void): () => void {
    return this.faultListeners.add(listener);
  }

  private armFeedbackCheck(): void {
    if (this.aux === null) return;
    if (this.feedbackTimer !== null) this.clock.clearTimeout(this.feedbackTimer);
    const commanded = this.position;
    const since = this.commandedAtMs;
    this.feedbackTimer = this.clock.setTimeout(() => {
      this.feedbackTimer = null;
      // Read once more so a contact that settled in the last sampling interval is not called faulty.
      this.sampler.runOnce();
      const feedback = this.aux?.value;
      if (feedback === undefined || feedback === commanded || this.disposed) return;
      this.faultListeners.emit(
        {
          kind: commanded === 'open' ? 'welded' : 'fails-to-close',
          commanded,
          feedback,
          afterMs: this.clock.monotonicMs() - since,
        },
        this.onListenerError,
      );
    }, this.options.feedbackMs);
  }

  /** Opens, stops sampling and unexports the lines. Idempotent. */
  dispose(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    try {
      this.open();
    } catch {
      // The relay line is released below anyway; the hardware pull-down keeps it off.
    }
    this.disposed = true;
    if (this.feedbackTimer !== null) this.clock.clearTimeout(this.feedbackTimer);
    this.removeTask?.();
    this.feedbackListeners.clear();
    this.faultListeners.clear();
    this.relay.release();
    this.auxLine?.release();
    return Promise.resolve();
  }
}
