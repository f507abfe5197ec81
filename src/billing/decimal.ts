/**
 * Exact decimal helpers for money. Prices arrive as decimal text ("0.39") and become integer micro-units (1e-6 of
 * the major unit) as BigInt; nothing here goes through a binary float.
 */

/** Digits allowed after the decimal point of a price or rate. */
export const MAX_PRICE_DECIMALS = 6;
const MICROS_PER_UNIT = 1_000_000n;

const decimalPattern = /^(\d+)(?:\.(\d+))?$/;

/**
 * Normalizes a non-negative decimal given as text or as a JSON number into canonical text ("0.390" → "0.39",
 * 7 → "7"). Returns an error message instead when the value is negative, not a plain decimal, or has more than
 * {@link MAX_PRICE_DECIMALS} decimals.
 */
export function normalizeDecimal(value: number | string): { ok: true; text: string } | { ok: false; message: string } {
  // A JSON number is read through its shortest round-trip text (0.39 → "0.39"), which is what the author wrote.
  const text = typeof value === 'number' ? String(value) : value.trim();
  if (text.startsWith('-')) return { ok: false, message: 'must not be negative' };
  const match = decimalPattern.exec(text);
  if (!match) return { ok: false, message: 'must be a plain decimal number such as "0.39"' };
  const whole = (match[1] ?? '0').replace(/^0+(?=\d)/, '');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > MAX_PRICE_DECIMALS) {
    return { ok: false, message: `must have at most ${MAX_PRICE_DECIMALS} decimals` };
  }
  return { ok: true, text: fraction.length > 0 ? `${whole}.${fraction}` : whole };
}

/** Converts a canonical decimal (see {@link normalizeDecimal}) into integer micro-units: "0.39" → 390000n. */
export function decimalToMicros(text: string): bigint {
  const match = decimalPattern.exec(text);
  if (!match) throw new RangeError(`not a decimal: ${JSON.stringify(text)}`);
  const whole = BigInt(match[1] ?? '0');
  const fraction = (match[2] ?? '').padEnd(MAX_PRICE_DECIMALS, '0');
  if (fraction.length > MAX_PRICE_DECIMALS) throw new RangeError(`too many decimals: ${text}`);
  return whole * MICROS_PER_UNIT + BigInt(fraction);
}

/**
 * numerator / denominator rounded half-up, i.e. floor(x + ½): 2.5 → 3, 2.49 → 2. Billing amounts are never
 * negative, so this is also "half away from zero" (kaufmännisches Runden). The denominator must be positive.
 */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const twice = 2n * numerator + denominator;
  const twiceDen = 2n * denominator;
  // BigInt division truncates toward zero; floor it for negative quotients.
  const quotient = twice / twiceDen;
  return twice % twiceDen !== 0n && twice < 0n ? quotient - 1n : quotient;
}

/** Formats integer minor units as a decimal in the major unit: (1234, 2) → "12.34", (-5, 2) → "-0.05", (7, 0) → "7". */
export function formatMinor(minor: number, minorUnits: number): string {
  const sign = minor < 0 ? '-' : '';
  const digits = Math.abs(minor).toString().padStart(minorUnits + 1, '0');
  if (minorUnits === 0) return `${sign}${digits}`;
  return `${sign}${digits.slice(0, -minorUnits)}.${digits.slice(-minorUnits)}`;
}

/** A money amount as a driver reads it: (487, 2, "EUR") → "4.87 EUR". */
export function formatMoney(minor: number, minorUnits: number, currency: string): string {
  return `${formatMinor(minor, minorUnits)} ${currency}`;
}
