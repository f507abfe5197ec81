import type { Clock, TimerHandle } from '../base/clock.js';
import { EvseError, EvseErrorCode } from '../base/errors.js';
import type { Contactor, ContactorFeedbackFault, ContactorPosition } from '../contactor.js';
import { Debouncer } from './debounce.js';
import type { GpioLine } from './lines.js';
import { Listeners } from './listeners.js';
import type { InputSampler } from './sampler.js';

export interface GpioContactorOptions {
  readonly feedbackMs: number;
  readonly auxDebounceMs: number;
  readonly minCloseIntervalMs: number;
}

/**
 * Contactor over a relay output and an optional auxiliary (mirror) contact input. `open()` and `close()` write
 * synchronously. Starts open.
 *
 * The driver is the one owner of the auxiliary-contact supervision (the control core runs no timer of its own): any
 * disagreement between the debounced auxiliary contact and the command that lasts `feedbackMs` is reported once
 * through `onFeedbackFault`: after a command the contact did not follow (welded / fails to close), a contact that
 * later drops out or closes by itself, and at startup a contactor welded while the controller was down.
 */
export class GpioContactor implements Contactor {
  private position: ContactorPosition = 'open';
  private commandedAtMs: number;
  private lastCloseAtMs: number | null = null;
  private feedbackTimer: TimerHandle | null = null;
  /** A fault was reported for the disagreement under way; cleared when the contact agrees or a new command comes. */
  private faultReported = false;
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
        if (this.aux?.update(this.readAux(), now)) {
          this.supervise(now);
          this.feedbackListeners.emit(this.aux.value, this.onListenerError);
        }
      });
      this.supervise(this.commandedAtMs);
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
    this.restartSupervision();
  }

  /** De-energises the relay synchronously, every time it is called. Throws only when the write failed. */
  open(): void {
    this.relay.writeActive(false);
    if (this.position === 'open') return;
    this.position = 'open';
    this.commandedAtMs = this.clock.monotonicMs();
    this.restartSupervision();
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
   * Calls `listener` when the auxiliary contact disagrees with the command for `feedbackMs` (never without an
   * auxiliary contact): `welded` (commanded open, still closed) or `fails-to-close` (commanded closed, open, including a
   * contactor that dropped out later). Once per disagreement. Returns an unsubscribe function.
   */
  onFeedbackFault(listener: (fault: ContactorFeedbackFault) => void): () => void {
    return this.faultListeners.add(listener);
  }

  /** A new command: the disagreement that follows is expected for `feedbackMs`, and a new fault may be reported. */
  private restartSupervision(): void {
    if (this.feedbackTimer !== null) this.clock.clearTimeout(this.feedbackTimer);
    this.feedbackTimer = null;
    this.faultReported = false;
    this.supervise(this.commandedAtMs);
  }

  /**
   * Called on every command and every debounced change of the auxiliary contact. Agreement stops the timer;
   * a disagreement starts it (counted from `sinceMs`) unless it already runs or this disagreement was reported.
   */
  private supervise(sinceMs: number): void {
    if (this.aux === null || this.disposed) return;
    if (this.aux.value === this.position) {
      if (this.feedbackTimer !== null) this.clock.clearTimeout(this.feedbackTimer);
      this.feedbackTimer = null;
      this.faultReported = false;
      return;
    }
    if (this.feedbackTimer !== null || this.faultReported) return;
    const waitMs = Math.max(0, sinceMs + this.options.feedbackMs - this.clock.monotonicMs());
    this.feedbackTimer = this.clock.setTimeout(() => {
      this.feedbackTimer = null;
      // Read once more so a contact that settled in the last sampling interval is not called faulty.
      this.sampler.runOnce();
      const feedback = this.aux?.value;
      const commanded = this.position;
      if (feedback === undefined || feedback === commanded || this.disposed || this.faultReported || this.feedbackTimer !== null) {
        return;
      }
      this.faultReported = true;
      this.faultListeners.emit(
        {
          kind: commanded === 'open' ? 'welded' : 'fails-to-close',
          commanded,
          feedback,
          afterMs: this.clock.monotonicMs() - this.commandedAtMs,
        },
        this.onListenerError,
      );
    }, waitMs);
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
