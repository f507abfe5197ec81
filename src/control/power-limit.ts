/**
 * Power-level limiting: the current offered to the EV is the smallest of every limit, and the reason is kept so the
 * operator and the driver can see why ("limited by: cable 20 A").
 */

export type LimitSource = 'hardware' | 'cable' | 'configured' | 'external' | 'temperature';

export interface LimitInputs {
  readonly hardwareMaxA: number;
  readonly cableMaxA: number;
  readonly configuredMaxA: number;
  /** Smart charging / operator limit, or null when none is set. */
  readonly externalA: number | null;
  /** Temperature derating, or null when not derating. */
  readonly temperatureA: number | null;
}

export interface OfferedCurrent {
  /** The least of the limits, in amperes (may be below 6 A: then the station suspends). */
  readonly amps: number;
  readonly limitedBy: LimitSource;
  /** Whether a valid PWM duty exists (≥ 6 A). */
  readonly canOffer: boolean;
  /** Human text, e.g. "limited by: cable 20 A". */
  readonly reason: string;
}

/** IEC 61851-1 minimum offer; below it the EVSE suspends instead of sending a smaller duty. */
export const MIN_OFFER_A = 6;
/** IEC 61851-1 maximum for the PWM encoding. */
export const MAX_OFFER_A = 80;

/** The offered current and the limit that set it. Ties name the first in this order: hardware, cable, configured, external, temperature. */
export function offeredCurrent(inputs: LimitInputs): OfferedCurrent {
  const candidates: [LimitSource, number | null][] = [
    ['hardware', inputs.hardwareMaxA],
    ['cable', inputs.cableMaxA],
    ['configured', inputs.configuredMaxA],
    ['external', inputs.externalA],
    ['temperature', inputs.temperatureA],
  ];
  let best: [LimitSource, number] = ['hardware', inputs.hardwareMaxA];
  for (const [source, value] of candidates) {
    if (value !== null && value < best[1]) best = [source, value];
  }
  // Floor to 0.1 A so a duty never offers more than the limit allows.
  const amps = Math.max(0, Math.min(MAX_OFFER_A, Math.floor(best[1] * 10) / 10));
  return {
    amps,
    limitedBy: best[0],
    canOffer: amps >= MIN_OFFER_A,
    reason: `limited by: ${best[0]} ${formatAmps(amps)}`,
  };
}

function formatAmps(a: number): string {
  return `${Number.isInteger(a) ? a.toFixed(0) : a.toFixed(1)} A`;
}

/**
 * PWM duty cycle in percent for an offered current, per IEC 61851-1:
 * 6–51 A: duty = I / 0.6; 51–80 A: duty = I / 2.5 + 64. Throws below 6 A or above 80 A (no valid duty exists: the
 * caller must suspend instead). The duty is rounded down to 0.1 %, never offering more than the limit.
 */
export function dutyForCurrent(amps: number): number {
  if (!(amps >= MIN_OFFER_A) || amps > MAX_OFFER_A) {
    throw new RangeError(`no valid PWM duty for ${amps} A (IEC range is ${MIN_OFFER_A}–${MAX_OFFER_A} A)`);
  }
  const duty = amps <= 51 ? amps / 0.6 : amps / 2.5 + 64;
  return Math.floor(duty * 10 + 1e-9) / 10;
}

/** The current an EV reads from a duty cycle (the inverse of {@link dutyForCurrent}); 0 outside the IEC ranges. */
export function currentForDuty(dutyPercent: number): number {
  if (dutyPercent >= 10 && dutyPercent <= 85) return dutyPercent * 0.6;
  if (dutyPercent > 85 && dutyPercent <= 96) return (dutyPercent - 64) * 2.5;
  return 0;
}
