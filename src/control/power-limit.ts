import { MAX_OFFER_A, MIN_OFFER_A } from '../../hal/pilot-duty.js';
import { limitText, type LimitWords } from './limit-words.js';

/**
 * Power-level limiting: the current offered to the EV is the smallest of every limit, and the reason is kept so the
 * operator and the driver can see why ("limited by: cable 20 A").
 */

export type LimitSource = 'hardware' | 'cable' | 'configured' | 'external' | 'temperature' | 'load';

export interface LimitInputs {
  readonly hardwareMaxA: number;
  readonly cableMaxA: number;
  readonly configuredMaxA: number;
  /** Smart charging / operator limit, or null when none is set. */
  readonly externalA: number | null;
  /** Temperature derating, or null when not derating. */
  readonly temperatureA: number | null;
  /**
   * Load management (the building's fuse, solar surplus), with its own words for the reason ("mains L2 24.1 A of
   * 25 A"), or null when it does not limit.
   */
  readonly load?: { readonly amps: number; readonly words: LimitWords } | null;
}

export interface OfferedCurrent {
  /** The least of the limits, in amperes (may be below 6 A: then the station suspends). */
  readonly amps: number;
  readonly limitedBy: LimitSource;
  /** Whether a valid PWM duty exists (≥ 6 A). */
  readonly canOffer: boolean;
  /** Human text in English, e.g. "limited by: cable 20 A". */
  readonly reason: string;
  /** The reason as data, for the page's languages (src/web/i18n `limit.*`). */
  readonly words: LimitWords;
}


/** The offered current and the limit that set it. Ties name the first in this order: hardware, cable, configured, external, temperature, load. */
export function offeredCurrent(inputs: LimitInputs): OfferedCurrent {
  const candidates: [LimitSource, number | null][] = [
    ['hardware', inputs.hardwareMaxA],
    ['cable', inputs.cableMaxA],
    ['configured', inputs.configuredMaxA],
    ['external', inputs.externalA],
    ['temperature', inputs.temperatureA],
    ['load', inputs.load?.amps ?? null],
  ];
  let best: [LimitSource, number] = ['hardware', inputs.hardwareMaxA];
  for (const [source, value] of candidates) {
    if (value !== null && value < best[1]) best = [source, value];
  }
  // Floor to 0.1 A so a duty never offers more than the limit allows.
  const amps = Math.max(0, Math.min(MAX_OFFER_A, Math.floor(best[1] * 10) / 10));
  const source = best[0];
  const words: LimitWords = source === 'load' && inputs.load ? inputs.load.words : { kind: 'source', source: source === 'load' ? 'hardware' : source, amps };
  return { amps, limitedBy: source, canOffer: amps >= MIN_OFFER_A, reason: `limited by: ${limitText(words)}`, words };
}
