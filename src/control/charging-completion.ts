/** What the detector needs of each meter sample and of the charger state. */
export interface CompletionInput {
  readonly atMs: number;
  /** Per-phase currents of the sample. */
  readonly currentsA: readonly number[];
  /** True while the charger is in SuspendedEV (the EV says it does not want power). */
  readonly suspendedEv?: boolean;
}

/** A timeline event the session layer should journal. */
export interface CompletionEvent {
  readonly kind: 'charging-completed' | 'resumed';
  readonly atMs: number;
}

/**
 * Decides when "charging completed" (issue #7: the EV stopped drawing — SuspendedEV, or every phase current under a
 * threshold for a configured time) and when the EV draws again. Completion is stamped when it is confirmed, not
 * back-dated to the start of the low current: that keeps the running cost from ever moving backwards (time already
 * shown as charging stays charging).
 */
export class ChargingCompletionDetector {
  private lowSinceMs: number | null = null;
  private completed = false;

  /**
   * @param currentThresholdA below this on every phase the EV counts as not drawing (e.g. 1 A)
   * @param holdMs how long the current must stay below the threshold (e.g. 60 000)
   */
  constructor(
    private readonly currentThresholdA: number,
    private readonly holdMs: number,
  ) {
    if (!(currentThresholdA > 0)) throw new RangeError(`currentThresholdA must be > 0, got ${currentThresholdA}`);
    if (!(holdMs >= 0)) throw new RangeError(`holdMs must be >= 0, got ${holdMs}`);
  }

  /** Feeds one sample (in time order); returns the event to journal, if this sample decides one. */
  observe(input: CompletionInput): CompletionEvent | null {
    const drawing = !input.suspendedEv && input.currentsA.some((a) => a >= this.currentThresholdA);
    if (drawing) {
      this.lowSinceMs = null;
      if (this.completed) {
        this.completed = false;
        return { kind: 'resumed', atMs: input.atMs };
      }
      return null;
    }
    if (this.completed) return null;
    if (input.suspendedEv) {
      this.completed = true;
      return { kind: 'charging-completed', atMs: input.atMs };
    }
    this.lowSinceMs ??= input.atMs;
    if (input.atMs - this.lowSinceMs >= this.holdMs) {
      this.completed = true;
      return { kind: 'charging-completed', atMs: input.atMs };
    }
    return null;
  }
}
