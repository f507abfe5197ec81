/**
 * Why the offer is what it is, as data: the page says it in the driver's language (src/web/i18n, keys `limit.<kind>`)
 * from these fields, and {@link limitText} says it in English for logs, `evse status`, MQTT and the JSON API. The
 * English text is made here only, so the two cannot drift apart in what they name.
 */
export type LimitWords =
  /** A fixed limit: the station's hardware, the cable, the configuration, the CSMS / operator, temperature derating. */
  | { readonly kind: 'source'; readonly source: 'hardware' | 'cable' | 'configured' | 'external' | 'temperature'; readonly amps: number }
  /** The building's fuse binds on a phase; `cooling` while a recent overload keeps the offer from rising. */
  | { readonly kind: 'fuse'; readonly phase: 1 | 2 | 3; readonly mainsA: number; readonly fuseA: number; readonly cooling: boolean }
  /** The fuse was overloaded for too long: charging is cut. */
  | { readonly kind: 'fuse-cut'; readonly phase: 1 | 2 | 3; readonly mainsA: number; readonly fuseA: number }
  | { readonly kind: 'solar'; readonly surplusW: number }
  | { readonly kind: 'solar-min'; readonly minA: number; readonly surplusW: number }
  | { readonly kind: 'solar-wait'; readonly startW: number; readonly surplusW: number }
  /** The mains meter is lost: solar charging pauses, or the safe current applies. */
  | { readonly kind: 'mains-lost'; readonly safeA: number | null };

export function formatAmps(a: number): string {
  return `${Number.isInteger(a) ? a.toFixed(0) : a.toFixed(1)} A`;
}

function kw(w: number): string {
  return `${(Math.max(0, w) / 1000).toFixed(1)} kW`;
}

function mains(w: { readonly phase: number; readonly mainsA: number; readonly fuseA: number }): string {
  return `mains L${w.phase} ${w.mainsA.toFixed(1)} A of ${formatAmps(w.fuseA)}`;
}

/** The reason in English, without the "limited by: " lead (see `offeredCurrent`). */
export function limitText(words: LimitWords): string {
  switch (words.kind) {
    case 'source':
      return `${words.source} ${formatAmps(words.amps)}`;
    case 'fuse':
      return words.cooling ? `${mains(words)} (fuse cooling)` : mains(words);
    case 'fuse-cut':
      return `mains overload: ${mains(words)}, charging cut to protect the fuse`;
    case 'solar':
      return `solar surplus ${kw(words.surplusW)}`;
    case 'solar-min':
      return `solar minimum ${words.minA} A (surplus ${kw(words.surplusW)})`;
    case 'solar-wait':
      return `waiting for solar surplus ${kw(words.startW)} (now ${kw(words.surplusW)})`;
    case 'mains-lost':
      return words.safeA === null ? 'mains meter lost: solar charging paused' : `mains meter lost: safe current ${words.safeA} A`;
  }
}
