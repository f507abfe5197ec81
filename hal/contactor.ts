/**
 * Contactor contract: the relay that switches mains to the EV, with an optional auxiliary (mirror) contact.
 * Safety rests on `open()` being synchronous: when it returns, the relay output is de-energised.
 */

export type ContactorPosition = 'open' | 'closed';

/** The main contactor of one connector. */
export interface Contactor {
  /**
   * Energises the relay. Synchronous. The control core calls it only after its interlock passed.
   * Throws when the output could not be written.
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
  /** Opens and releases the hardware. */
  dispose(): Promise<void>;
}
