/**
 * Delivers the control core's notifications after its safety actions, never before and never instead of them.
 *
 * The control core posts an event while it is in the middle of reacting (a pilot edge, a fault, a timer). Delivery
 * waits until the outermost reaction has finished (so the contactor and the pilot are already where the state machine
 * wants them), then every listener is called on its own: one that throws is reported and the others still hear the
 * event. DESIGN.md invariant 1: no listener, logger or recorder can keep a pilot edge or a stop fault from opening
 * the contactor.
 */
export class Notifier<E> {
  private readonly listeners = new Set<(event: E) => void>();
  private readonly queue: E[] = [];
  private depth = 0;
  private flushing = false;

  /** `onListenerError` is told about each listener that threw (it must not throw itself; it is guarded anyway). */
  constructor(private readonly onListenerError: (err: unknown, event: E) => void) {}

  add(listener: (event: E) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Listeners subscribed now (leak checks). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Queues an event; it is delivered when the outermost `reacting` block ends (at once outside one). */
  post(event: E): void {
    this.queue.push(event);
    if (this.depth === 0) this.flush();
  }

  /**
   * Runs `fn` as one reaction: events posted meanwhile wait until it (and any reaction it started) has returned.
   * Delivery happens even when `fn` throws.
   */
  reacting<T>(fn: () => T): T {
    this.depth += 1;
    try {
      return fn();
    } finally {
      this.depth -= 1;
      if (this.depth === 0) this.flush();
    }
  }

  clear(): void {
    this.listeners.clear();
    this.queue.length = 0;
  }

  private flush(): void {
    // A listener may cause a new reaction (and new events): those are delivered by this same loop, in order.
    if (this.flushing) return;
    this.flushing = true;
    try {
      let event: E | undefined;
      while ((event = this.queue.shift()) !== undefined) {
        for (const listener of [...this.listeners]) {
          try {
            listener(event);
          } catch (err) {
            try {
              this.onListenerError(err, event);
            } catch {
              // The error reporter failed too: nothing more can be done for this listener.
            }
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
