import type { Contactor, ContactorFeedbackFault, ContactorPosition } from '../hal/contactor.js';
import type { Clock, TimerHandle } from '../hal/base/clock.js';
import { EvseError, EvseErrorCode } from '../hal/base/errors.js';

/** Timing of the simulated relay, as the GPIO driver's config gives it for a real one. */
export interface SimContactorTiming {
  /** The auxiliary contact follows the coil after this long (pull-in / drop-out). */
  readonly auxDelayMs: number;
  /** The auxiliary contact must agree this long after a command, else a feedback fault. */
  readonly feedbackMs: number;
  /** Least time between two closings; a closing inside it is refused, as by the GPIO driver. */
  readonly minCloseIntervalMs: number;
  /** Whether an auxiliary contact is fitted. */
  readonly hasAux: boolean;
}

export const defaultSimContactorTiming: SimContactorTiming = {
  auxDelayMs: 20,
  feedbackMs: 250,
  minCloseIntervalMs: 1000,
  hasAux: true,
};

/**
 * The simulated contactor, as hard as the GPIO driver on a real relay: the auxiliary contact follows the coil after
 * `auxDelayMs`; the driver's own supervision reports a contact that does not follow within `feedbackMs`; a closing
 * inside `minCloseIntervalMs` of the last one throws. Faults: `welded` (stays closed once closed), `failsToClose`
 * (never closes), `failWrites` (the output write throws).
 */
export class SimContactor implements Contactor {
  private position: ContactorPosition = 'open';
  private aux: ContactorPosition = 'open';
  private auxTimer: TimerHandle | undefined;
  private feedbackTimer: TimerHandle | undefined;
  private lastCloseMono: number | null = null;
  private commandedAtMono: number;
  private readonly listeners = new Set<(p: ContactorPosition) => void>();
  private readonly faultListeners = new Set<(f: ContactorFeedbackFault) => void>();
  private readonly timing: SimContactorTiming;
  welded = false;
  failsToClose = false;
  failWrites = false;
  /** Called on every command, with the instant it happened (benchmarks measure reaction latency from it). */
  onCommand: ((position: ContactorPosition) => void) | null = null;

  constructor(
    private readonly clock: Clock,
    timing: Partial<SimContactorTiming> = {},
  ) {
    this.timing = { ...defaultSimContactorTiming, ...timing };
    this.commandedAtMono = clock.monotonicMs();
  }

  close(): void {
    if (this.failWrites) throw new Error('simulated relay write failure (EIO)');
    const waitMs = this.closeAllowedInMs();
    if (waitMs > 0) {
      throw new EvseError(
        EvseErrorCode.DriverFailure,
        `simulated relay: closing refused, last closing was less than ${this.timing.minCloseIntervalMs} ms ago`,
      );
    }
    if (this.position !== 'closed') this.lastCloseMono = this.clock.monotonicMs();
    this.command('closed');
  }

  open(): void {
    if (this.failWrites) throw new Error('simulated relay write failure (EIO)');
    this.command('open');
  }

  commanded(): ContactorPosition {
    return this.position;
  }

  closeAllowedInMs(): number {
    if (this.lastCloseMono === null) return 0;
    return Math.max(0, this.lastCloseMono + this.timing.minCloseIntervalMs - this.clock.monotonicMs());
  }

  /**
   * Whether power actually reaches the EV: the main contacts, which the auxiliary contact mirrors, so power flows only
   * after the pull-in, and a welded contactor delivers it whatever was commanded.
   */
  delivering(): boolean {
    return this.aux === 'closed';
  }

  feedback(): ContactorPosition | null {
    return this.timing.hasAux ? this.aux : null;
  }

  onFeedback(listener: (position: ContactorPosition) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onFeedbackFault(listener: (fault: ContactorFeedbackFault) => void): () => void {
    this.faultListeners.add(listener);
    return () => this.faultListeners.delete(listener);
  }

  dispose(): Promise<void> {
    this.position = 'open';
    if (this.auxTimer !== undefined) this.clock.clearTimeout(this.auxTimer);
    if (this.feedbackTimer !== undefined) this.clock.clearTimeout(this.feedbackTimer);
    this.listeners.clear();
    this.faultListeners.clear();
    return Promise.resolve();
  }

  private command(position: ContactorPosition): void {
    this.position = position;
    this.commandedAtMono = this.clock.monotonicMs();
    this.onCommand?.(position);
    this.scheduleAux();
    this.armFeedbackCheck();
  }

  private scheduleAux(): void {
    if (this.auxTimer !== undefined) this.clock.clearTimeout(this.auxTimer);
    this.auxTimer = this.clock.setTimeout(() => {
      this.auxTimer = undefined;
      let next: ContactorPosition = this.position;
      if (this.position === 'closed' && this.failsToClose) next = 'open';
      if (this.welded && this.aux === 'closed') next = 'closed';
      if (next !== this.aux) {
        this.aux = next;
        if (this.timing.hasAux) for (const l of [...this.listeners]) l(next);
      }
    }, this.timing.auxDelayMs);
  }

  /** The driver's supervision: the contact must agree `feedbackMs` after each command. */
  private armFeedbackCheck(): void {
    if (!this.timing.hasAux) return;
    if (this.feedbackTimer !== undefined) this.clock.clearTimeout(this.feedbackTimer);
    const commanded = this.position;
    this.feedbackTimer = this.clock.setTimeout(() => {
      this.feedbackTimer = undefined;
      if (this.position !== commanded || this.aux === commanded) return;
      const fault: ContactorFeedbackFault = {
        kind: commanded === 'open' ? 'welded' : 'fails-to-close',
        commanded,
        feedback: this.aux,
        afterMs: this.clock.monotonicMs() - this.commandedAtMono,
      };
      for (const l of [...this.faultListeners]) l(fault);
    }, this.timing.feedbackMs);
  }
}
