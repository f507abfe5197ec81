/**
 * The CSMS's smart-charging calls (strict mode validated their schema already): SetChargingProfile (K01),
 * ClearChargingProfile (K10), GetChargingProfiles (K09: the answer, then ReportChargingProfiles per EVSE with the
 * requestId, tbc false on the last) and GetCompositeSchedule (K08). The reports go through the journal's outbox (optional
 * lane, in order): a report cut by an outage resumes where it stopped, its parts as they were made.
 */
import type { Clock } from '../../../clock.js';
import type { Logger } from '../../../logger.js';
import type { InboundHandler } from '../../connection.js';
import type { ChargingProfile201, Installed201 } from './profiles.js';
import type { SmartCharging201 } from './smart-charging.js';

/** How long after the answer the reports leave, so the CALLRESULT goes first. */
const AFTER_REPLY_MS = 20;

export interface SmartChargingHandlerDeps {
  readonly smartCharging: SmartCharging201;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Queues a ReportChargingProfiles part in the journal's outbox (resolves once durable). */
  readonly queue: (kind: 'ReportChargingProfiles', payload: Record<string, unknown>) => Promise<void>;
}

/** The source of every profile this station holds: the CSMS set them all (2.0.1's ChargingLimitSource CSO). */
const SOURCE = 'CSO';

interface Criterion {
  readonly chargingProfilePurpose?: string;
  readonly stackLevel?: number;
  readonly chargingProfileId?: readonly number[];
  readonly chargingLimitSource?: readonly string[];
}

function matchesCriterion(i: Installed201, evseId: number | undefined, c: Criterion): boolean {
  return (
    (evseId === undefined || i.evseId === evseId) &&
    (c.chargingProfilePurpose === undefined || i.profile.chargingProfilePurpose === c.chargingProfilePurpose) &&
    (c.stackLevel === undefined || i.profile.stackLevel === c.stackLevel) &&
    (c.chargingProfileId === undefined || c.chargingProfileId.includes(i.profile.id)) &&
    (c.chargingLimitSource === undefined || c.chargingLimitSource.includes(SOURCE))
  );
}

export function smartChargingHandlers(deps: SmartChargingHandlerDeps): Record<string, InboundHandler> {
  const { smartCharging, clock, logger } = deps;

  const report = async (requestId: number, found: readonly Installed201[]): Promise<void> => {
    const evses = [...new Set(found.map((i) => i.evseId))].sort((a, b) => a - b);
    for (const [n, evseId] of evses.entries()) {
      const chargingProfile = found.filter((i) => i.evseId === evseId).map((i) => i.profile);
      try {
        await deps.queue('ReportChargingProfiles', { requestId, chargingLimitSource: SOURCE, evseId, chargingProfile, tbc: n < evses.length - 1 });
      } catch (err) {
        // Only the journal refuses a row: the report stops there (the CSMS sees tbc true and no end, and may ask again).
        logger.warn({ err, requestId, evseId }, 'ReportChargingProfiles not queued');
        return;
      }
    }
  };

  return {
    SetChargingProfile: async (params) => {
      const refusal = await smartCharging.set(params['evseId'] as number, params['chargingProfile'] as ChargingProfile201);
      return refusal ? { status: 'Rejected', statusInfo: refusal } : { status: 'Accepted' };
    },
    ClearChargingProfile: async (params) => {
      const criteria = (params['chargingProfileCriteria'] ?? {}) as { evseId?: number; chargingProfilePurpose?: string; stackLevel?: number };
      const id = params['chargingProfileId'] as number | undefined;
      const cleared = await smartCharging.clear(id !== undefined ? { id } : criteria);
      return { status: cleared ? 'Accepted' : 'Unknown' };
    },
    GetChargingProfiles: (params) => {
      const requestId = params['requestId'] as number;
      const evseId = params['evseId'] as number | undefined;
      const found = smartCharging.installed().filter((i) => matchesCriterion(i, evseId, params['chargingProfile'] as Criterion));
      if (found.length === 0) return { status: 'NoProfiles' };
      clock.setTimeout(() => void report(requestId, found), AFTER_REPLY_MS);
      return { status: 'Accepted' };
    },
    GetCompositeSchedule: async (params) => {
      const evseId = params['evseId'] as number;
      const duration = params['duration'] as number;
      if (evseId < 0 || evseId > 1) return { status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse', additionalInfo: `no EVSE ${evseId}` } };
      if (duration < 0) return { status: 'Rejected', statusInfo: { reasonCode: 'InvalidValue', additionalInfo: 'negative duration' } };
      const schedule = await smartCharging.composite(evseId, duration, params['chargingRateUnit'] as 'A' | 'W' | undefined);
      return { status: 'Accepted', schedule };
    },
  };
}
