import type { ChargePointStatus } from '../control/charger-fsm.js';

/** What the charger knows that changes what the driver should be told. */
export interface GuidanceInput {
  readonly status: ChargePointStatus;
  /** A card (or the CSMS) authorized the next or current session. */
  readonly authorized: boolean;
  readonly freeVend: boolean;
  /** The EV stopped drawing for good in this session (SuspendedEV, or current under the threshold long enough). */
  readonly chargingCompleted: boolean;
  /** The plain-language message of the fault that stops charging, when one is latched. */
  readonly faultMessage: string | null;
  /** Why the offer is what it is, e.g. "limited by: external 4 A". */
  readonly limitReason: string;
  /** Idle fee text when one will be charged, e.g. "0.10 EUR per minute from 14:32". */
  readonly idleFeeNotice: string | null;
}

/** A headline for the display and one sentence on what to do next. */
export interface Guidance {
  readonly headline: string;
  readonly action: string;
  /** How the page colours it. */
  readonly tone: 'ready' | 'busy' | 'done' | 'paused' | 'fault';
}

/**
 * The driver's view of the charger's state, in plain words (issue: driver feedback, error guidance). Faults speak
 * for themselves through their catalogue message; everything else is decided by the OCPP status and what is missing
 * for the next step.
 */
export function driverGuidance(input: GuidanceInput): Guidance {
  const idle = input.idleFeeNotice === null ? '' : ` An idle fee applies: ${input.idleFeeNotice}.`;
  switch (input.status) {
    case 'Available':
      return {
        headline: 'Ready',
        action: input.freeVend || input.authorized ? 'Plug in your car to start charging.' : 'Plug in your car and tap your card to start charging.',
        tone: 'ready',
      };
    case 'Preparing':
      if (!input.authorized && !input.freeVend) return { headline: 'Car connected', action: 'Tap your card to start charging.', tone: 'busy' };
      return { headline: 'Starting', action: 'Waiting for your car to ask for power.', tone: 'busy' };
    case 'Charging':
      return { headline: 'Charging', action: input.freeVend ? 'Unplug your car to stop.' : 'Tap your card again to stop.', tone: 'busy' };
    case 'SuspendedEV':
      if (input.chargingCompleted) {
        return { headline: 'Charging complete', action: `Your car has stopped taking power. Please unplug to free the station.${idle}`, tone: 'done' };
      }
      return { headline: 'Paused by your car', action: 'Your car is not taking power right now; charging resumes when it asks again.', tone: 'paused' };
    case 'SuspendedEVSE':
      return {
        headline: 'Paused by the station',
        action: `Less power than a car needs (6 A) is available now (${input.limitReason}); charging resumes on its own.`,
        tone: 'paused',
      };
    case 'Finishing':
      return { headline: 'Session ended', action: `Please unplug your car.${idle}`, tone: 'done' };
    case 'Reserved':
      return { headline: 'Reserved', action: 'This station is reserved; tap the reserving card to start.', tone: 'busy' };
    case 'Unavailable':
      return { headline: 'Out of service', action: 'This station is not taking new sessions right now. Please use another one.', tone: 'fault' };
    case 'Faulted':
      return { headline: 'Fault', action: input.faultMessage ?? 'The station has a fault and cannot charge right now.', tone: 'fault' };
  }
}
