import type { JournalReader } from '../journal/ports.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import { computeCost, costSessionFromJournal, type CostBreakdown } from './cost.js';
import { tariffOfSession } from './receipt.js';
import type { Tariff } from './tariff-schema.js';

/**
 * Computes a session's cost from the journal alone and stores the breakdown with the session (JournalReader.saveCost).
 * Call it when the session stops and again when the EV is unplugged (idle time after the stop counts from then).
 * A session that already has a stored breakdown keeps the tariff recorded in it; otherwise `tariff` (the one the
 * session started under) is used.
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
  const [samples, events] = await Promise.all([reader.samples(sessionId), reader.events(sessionId)]);
  const cost = computeCost(tariffOfSession(session, tariff), costSessionFromJournal(session, samples, events), nowMs, stationTimeZone);
  await reader.saveCost(sessionId, cost);
  return cost;
}
