import type { JournalReader } from '../journal/ports.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import { computeCost, costSessionFromJournal, type CostBreakdown } from './cost.js';
import { tariffOfSession } from './receipt.js';
import { stationZoneOfSession, storedFinalBreakdown } from './stored-cost.js';
import type { Tariff } from './tariff-schema.js';

/**
 * Computes a session's cost from the journal alone and stores the breakdown with the session (JournalReader.saveCost).
 * Call it when the session starts (the breakdown then records the tariff and the station zone the session is billed
 * in), when it stops, at unplug (idle time after the stop counts from then), and when its bill closes without one.
 * A session that already has a stored breakdown keeps the tariff and station zone recorded in it; otherwise `tariff`
 * (the one the session started under) and `stationTimeZone` are used. A final breakdown is never replaced: it is the
 * bill, and it is returned unchanged.
 */
export async function storeSessionCost(
  reader: JournalReader,
  sessionId: number,
  tariff: Tariff,
  stationTimeZone: string,
  nowMs: number,
): Promise<CostBreakdown> {
  const session = await reader.session(sessionId);
  if (session === null) throw new EvseError(EvseErrorCode.InvalidArgument, `no session ${sessionId} in the journal`);
  const closed = storedFinalBreakdown(session);
  if (closed !== null) return closed;
  const [samples, events] = await Promise.all([reader.samples(sessionId), reader.events(sessionId)]);
  const zone = stationZoneOfSession(session, stationTimeZone).zone;
  const cost = computeCost(tariffOfSession(session, tariff), costSessionFromJournal(session, samples, events), nowMs, zone);
  await reader.saveCost(sessionId, cost);
  return cost;
}
