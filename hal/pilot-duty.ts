/**
 * The control pilot's PWM encoding of the current limit (IEC 61851-1, REFERENCE.md): what the duty cycle means on the
 * wire, for the station that writes it and the EV (or its simulation) that reads it.
 */

/** IEC 61851-1 minimum offer; below it the EVSE suspends instead of sending a smaller duty. */
export const MIN_OFFER_A = 6;
/** IEC 61851-1 maximum for the PWM encoding. */
export const MAX_OFFER_A = 80;

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
