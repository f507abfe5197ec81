import { bandClassifier } from './cost.js';
import { minorUnitsOf } from './currencies.js';
import { tariffTimeZone, type Tariff } from './tariff-schema.js';
import { WallClockSplitter } from './wall-clock.js';

/** What a driver is told about the price before and while charging (net prices, exact decimal texts). */
export interface PriceNow {
  readonly tariffId: string;
  readonly currency: string;
  /** Decimal places of the currency's minor unit (2 for EUR), for showing prices. */
  readonly minorUnits: number;
  /** Energy price of the time-of-use band in force now, per kWh. */
  readonly pricePerKwh: string;
  readonly bandLabel: string | null;
  /** When the energy price next changes (within a week), or null when it does not. */
  readonly changesAtMs: number | null;
  /** The energy price from then. */
  readonly nextPricePerKwh: string | null;
  readonly pricePerChargingHour: string;
  readonly idleFeePerMinute: string;
  readonly idleGraceMinutes: number;
  readonly flatFee: string;
  readonly minPrice: string;
  readonly maxPrice: string | null;
  readonly taxRatePercent: string;
}

const LOOKAHEAD_MS = 8 * 24 * 3600 * 1000;

/** The tariff's prices at `nowMs`, and when the energy price changes next (in the tariff's time zone, DST-exact). */
export function priceNow(tariff: Tariff, stationTimeZone: string, nowMs: number): PriceNow {
  const splitter = new WallClockSplitter(tariffTimeZone(tariff, stationTimeZone), nowMs, bandClassifier(tariff));
  const pieces = splitter.piecesUntil(nowMs + LOOKAHEAD_MS);
  const band = tariff.energyBands[pieces[0]?.key ?? 0];
  const price = band?.pricePerKwh ?? '0';
  // Adjacent bands may share a price: the change that matters to the driver is the first different price.
  const change = pieces.find((piece) => tariff.energyBands[piece.key]?.pricePerKwh !== price);
  return {
    tariffId: tariff.id,
    currency: tariff.currency,
    minorUnits: minorUnitsOf(tariff.currency) ?? 2,
    pricePerKwh: price,
    bandLabel: band?.label ?? null,
    changesAtMs: change?.fromMs ?? null,
    nextPricePerKwh: change ? (tariff.energyBands[change.key]?.pricePerKwh ?? null) : null,
    pricePerChargingHour: tariff.pricePerChargingHour,
    idleFeePerMinute: tariff.idleFeePerMinute,
    idleGraceMinutes: tariff.idleGraceMinutes,
    flatFee: tariff.flatFee,
    minPrice: tariff.minPrice,
    maxPrice: tariff.maxPrice,
    taxRatePercent: tariff.taxRatePercent,
  };
}

/** An exact decimal price text padded to the currency's minor unit for display: "0.1" → "0.10", "0.295" stays. */
export function displayPrice(decimal: string, minorUnits: number): string {
  const [whole, fraction = ''] = decimal.split('.');
  if (fraction.length >= minorUnits) return decimal;
  return `${whole}.${fraction.padEnd(minorUnits, '0')}`;
}
