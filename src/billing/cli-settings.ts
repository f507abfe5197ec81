import { loadConfigFile, parseConfig } from '../config/load.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import type { Tariff } from './tariff-schema.js';
import { startOfLocalDate } from './wall-clock.js';

/** What the report and receipt commands take from the station config. */
export interface BillingSettings {
  readonly tariff: Tariff;
  readonly timeZone: string;
  readonly stateDir: string;
  readonly stationId: string;
}

/** Settings from `--config FILE` when given, else the defaults of an empty config. */
export function billingSettings(configPath: string | undefined): BillingSettings {
  const config = configPath === undefined ? parseConfig({}) : loadConfigFile(configPath);
  return {
    tariff: config.tariff,
    timeZone: config.station.timeZone,
    stateDir: config.journal.stateDir,
    stationId: config.station.id,
  };
}

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const instantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads `--from`/`--to`: a local date "2026-06-01" (in the station's zone; as `--to` it includes that whole day) or
 * an instant with its offset "2026-06-01T08:00:00Z". Throws EvseError(InvalidArgument) naming the option and value.
 */
export function parseDateArgument(option: '--from' | '--to', text: string, timeZone: string): number {
  const date = datePattern.exec(text);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const probe = new Date(Date.UTC(year, month - 1, day));
    if (probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day) {
      if (option === '--from') return startOfLocalDate(timeZone, year, month, day);
      const next = new Date(Date.UTC(year, month - 1, day + 1));
      return startOfLocalDate(timeZone, next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate());
    }
  } else if (instantPattern.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms;
  }
  throw new EvseError(
    EvseErrorCode.InvalidArgument,
    `${option} must be a date YYYY-MM-DD or an instant like 2026-06-01T08:00:00Z (got ${JSON.stringify(text)})`,
  );
}
