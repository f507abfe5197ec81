/**
 * Contactor contract: the relay that switches mains to the EV, with an optional auxiliary (mirror) contact.
 * Safety rests on `open()` being synchronous: when it returns, the relay output is de-energised.
 */

export type ContactorPosition = 'open' | 'closed';

/**
 * The auxiliary contact did not follow a command within the driver's feedback time. `welded`: commanded open, still
 * closed. `fails-to-close`: commanded closed, still open. The driver owns this supervision (it knows its relay's
 * timing and runs on real time); the control core turns it into a stop-class fault.
 */
export interface ContactorFeedbackFault {
  readonly kind: 'welded' | 'fails-to-close';
  readonly commanded: ContactorPosition;
  readonly feedback: ContactorPosition;
  /** Time since the command, ms. */
  readonly afterMs: number;
}

/** The main contactor of one connector. */
export interface Contactor {
  /**
   * Energises the relay. Synchronous. The control core calls it only after its interlock passed and
   * `closeAllowedInMs()` is 0. Throws when the output could not be written, or when called inside the minimum closing
   * interval (EvseError DriverFailure; the relay stays open).
   */
  close(): void;
  /**
   * De-energises the relay. Synchronous: the write has happened when it returns. Must be safe to call at any time,
   * any number of times. Throws only when the output could not be written (the caller raises a fault).
   */
  open(): void;
  /** Position last commanded. */
  commanded(): ContactorPosition;
  /**
   * Position reported by the auxiliary (mirror) contact after its debounce, or null when the hardware has none.
   * A welded contactor shows 'closed' after `open()`.
   */
  feedback(): ContactorPosition | null;
  /** Calls `listener` when the auxiliary contact changes. Returns an unsubscribe function. */
  onFeedback(listener: (position: ContactorPosition) => void): () => void;
  /**
   * Calls `listener` when the auxiliary contact disagrees with the command for longer than the feedback time (also
   * checked once after startup: a contactor welded while the controller was down). Never called without an auxiliary
   * contact. Returns an unsubscribe function.
   */
  onFeedbackFault(listener: (fault: ContactorFeedbackFault) => void): () => void;
  /**
   * Milliseconds until `close()` is allowed by the relay's minimum closing interval (contact wear, inrush); 0 when it
   * is allowed now. The control core waits this long before closing: a short interval is never a fault.
   */
  closeAllowedInMs(): number;
  /** Opens and releases the hardware. */
  dispose(): Promise<void>;
}
