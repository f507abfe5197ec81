/** What the detector needs of each meter sample and of the charger state. */
export interface CompletionInput {
  /** A monotonic instant (ms): the hold is measured on it, so a wall-clock step cannot shorten or stretch it. */
  readonly atMs: number;
  /** Per-phase currents of the sample. */
  readonly currentsA: readonly number[];
  /** True while the charger is in SuspendedEV (the EV says it does not want power). */
  readonly suspendedEv?: boolean;
}

/** A timeline event the session layer should journal. */
export interface CompletionEvent {
  readonly kind: 'charging-completed' | 'resumed';
  /** The `atMs` of the sample that decided it. */
  readonly atMs: number;
}

/**
 * Decides when "charging completed" (issue #7: the EV stopped drawing — SuspendedEV, or every phase current under a
 * threshold for a configured time) and when the EV draws again (`resumed`), any number of times per session.
 * Completion is stamped when it is confirmed, not back-dated to the start of the low current: that keeps the running
 * cost from ever moving backwards (time already shown as charging stays charging).
 *
 * Only samples taken while the station offers power say anything about the EV: the owner does not feed samples taken
 * while the station itself holds the power back (SuspendedEVSE, a fault) and calls {@link suspendedByStation} or
 * {@link interrupt} instead. When power returns, an EV first sits in state B until it reacts (IEC 61851 gives it
 * time), so until it draws again SuspendedEV then counts like a low current (after the hold), not as a completion.
 */
export class ChargingCompletionDetector {
  /**
   * Mirrors the billing timeline: charging, idle after a completion, suspended by the station, or paused by a
   * stop-class fault (neither charging nor completed: the timeline cuts the pause out and goes on as before it).
   */
  private phase: 'charging' | 'completed' | 'suspended' | 'paused' = 'charging';
  /** The phase a fault pause interrupted, taken up again when power returns. */
  private beforePause: 'charging' | 'completed' | 'suspended' = 'charging';
  private lowSinceMs: number | null = null;
  /** True from a pause of the station's until the EV draws again. */
  private afterStationPause = false;

  /**
   * @param currentThresholdA below this on every phase the EV counts as not drawing (e.g. 0.5 A)
   * @param holdMs how long the current must stay below the threshold (e.g. 60 000)
   */
  constructor(
    private readonly currentThresholdA: number,
    private readonly holdMs: number,
  ) {
    if (!(currentThresholdA > 0)) throw new RangeError(`currentThresholdA must be > 0, got ${currentThresholdA}`);
    if (!(holdMs >= 0)) throw new RangeError(`holdMs must be >= 0, got ${holdMs}`);
  }

  /** True when some phase carries at least the threshold: the EV draws. Energy flow starts by the same rule. */
  isDrawing(currentsA: readonly number[]): boolean {
    return currentsA.some((a) => a >= this.currentThresholdA);
  }

  /** True between a `charging-completed` and the next `resumed` (or {@link suspendedByStation}); false in a fault pause. */
  isCompleted(): boolean {
    return this.phase === 'completed';
  }

  /** Feeds one sample (in time order); returns the event to journal, if this sample decides one. */
  observe(input: CompletionInput): CompletionEvent | null {
    // Power is offered again after a fault pause: the session goes on from where the pause found it. No sample arrives
    // during a meter-lost pause, so the first one after it must not read as "the EV stopped drawing".
    if (this.phase === 'paused') this.phase = this.beforePause;
    if (!input.suspendedEv && this.isDrawing(input.currentsA)) {
      this.lowSinceMs = null;
      this.afterStationPause = false;
      if (this.phase === 'charging') return null;
      this.phase = 'charging';
      return { kind: 'resumed', atMs: input.atMs };
    }
    if (this.phase === 'completed') return null;
    this.lowSinceMs ??= input.atMs;
    const evSaysDone = input.suspendedEv === true && !this.afterStationPause;
    if (!evSaysDone && input.atMs - this.lowSinceMs < this.holdMs) return null;
    this.phase = 'completed';
    this.lowSinceMs = null;
    return { kind: 'charging-completed', atMs: input.atMs };
  }

  /**
   * The station held the power back for a while without suspending the session on the timeline (a fault): a low
   * current then is not the EV's choice, so a hold in progress starts again, and the EV gets the hold time to react
   * when power returns. A completion already confirmed stands.
   */
  interrupt(): void {
    this.lowSinceMs = null;
    this.afterStationPause = true;
  }

  /**
   * A stop-class fault holds the power back (the station is Faulted) while the session goes on: a pause, neither
   * charging nor completed. The timeline excludes it (fault-raised … fault-cleared); when power returns the session
   * continues in the phase the pause found it in, the EV getting the hold time to draw again, so no
   * `charging-completed` / `resumed` pair is made up for the pause.
   */
  pausedByFault(): void {
    if (this.phase !== 'paused') this.beforePause = this.phase;
    this.phase = 'paused';
    this.interrupt();
  }

  /**
   * The station suspended the session (SuspendedEVSE; the timeline leaves charging or idle for "suspended"). When power
   * returns, the first drawing sample gives `resumed`; if the EV does not draw for the hold time, `charging-completed`.
   */
  suspendedByStation(): void {
    this.interrupt();
    this.phase = 'suspended';
  }
}
