import type { Contactor, ContactorPosition } from '../hal/contactor.js';
import type { Clock, TimerHandle } from '../src/clock.js';

/**
 * The simulated contactor with an auxiliary contact that follows the coil after `auxDelayMs`, unless a fault is
 * injected: `welded` (stays closed once closed), `failsToClose` (never closes), `failWrites` (the output write throws).
 */
export class SimContactor implements Contactor {
  private position: ContactorPosition = 'open';
  private aux: ContactorPosition = 'open';
  private auxTimer: TimerHandle | undefined;
  private readonly listeners = new Set<(p: ContactorPosition) => void>();
  welded = false;
  failsToClose = false;
  failWrites = false;
  /** Called on every command, with the instant it happened (benchmarks measure reaction latency from it). */
  onCommand: ((position: ContactorPosition) => void) | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly auxDelayMs = 20,
    private readonly hasAux = true,
  ) {}

  close(): void {
    if (this.failWrites) throw new Error('simulated relay write failure (EIO)');
    this.position = 'closed';
    this.onCommand?.('closed');
    this.scheduleAux();
  }

  open(): void {
    if (this.failWrites) throw new Error('simulated relay write failure (EIO)');
    this.position = 'open';
    this.onCommand?.('open');
    this.scheduleAux();
  }

  commanded(): ContactorPosition {
    return this.position;
  }

  /** Whether power actually reaches the EV (a welded contactor delivers it whatever was commanded). */
  delivering(): boolean {
    return this.aux === 'closed' || (this.position === 'closed' && !this.failsToClose);
  }

  feedback(): ContactorPosition | null {
    return this.hasAux ? this.aux : null;
  }

  onFeedback(listener: (position: ContactorPosition) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): Promise<void> {
    this.position = 'open';
    if (this.auxTimer !== undefined) this.clock.clearTimeout(this.auxTimer);
    this.listeners.clear();
    return Promise.resolve();
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
        if (this.hasAux) for (const l of [...this.listeners]) l(next);
      }
    }, this.auxDelayMs);
  }
}
