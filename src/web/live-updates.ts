import type { StationStatusView } from './status-view.js';

/** A new meter reading, as the page's live power chart takes it. */
export interface LiveSample {
  /** The connected session, or null without one. */
  readonly sessionId: number | null;
  /** When the meter was read (ISO). */
  readonly at: string;
  readonly powerW: number;
  readonly importWh: number;
  /** What the pilot offered the EV at that moment (0 without PWM). */
  readonly offeredA: number;
  /** The session's energy so far, or null without a session. */
  readonly energyWh: number | null;
}

/** The view without the time it was built at, which changes on every snapshot and alone is no news. */
function withoutStamp(view: StationStatusView): string {
  const { at: _at, ...rest } = view;
  return JSON.stringify(rest);
}

/**
 * What a driver must see at once: the state and its guidance, faults, the session starting or ending, the offer, the
 * link, who prices the session. Everything else on the view (running cost, times, meter figures) moves with every
 * meter reading, which has its own small `sample` event.
 */
function headline(view: StationStatusView): string {
  const s = view.session;
  return JSON.stringify([
    view.status,
    view.guidance,
    view.faults,
    view.offer.offeredNowA,
    view.offer.reason,
    view.pilot,
    view.contactor,
    s?.id ?? null,
    s?.stoppedAt ?? null,
    s?.chargingCompletedAt ?? null,
    s?.cost?.source ?? null,
    view.price.csmsText,
    view.uplink?.connected ?? null,
  ]);
}

/** The meter reading of a snapshot, when it is newer than the previous snapshot's. */
export function newSample(previous: StationStatusView | null, next: StationStatusView): LiveSample | null {
  const meter = next.meter;
  if (meter === null || (previous?.meter?.readAt ?? null) === meter.readAt) return null;
  return {
    sessionId: next.session?.id ?? null,
    at: meter.readAt,
    powerW: meter.powerW,
    importWh: meter.importWh,
    offeredA: next.offer.offeredNowA,
    energyWh: next.session?.energyWh ?? null,
  };
}

/**
 * Turns the station's snapshots into the live stream's events. Every new meter reading goes out at once as a `sample`
 * (small); the whole status goes out at once when something a driver must see changed ({@link headline}), and
 * otherwise (running cost, times) at most once per `minStatusIntervalMs`, the latest view last: a status of ~5 KB per
 * meter reading to every stream would cost the CPU the control loop shares, for figures nobody reads that fast.
 */
export class LiveFeed {
  private previous: StationStatusView | null = null;
  private sent: { view: StationStatusView; key: string; headline: string; atMs: number } | null = null;
  private pending: StationStatusView | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly send: (event: 'status' | 'sample', data: unknown) => void,
    private readonly minStatusIntervalMs = 1000,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  push(view: StationStatusView): void {
    const sample = newSample(this.previous, view);
    this.previous = view;
    const key = withoutStamp(view);
    if (this.sent === null || key !== this.sent.key) {
      const urgent = this.sent === null || headline(view) !== this.sent.headline;
      const due = this.sent === null ? 0 : this.sent.atMs + this.minStatusIntervalMs;
      if (urgent || this.nowMs() >= due) this.sendStatus(view, key);
      else this.later(view, due);
    }
    if (sample !== null) this.send('sample', sample);
  }

  /** Stops the trailing timer (the stream is closing). */
  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private later(view: StationStatusView, dueMs: number): void {
    this.pending = view;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      const pending = this.pending;
      if (pending !== null) this.sendStatus(pending, withoutStamp(pending));
    }, Math.max(0, dueMs - this.nowMs()));
  }

  private sendStatus(view: StationStatusView, key: string): void {
    this.pending = null;
    this.close();
    this.sent = { view, key, headline: headline(view), atMs: this.nowMs() };
    this.send('status', view);
  }
}
