import { EvseError } from '../errors.js';
import { parseTariff, type Tariff } from './tariff-schema.js';

/** Outcome of a tariff replacement: the new tariff in force, or why the old one stays. */
export type TariffReplacement = { readonly accepted: true; readonly tariff: Tariff } | { readonly accepted: false; readonly reason: string };

/**
 * The running tariff, replaceable at run time (from the CLI, a config reload or the CSMS). A replacement takes effect
 * only when it validates; otherwise the tariff in force stays and the caller gets the reason naming the bad field.
 * A session keeps the tariff it started with (take `current()` at the start), so a replacement never reprices it.
 */
export class TariffHolder {
  private tariffInForce: Tariff;

  constructor(initial: Tariff) {
    this.tariffInForce = initial;
  }

  /** The tariff in force now. */
  current(): Tariff {
    return this.tariffInForce;
  }

  /** Validates `candidate` and, only if it is valid, makes it the tariff in force. Never throws for bad input. */
  replace(candidate: unknown, source = 'tariff'): TariffReplacement {
    try {
      this.tariffInForce = parseTariff(candidate, source);
      return { accepted: true, tariff: this.tariffInForce };
    } catch (err) {
      if (err instanceof EvseError) return { accepted: false, reason: err.message };
      throw err;
    }
  }
}
