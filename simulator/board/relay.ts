/**
 * The contactor's relay as the board has it: the coil follows the GPIO line at once, the contacts follow the coil after
 * the pull-in or drop-out time, and the auxiliary contact mirrors the main contact. Faults make it harsher at run time:
 * `welded` (once closed, the main contact stays closed) and `failsToClose` (it never closes). The contacts' real
 * position, not the command, is what delivers power. Time is passed in (real milliseconds), so tests step it.
 */
export interface RelayTiming {
  /** Coil energised → contacts closed, ms. */
  readonly pullInMs: number;
  /** Coil released → contacts open, ms. */
  readonly dropOutMs: number;
}

export class RelayModel {
  private coil = false;
  private closed = false;
  /** When the contacts will reach the coil's position, or null when they are there (or a fault keeps them). */
  private moveAtMs: number | null = null;
  private weldedFault = false;
  private failsToCloseFault = false;

  constructor(private readonly timing: RelayTiming) {}

  /** Whether the coil is energised. */
  get coilActive(): boolean {
    return this.coil;
  }

  /** Whether the main contact (and with it the auxiliary contact) is really closed at the last `update`. */
  get contactsClosed(): boolean {
    return this.closed;
  }

  get welded(): boolean {
    return this.weldedFault;
  }

  get failsToClose(): boolean {
    return this.failsToCloseFault;
  }

  /** Sets the coil from the line at `nowMs`; a change starts the contacts moving. Then advances to `nowMs`. */
  update(nowMs: number, coilActive: boolean): void {
    if (coilActive !== this.coil) {
      this.coil = coilActive;
      this.moveAtMs = nowMs + (coilActive ? this.timing.pullInMs : this.timing.dropOutMs);
    }
    this.advance(nowMs);
  }

  /** `welded`: once the main contact has closed it never opens again (until cleared). */
  setWelded(active: boolean, nowMs: number): void {
    this.weldedFault = active;
    // A cleared weld lets the contact follow a released coil after the normal drop-out.
    if (!active && this.closed && !this.coil) this.moveAtMs = nowMs + this.timing.dropOutMs;
  }

  /** `fails-to-close`: the contact never closes while set. */
  setFailsToClose(active: boolean, nowMs: number): void {
    this.failsToCloseFault = active;
    if (!active && !this.closed && this.coil) this.moveAtMs = nowMs + this.timing.pullInMs;
  }

  private advance(nowMs: number): void {
    if (this.moveAtMs === null || nowMs < this.moveAtMs) return;
    this.moveAtMs = null;
    if (this.coil) {
      if (!this.failsToCloseFault) this.closed = true;
    } else if (!this.weldedFault) {
      this.closed = false;
    }
  }
}
