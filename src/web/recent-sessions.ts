import { z } from 'zod';
import { formatMoney } from '../billing/decimal.js';
import { maskIdTag } from '../billing/receipt.js';
import { stationZoneOfSession } from '../billing/stored-cost.js';
import { formatWallTime } from '../billing/wall-clock.js';
import type { StopReason } from '../control/charger-fsm.js';
import type { JournalReader, SessionRow } from '../journal/ports.js';

/** One line of the page's session list. */
export interface RecentSession {
  readonly id: number;
  readonly idTag: string | null;
  readonly start: string;
  readonly startLocal: string;
  readonly stop: string | null;
  readonly stopReason: StopReason | null;
  /** Null while the session runs (the page shows the live figure above). */
  readonly energyWh: number | null;
  /** The stored final cost; null while running or before it was computed (the receipt recomputes it). */
  readonly total: string | null;
  /** The same amount as data, so the page writes it the driver's way ("3,45 €"). */
  readonly totalMoney: { readonly minor: number; readonly minorUnits: number; readonly currency: string } | null;
  readonly clockTrusted: boolean;
}

/** The part of a stored cost breakdown the list shows; anything else in the JSON is ignored. */
const storedTotal = z.object({ totalMinor: z.number().int(), minorUnits: z.number().int().min(0).max(4), currency: z.string() });

function recentSession(row: SessionRow, timeZone: string): RecentSession {
  const stored = row.stopAtMs === null ? null : storedTotal.safeParse(row.cost);
  return {
    id: row.id,
    idTag: maskIdTag(row.idTag),
    start: new Date(row.startAtMs).toISOString(),
    // The station's zone as stored with the session (its receipt prints in it too), else the config's.
    startLocal: formatWallTime(stationZoneOfSession(row, timeZone).zone, row.startAtMs),
    stop: row.stopAtMs === null ? null : new Date(row.stopAtMs).toISOString(),
    stopReason: row.stopReason,
    energyWh: row.meterStopWh === null ? null : row.meterStopWh - row.meterStartWh,
    total: stored?.success ? formatMoney(stored.data.totalMinor, stored.data.minorUnits, stored.data.currency) : null,
    totalMoney: stored?.success ? { minor: stored.data.totalMinor, minorUnits: stored.data.minorUnits, currency: stored.data.currency } : null,
    clockTrusted: row.clockTrusted,
  };
}

/**
 * The newest `limit` sessions that started within the last `days`, newest first, read from the journal. The window
 * reaches a day past now: times stamped before the clock was set may lie slightly ahead.
 */
export async function recentSessions(
  reader: JournalReader,
  options: { readonly limit: number; readonly days: number; readonly nowMs: number; readonly timeZone: string },
): Promise<RecentSession[]> {
  const rows = await reader.sessions({ fromMs: options.nowMs - options.days * 86_400_000, toMs: options.nowMs + 86_400_000 });
  return rows
    .slice(-options.limit)
    .reverse()
    .map((row) => recentSession(row, options.timeZone));
}
