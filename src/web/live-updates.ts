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

/** What a new snapshot brings that the stream has not sent yet. */
export interface LiveChange {
  /** The view differs from the last one sent (beyond its own timestamp): send it whole. */
  readonly status: boolean;
  /** The meter was read again since the last snapshot. */
  readonly sample: LiveSample | null;
}

/** The view without the time it was built at, which changes on every snapshot and alone is no news. */
function withoutStamp(view: StationStatusView): string {
  const { at: _at, ...rest } = view;
  return JSON.stringify(rest);
}

/**
 * Compares a snapshot with the previous one: the stream sends the status only when something a driver can see changed,
 * and a sample event for every new meter reading (the running session's power curve grows by it).
 */
export function liveChange(previous: StationStatusView | null, next: StationStatusView): LiveChange {
  const status = previous === null || withoutStamp(previous) !== withoutStamp(next);
  const meter = next.meter;
  const newReading = meter !== null && (previous?.meter?.readAt ?? null) !== meter.readAt;
  return {
    status,
    sample: newReading
      ? {
          sessionId: next.session?.id ?? null,
          at: meter.readAt,
          powerW: meter.powerW,
          importWh: meter.importWh,
          offeredA: next.offer.offeredNowA,
          energyWh: next.session?.energyWh ?? null,
        }
      : null,
  };
}
