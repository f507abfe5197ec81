import type { SeriesPoint } from './chart-series.js';

/** One point of the kept curve: `n` readings merged (power summed, the register and offer of the last one). */
interface KeptPoint {
  readonly atMs: number;
  readonly powerSumW: number;
  readonly n: number;
  readonly importWh: number;
  readonly offeredA: number;
}

/**
 * The connected session's power curve, kept on the station's thread as the meter is read, so that a page opened during
 * a session gets its curve without copying the session's samples out of the journal (at one sample a second, a
 * 10-hour session is 36,000 rows, whose copy alone holds the control thread for a good part of a second). Bounded:
 * when `maxPoints` are kept, neighbours are merged in pairs (their mean power), so the curve always spans the whole
 * session at a coarser step. It answers only for a session it saw from its start; after a restart mid-session the
 * journal answers instead.
 */
export class SessionCurve {
  private sessionId: number | null = null;
  /** undefined: no reading seen yet (the station's thread just started the page). */
  private lastSeen: number | null | undefined = undefined;
  private complete = false;
  private points: KeptPoint[] = [];
  /** The session's first reading (merging moves the first point's time). */
  private first: { readonly atMs: number; readonly importWh: number } | null = null;

  constructor(private readonly maxPoints = 1000) {}

  /** A meter reading, with the session it belongs to (the connected one, or none) and the current offered then. */
  add(sessionId: number | null, reading: { readonly readAtMs: number; readonly totalPowerW: number; readonly importWh: number }, offeredA: number): void {
    const previous = this.lastSeen;
    this.lastSeen = sessionId;
    if (sessionId === null) return;
    if (sessionId !== this.sessionId) {
      this.sessionId = sessionId;
      this.points = [];
      this.first = null;
      // Seen from its start only when an earlier reading belonged to no session or another one.
      this.complete = previous !== undefined && previous !== sessionId;
    }
    const last = this.points[this.points.length - 1];
    if (last !== undefined && reading.readAtMs <= last.atMs) return;
    this.first ??= { atMs: reading.readAtMs, importWh: reading.importWh };
    this.points.push({ atMs: reading.readAtMs, powerSumW: reading.totalPowerW, n: 1, importWh: reading.importWh, offeredA });
    if (this.points.length > this.maxPoints) this.halve();
  }

  /**
   * The curve of `sessionId` cut down to at most `points` points, with the readings it rests on and the time and
   * register of its first; null when it is not the one kept whole.
   */
  series(sessionId: number, points: number): { readonly firstAtMs: number; readonly firstWh: number; readonly readings: number; readonly points: SeriesPoint[] } | null {
    if (sessionId !== this.sessionId || !this.complete || this.first === null) return null;
    const kept = this.points;
    const groups = Math.min(kept.length, Math.max(1, points));
    const out: SeriesPoint[] = [];
    for (let g = 0; g < groups; g++) {
      const group = kept.slice(Math.floor((g * kept.length) / groups), Math.floor(((g + 1) * kept.length) / groups));
      const lastPoint = group[group.length - 1];
      if (lastPoint === undefined) continue;
      const n = group.reduce((s, p) => s + p.n, 0);
      out.push({
        at: new Date(lastPoint.atMs).toISOString(),
        powerW: Math.round(group.reduce((s, p) => s + p.powerSumW, 0) / n),
        importWh: lastPoint.importWh,
        offeredA: lastPoint.offeredA,
      });
    }
    return { firstAtMs: this.first.atMs, firstWh: this.first.importWh, readings: kept.reduce((s, p) => s + p.n, 0), points: out };
  }

  private halve(): void {
    const merged: KeptPoint[] = [];
    for (let i = 0; i < this.points.length; i += 2) {
      const a = this.points[i];
      const b = this.points[i + 1];
      if (a === undefined) continue;
      merged.push(b === undefined ? a : { atMs: b.atMs, powerSumW: a.powerSumW + b.powerSumW, n: a.n + b.n, importWh: b.importWh, offeredA: b.offeredA });
    }
    this.points = merged;
  }
}
