import { allFaults } from '../control/faults.js';
import type { Interval } from './timeline.js';

/**
 * A stretch in which the station held the power back for a stop-class fault (meter-lost, soft-overcurrent,
 * over-voltage …) while the session went on. Nothing time-based is billed in it: the fault table promises the driver
 * "you are not billed while it is paused".
 */
export interface FaultPause extends Interval {
  /** The stop-class faults active during the stretch, in the order they were raised. */
  readonly faults: readonly string[];
}

/** A journaled fault event as the pause finder reads it (an EventRow has these fields). */
export interface FaultEventLike {
  readonly kind: string;
  readonly atMs: number;
  readonly detail?: Readonly<Record<string, unknown>> | null;
}

/**
 * The stop-class faults, from the fault catalogue (data only): the journal names the fault in `detail.fault`, and
 * derate-class faults (journaled too) do not pause charging.
 */
const stopClass: ReadonlySet<string> = new Set(allFaults().filter((f) => f.severity === 'stop').map((f) => f.name));

/** True when `name` is a stop-class fault: one that opens the contactor. */
export function isStopClassFault(name: string): boolean {
  return stopClass.has(name);
}

/**
 * The fault pauses of a session from its `fault-raised` / `fault-cleared` events, clipped to [fromMs, toMs) (the
 * session's start and its stop, or now while it runs). Overlapping faults make one pause; a fault still active at
 * `toMs` pauses until then. Events are taken in time order; a clear without a raise is ignored.
 */
export function faultPauses(events: readonly FaultEventLike[], fromMs: number, toMs: number): FaultPause[] {
  const sorted = events
    .filter((e) => e.kind === 'fault-raised' || e.kind === 'fault-cleared')
    .map((e, index) => ({ e, index }))
    .sort((a, b) => a.e.atMs - b.e.atMs || a.index - b.index)
    .map(({ e }) => e);
  const pauses: FaultPause[] = [];
  const active: string[] = [];
  let open: { fromMs: number; faults: string[] } | null = null;
  const clip = (ms: number): number => Math.min(Math.max(ms, fromMs), toMs);
  const close = (atMs: number): void => {
    if (open === null) return;
    const to = clip(atMs);
    const from = clip(open.fromMs);
    if (to > from) pauses.push({ fromMs: from, toMs: to, faults: open.faults });
    open = null;
  };
  for (const event of sorted) {
    const fault = event.detail?.['fault'];
    if (typeof fault !== 'string' || !isStopClassFault(fault)) continue;
    if (event.kind === 'fault-raised') {
      if (active.includes(fault)) continue;
      active.push(fault);
      if (open === null) open = { fromMs: event.atMs, faults: [] };
      if (!open.faults.includes(fault)) open.faults.push(fault);
    } else {
      const i = active.indexOf(fault);
      if (i < 0) continue;
      active.splice(i, 1);
      if (active.length === 0) close(event.atMs);
    }
  }
  close(toMs);
  return pauses;
}

/** `intervals` with every pause cut out (both sorted lists of half-open stretches). */
export function withoutPauses(intervals: readonly Interval[], pauses: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const interval of intervals) {
    let from = interval.fromMs;
    for (const pause of pauses) {
      if (pause.toMs <= from || pause.fromMs >= interval.toMs) continue;
      if (pause.fromMs > from) out.push({ fromMs: from, toMs: pause.fromMs });
      from = Math.max(from, pause.toMs);
    }
    if (interval.toMs > from) out.push({ fromMs: from, toMs: interval.toMs });
  }
  return out;
}
