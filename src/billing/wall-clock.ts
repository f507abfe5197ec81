/**
 * Local wall time in an IANA time zone, from Intl alone (Node 20 has no Temporal). Tariff bands and report buckets
 * follow the wall clock of the station: at every instant the price is the one of the band the clock on the wall
 * shows. On the spring-forward day a band whose hours are skipped gets less time; on the fall-back day the repeated
 * hour belongs to its band twice.
 */

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

/** The wall clock at one instant. */
export interface WallTime {
  readonly year: number;
  /** 1–12. */
  readonly month: number;
  /** 1–31. */
  readonly day: number;
  /** 0 = Monday … 6 = Sunday (ISO order). */
  readonly weekday: number;
  /** Milliseconds since local midnight of this wall date. */
  readonly msOfDay: number;
  /** Local time minus UTC. */
  readonly offsetMs: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when Intl knows the IANA zone name ("Europe/Berlin", "UTC"); false for "Mars/Olympus". */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock of `timeZone` at the UTC instant `utcMs`. */
export function wallTimeAt(timeZone: string, utcMs: number): WallTime {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(utcMs)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const year = fields.year ?? 1970;
  const month = fields.month ?? 1;
  const day = fields.day ?? 1;
  const subSecondMs = ((utcMs % 1000) + 1000) % 1000;
  const msOfDay = (((fields.hour ?? 0) * 60 + (fields.minute ?? 0)) * 60 + (fields.second ?? 0)) * 1000 + subSecondMs;
  const localMidnightAsUtc = Date.UTC(year, month - 1, day);
  const offsetMs = localMidnightAsUtc + msOfDay - utcMs;
  const weekday = (new Date(localMidnightAsUtc).getUTCDay() + 6) % 7;
  return { year, month, day, weekday, msOfDay, offsetMs };
}

/** Local time minus UTC at `utcMs` (Europe/Berlin in July: +7 200 000). */
export function offsetMsAt(timeZone: string, utcMs: number): number {
  return wallTimeAt(timeZone, utcMs).offsetMs;
}

/** A stretch of time on which a classification of the wall clock is constant. */
export interface WallPiece<K> {
  readonly fromMs: number;
  readonly toMs: number;
  readonly key: K;
}

/** What a classifier says about one wall time: its key, and the minute of the local day (≤ 1440) where it ends. */
export interface WallClassification<K> {
  readonly key: K;
  readonly untilMinuteOfDay: number;
}

/**
 * Splits [fromMs, toMs) into maximal pieces on which `classify(wall time)` gives the same key. The classifier says
 * until which local minute of the day its answer holds; offset changes (DST) inside that span are found by
 * bisection, so the split is exact to the millisecond in every zone.
 */
export function splitByWallClock<K>(
  timeZone: string,
  fromMs: number,
  toMs: number,
  classify: (wall: WallTime) => WallClassification<K>,
): WallPiece<K>[] {
  return new WallClockSplitter(timeZone, fromMs, classify).piecesUntil(toMs);
}

/**
 * {@link splitByWallClock} for a range whose end keeps growing (a running session): pieces that ended are kept, so
 * each call only classifies the time added since the last one.
 */
export class WallClockSplitter<K> {
  private readonly closed: WallPiece<K>[] = [];
  /** The open piece: from where, which key, and the first instant at which the key may change. */
  private openFromMs: number;
  private openKey: K;
  private openUntilMs: number;

  constructor(
    readonly timeZone: string,
    readonly fromMs: number,
    private readonly classify: (wall: WallTime) => WallClassification<K>,
  ) {
    this.openFromMs = fromMs;
    const first = this.step(fromMs);
    this.openKey = first.key;
    this.openUntilMs = first.untilMs;
  }

  /** The pieces of [fromMs, toMs); `toMs` may only grow from call to call. */
  piecesUntil(toMs: number): WallPiece<K>[] {
    while (this.openUntilMs < toMs) {
      const next = this.step(this.openUntilMs);
      if (next.key !== this.openKey) {
        this.closed.push({ fromMs: this.openFromMs, toMs: this.openUntilMs, key: this.openKey });
        this.openFromMs = this.openUntilMs;
        this.openKey = next.key;
      }
      this.openUntilMs = next.untilMs;
    }
    const pieces = this.closed.filter((piece) => piece.fromMs < toMs);
    if (toMs > this.openFromMs) pieces.push({ fromMs: this.openFromMs, toMs, key: this.openKey });
    else if (pieces.length > 0) {
      const last = pieces[pieces.length - 1];
      if (last !== undefined && last.toMs > toMs) pieces[pieces.length - 1] = { ...last, toMs };
    }
    return pieces;
  }

  /** The key at `t` and the first instant after `t` where it may change (classifier boundary or offset change). */
  private step(t: number): { key: K; untilMs: number } {
    const wall = wallTimeAt(this.timeZone, t);
    const { key, untilMinuteOfDay } = this.classify(wall);
    const untilOfDayMs = Math.min(untilMinuteOfDay * MS_PER_MINUTE, MS_PER_DAY);
    if (!(untilOfDayMs > wall.msOfDay)) {
      throw new RangeError(`classifier returned an end (${untilMinuteOfDay} min) not after the wall time`);
    }
    let untilMs = t + (untilOfDayMs - wall.msOfDay);
    if (offsetMsAt(this.timeZone, untilMs) !== wall.offsetMs) {
      untilMs = firstInstantWithOtherOffset(this.timeZone, t, untilMs, wall.offsetMs);
    }
    return { key, untilMs };
  }
}

/** Bisection for the first millisecond in (lo, hi] whose offset is not `offsetMs` (hi is known to differ). */
function firstInstantWithOtherOffset(timeZone: string, lo: number, hi: number, offsetMs: number): number {
  let before = lo;
  let after = hi;
  while (after - before > 1) {
    const mid = Math.floor((before + after) / 2);
    if (offsetMsAt(timeZone, mid) === offsetMs) before = mid;
    else after = mid;
  }
  return after;
}

/** "2026-03-29 03:15:00 +02:00": a UTC instant as the station's wall clock, with its offset, for receipts. */
export function formatWallTime(timeZone: string, utcMs: number): string {
  const wall = wallTimeAt(timeZone, utcMs);
  const totalSeconds = Math.floor(wall.msOfDay / 1000);
  const offsetMinutes = Math.round(wall.offsetMs / MS_PER_MINUTE);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absOffset = Math.abs(offsetMinutes);
  return (
    `${wall.year}-${pad(wall.month)}-${pad(wall.day)} ` +
    `${pad(Math.floor(totalSeconds / 3600))}:${pad(Math.floor(totalSeconds / 60) % 60)}:${pad(totalSeconds % 60)} ` +
    `${sign}${pad(Math.floor(absOffset / 60))}:${pad(absOffset % 60)}`
  );
}

/** "2026-03-29": the local date of an instant. */
export function localDate(timeZone: string, utcMs: number): string {
  const wall = wallTimeAt(timeZone, utcMs);
  return `${wall.year}-${pad(wall.month)}-${pad(wall.day)}`;
}

/**
 * The UTC instant of local midnight starting the date `yyyy-mm-dd` (or the first instant of that date, when a
 * zone skips midnight itself).
 */
export function startOfLocalDate(timeZone: string, year: number, month: number, day: number): number {
  const wallMidnightAsUtc = Date.UTC(year, month - 1, day);
  // Two passes settle the offset except inside a gap, where the first instant of the day is what we want.
  let guess = wallMidnightAsUtc - offsetMsAt(timeZone, wallMidnightAsUtc);
  guess = wallMidnightAsUtc - offsetMsAt(timeZone, guess);
  const wall = wallTimeAt(timeZone, guess);
  if (wall.day !== day) {
    // Midnight fell into a gap: step forward to the first instant of the date.
    return guess + (MS_PER_DAY - wall.msOfDay);
  }
  return guess - wall.msOfDay;
}

function pad(n: number): string {
  return n.toString().padStart(2, '0');
}
