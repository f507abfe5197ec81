import type { ChargePointStatus } from '../control/charger-fsm.js';
import type { FaultName } from '../control/faults.js';
import { translate } from './i18n/catalogue.js';
import type { TextKey } from './i18n/en.js';

/** The idle fee the driver will pay, as the page says it: price per minute and the wall time it starts. */
export interface IdleFeeNotice {
  /** "0.10" */
  readonly perMinute: string;
  readonly currency: string;
  /** "14:32" on the station's wall clock. */
  readonly from: string;
}

/** What the charger knows that changes what the driver should be told. */
export interface GuidanceInput {
  readonly status: ChargePointStatus;
  /** A card (or the CSMS) authorized the next or current session. */
  readonly authorized: boolean;
  readonly freeVend: boolean;
  /** The EV stopped drawing for good in this session (SuspendedEV, or current under the threshold long enough). */
  readonly chargingCompleted: boolean;
  /** The fault that stops charging, when one is latched: its text comes from the catalogue (`fault.<name>`). */
  readonly fault: FaultName | null;
  /** Why the offer is what it is, e.g. "limited by: external 4 A". */
  readonly limitReason: string;
  /** The idle fee when one will be charged. */
  readonly idleFee: IdleFeeNotice | null;
}

/** A headline for the display and one sentence on what to do next. */
export interface Guidance {
  /** In English (the JSON API, `evse status`); the page shows the keys' texts in the browser's language. */
  readonly headline: string;
  readonly action: string;
  /** How the page colours it. */
  readonly tone: 'ready' | 'busy' | 'done' | 'paused' | 'fault';
  /** The catalogue keys of headline and action (src/web/i18n), and the values of their placeholders. */
  readonly headlineKey: TextKey;
  readonly actionKey: TextKey;
  readonly params: Readonly<Record<string, string>>;
}

function guidance(tone: Guidance['tone'], headlineKey: TextKey, actionKey: TextKey, params: Readonly<Record<string, string>> = {}): Guidance {
  return { headline: translate('en', headlineKey, params), action: translate('en', actionKey, params), tone, headlineKey, actionKey, params };
}

/**
 * The driver's view of the charger's state, in plain words (issue: driver feedback, error guidance). Faults speak
 * for themselves through their catalogue message; everything else is decided by the OCPP status and what is missing
 * for the next step.
 */
export function driverGuidance(input: GuidanceInput): Guidance {
  const idle = input.idleFee === null ? {} : { ...input.idleFee };
  switch (input.status) {
    case 'Available':
      return guidance('ready', 'guidance.ready.headline', input.freeVend || input.authorized ? 'guidance.ready.plugIn' : 'guidance.ready.plugInAndTap');
    case 'Preparing':
      if (!input.authorized && !input.freeVend) return guidance('busy', 'guidance.connected.headline', 'guidance.connected.action');
      return guidance('busy', 'guidance.starting.headline', 'guidance.starting.action');
    case 'Charging':
      return guidance('busy', 'guidance.charging.headline', input.freeVend ? 'guidance.charging.unplugToStop' : 'guidance.charging.tapToStop');
    case 'SuspendedEV':
      if (input.chargingCompleted) {
        return guidance('done', 'guidance.complete.headline', input.idleFee === null ? 'guidance.complete.action' : 'guidance.complete.actionIdleFee', idle);
      }
      return guidance('paused', 'guidance.pausedByCar.headline', 'guidance.pausedByCar.action');
    case 'SuspendedEVSE':
      return guidance('paused', 'guidance.pausedByStation.headline', 'guidance.pausedByStation.action', { limit: input.limitReason });
    case 'Finishing':
      return guidance('done', 'guidance.finishing.headline', input.idleFee === null ? 'guidance.finishing.action' : 'guidance.finishing.actionIdleFee', idle);
    case 'Reserved':
      return guidance('busy', 'guidance.reserved.headline', 'guidance.reserved.action');
    case 'Unavailable':
      return guidance('fault', 'guidance.unavailable.headline', 'guidance.unavailable.action');
    case 'Faulted':
      return guidance('fault', 'guidance.fault.headline', input.fault === null ? 'guidance.fault.action' : `fault.${input.fault}`);
  }
}
