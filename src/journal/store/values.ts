/** Checks and conversions every record kind of the store shares: input from the caller is validated here. */
import { EvseError, EvseErrorCode } from '../../errors.js';

export function invalid(message: string): EvseError {
  return new EvseError(EvseErrorCode.InvalidArgument, message);
}

export function requireWh(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${name} must be a whole, non-negative number of Wh (got ${JSON.stringify(value)})`);
  }
  return value;
}

export function requireTime(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalid(`${name} must be epoch milliseconds (got ${JSON.stringify(value)})`);
  }
  return Math.round(value);
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
