import type { EventRow, SessionRow } from '../journal/ports.js';
import type { SessionEventKind, StopReason } from '../session/recorder.js';
import { faultPauses, withoutPauses, type FaultPause } from './fault-pauses.js';

export type { FaultPause };

/** The session facts the timeline needs (a SessionRow has them all). Times are epoch ms UTC. */
export interface TimelineSession {
  readonly plugInAtMs?: number | null;
  readonly authorizedAtMs?: number | null;
  readonly startAtMs: number;
  readonly stopAtMs: number | null;
  readonly unplugAtMs?: number | null;
  readonly stopReason?: StopReason | null;
  /** False when the times were stamped before the clock was trusted. Defaults to true. */
  readonly clockTrusted?: boolean;
}

/** A timeline event (an EventRow has these fields). */
export interface TimelineEvent {
  readonly kind: SessionEventKind;
  readonly atMs: number;
  /** `fault-raised` / `fault-cleared` name their fault here (`{ fault: 'meter-lost' }`). */
  readonly detail?: Readonly<Record<string, string | number | boolean | null>> | null;
}

/** A half-open stretch of time [fromMs, toMs). */
export interface Interval {
  readonly fromMs: number;
  readonly toMs: number;
}

/** What happened in a session and how its time divides into charging, idle and the rest. */
export interface SessionTimeline {
  readonly pluggedInAtMs: number;
  readonly authorizedAtMs: number | null;
  readonly energyFlowStartedAtMs: number | null;
  /** When the EV stopped drawing for good (SuspendedEV, or current under the threshold long enough). */
  readonly chargingCompletedAtMs: number | null;
  readonly stoppedAtMs: number | null;
  readonly stopReason: StopReason | null;
  readonly unpluggedAtMs: number | null;
  /** The end time is the stop instant, with the quality of the clock that stamped it. */
  readonly end: { readonly atMs: number | null; readonly clockTrusted: boolean };
  /** The connector is occupied over [pluggedInAtMs, occupiedUntilMs). */
  readonly occupiedUntilMs: number;
  /** Energy flowing (or assumed to flow when no flow events were journaled), fault pauses cut out. */
  readonly charging: readonly Interval[];
  /**
   * Connected while the EV no longer draws: after charging completed, and after the stop until the unplug; fault
   * pauses cut out.
   */
  readonly idle: readonly Interval[];
  /** The station held the power back for a stop-class fault while the session ran: neither charging nor idle. */
  readonly pauses: readonly FaultPause[];
  readonly connectedMs: number;
  readonly chargingMs: number;
  readonly idleMs: number;
  readonly pausedMs: number;
}

const flowKinds: ReadonlySet<SessionEventKind> = new Set(['energy-flow-started', 'resumed', 'charging-completed', 'suspended-evse']);

/**
 * Builds the timeline of a session from its journaled events, evaluated at `nowMs` for a session still running.
 *
 * Rules: charging runs from `energy-flow-started`/`resumed` to `charging-completed`, `suspended-evse` or the stop;
 * idle runs from `charging-completed` (until energy flows again) and from the stop until the unplug. When a stopped
 * session has no recorded unplug, its occupancy ends at the stop (idle after the stop counts once the unplug is
 * journaled); an open session's occupancy runs to `nowMs`. A session with no flow events at all is taken to have
 * charged from its start to its stop. A stop-class fault pauses the session from its `fault-raised` to its
 * `fault-cleared` (or the stop): that stretch is cut out of both charging and idle time (see fault-pauses.ts).
 */
export function buildTimeline(session: TimelineSession, events: readonly TimelineEvent[], nowMs: number): SessionTimeline {
  const sorted = [...events].sort((a, b) => a.atMs - b.atMs);
  const firstOf = (kind: SessionEventKind): number | null => sorted.find((e) => e.kind === kind)?.atMs ?? null;

  const pluggedInAtMs = Math.min(session.plugInAtMs ?? firstOf('plugged-in') ?? session.startAtMs, session.startAtMs);
  const stoppedAtMs = session.stopAtMs ?? firstOf('stopped');
  const unpluggedAtMs = session.unplugAtMs ?? firstOf('unplugged');
  const occupiedUntilMs = Math.max(pluggedInAtMs, unpluggedAtMs ?? stoppedAtMs ?? nowMs);
  const chargingEndsAtMs = Math.max(session.startAtMs, Math.min(stoppedAtMs ?? occupiedUntilMs, occupiedUntilMs));

  const charging: Interval[] = [];
  const idle: Interval[] = [];
  const hasFlowEvents = sorted.some((e) => flowKinds.has(e.kind));
  // A holder rather than two `let`s: the closures below update it, which TypeScript's narrowing cannot follow.
  const cursor: { state: 'waiting' | 'charging' | 'idle' | 'suspended'; since: number } = hasFlowEvents
    ? { state: 'waiting', since: pluggedInAtMs }
    : { state: 'charging', since: session.startAtMs };
  let energyFlowStartedAtMs: number | null = hasFlowEvents ? null : session.startAtMs;
  let chargingCompletedAtMs: number | null = null;

  const close = (toMs: number): void => {
    const target = cursor.state === 'charging' ? charging : cursor.state === 'idle' ? idle : null;
    if (target !== null && toMs > cursor.since) target.push({ fromMs: cursor.since, toMs });
  };
  const enter = (next: typeof cursor.state, atMs: number): void => {
    close(atMs);
    cursor.state = next;
    cursor.since = atMs;
  };

  for (const event of sorted) {
    // Energy cannot flow before the transaction started nor after it stopped.
    const atMs = Math.min(Math.max(event.atMs, session.startAtMs), chargingEndsAtMs);
    if (event.atMs > chargingEndsAtMs) break;
    switch (event.kind) {
      case 'energy-flow-started':
      case 'resumed':
        if (cursor.state !== 'charging') enter('charging', atMs);
        energyFlowStartedAtMs ??= atMs;
        chargingCompletedAtMs = null;
        break;
      case 'charging-completed':
        if (cursor.state !== 'idle') enter('idle', atMs);
        chargingCompletedAtMs = atMs;
        break;
      case 'suspended-evse':
        if (cursor.state === 'charging' || cursor.state === 'idle') enter('suspended', atMs);
        break;
      default:
        break;
    }
  }
  if (cursor.state === 'charging') chargingCompletedAtMs = null;
  if (stoppedAtMs !== null) {
    // After the stop the EV only occupies the connector.
    if (cursor.state !== 'idle') enter('idle', chargingEndsAtMs);
    close(occupiedUntilMs);
  } else {
    close(occupiedUntilMs);
  }

  // A pause belongs to the running session only: after the stop the EV merely occupies the connector.
  const pauses = faultPauses(sorted, session.startAtMs, chargingEndsAtMs);
  const chargingOutsidePauses = withoutPauses(charging, pauses);
  const idleOutsidePauses = withoutPauses(idle, pauses);
  const total = (intervals: readonly Interval[]): number => intervals.reduce((sum, i) => sum + (i.toMs - i.fromMs), 0);
  return {
    pluggedInAtMs,
    authorizedAtMs: session.authorizedAtMs ?? firstOf('authorized'),
    energyFlowStartedAtMs,
    chargingCompletedAtMs,
    stoppedAtMs,
    stopReason: session.stopReason ?? null,
    unpluggedAtMs,
    end: { atMs: stoppedAtMs, clockTrusted: session.clockTrusted ?? true },
    occupiedUntilMs,
    charging: chargingOutsidePauses,
    idle: idleOutsidePauses,
    pauses,
    connectedMs: occupiedUntilMs - pluggedInAtMs,
    chargingMs: total(chargingOutsidePauses),
    idleMs: total(idleOutsidePauses),
    pausedMs: total(pauses),
  };
}

/** {@link buildTimeline} from journal rows. */
export function timelineFromJournal(session: SessionRow, events: readonly EventRow[], nowMs: number): SessionTimeline {
  return buildTimeline(session, events, nowMs);
}

/** A sample as the estimator needs it (a SampleRow has these fields). */
export interface PowerSample {
  readonly atMs: number;
  readonly importWh: number;
  readonly totalPowerW: number;
}

/** When charging is expected to finish, and from what. */
export interface CompletionEstimate {
  readonly atMs: number;
  readonly basis: 'energy-target' | 'power-trend';
}

/**
 * Estimated completion while charging. With an energy target: the remaining Wh at the mean power of the recent window.
 * Without one: when the recent power trend (least-squares line over the window) is falling, the instant it reaches
 * zero. Returns null when neither gives a finite answer within a day.
 */
export function estimateCompletion(
  samples: readonly PowerSample[],
  options: { readonly meterStartWh: number; readonly energyTargetWh?: number | null; readonly windowMs?: number },
): CompletionEstimate | null {
  const last = samples[samples.length - 1];
  if (last === undefined) return null;
  const windowMs = options.windowMs ?? 10 * 60_000;
  const recent = samples.filter((s) => s.atMs >= last.atMs - windowMs);
  const horizonMs = 24 * 3_600_000;

  if (options.energyTargetWh !== undefined && options.energyTargetWh !== null) {
    const remainingWh = options.energyTargetWh - (last.importWh - options.meterStartWh);
    if (remainingWh <= 0) return { atMs: last.atMs, basis: 'energy-target' };
    const first = recent[0];
    if (first === undefined || last.atMs <= first.atMs) return null;
    const whPerMs = (last.importWh - first.importWh) / (last.atMs - first.atMs);
    if (!(whPerMs > 0)) return null;
    const etaMs = remainingWh / whPerMs;
    return etaMs <= horizonMs ? { atMs: Math.round(last.atMs + etaMs), basis: 'energy-target' } : null;
  }

  if (recent.length < 5) return null;
  // Least-squares slope of power over time, relative to the last sample to keep the numbers small.
  const n = recent.length;
  const xs = recent.map((s) => s.atMs - last.atMs);
  const ys = recent.map((s) => s.totalPowerW);
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i += 1) {
    sxy += ((xs[i] ?? 0) - meanX) * ((ys[i] ?? 0) - meanY);
    sxx += ((xs[i] ?? 0) - meanX) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  if (!(slope < 0)) return null;
  const powerNowW = meanY - slope * meanX;
  if (!(powerNowW > 0)) return null;
  const etaMs = powerNowW / -slope;
  return etaMs <= horizonMs ? { atMs: Math.round(last.atMs + etaMs), basis: 'power-trend' } : null;
}
