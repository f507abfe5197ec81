/**
 * How the station's reason to stop a session (the control core's StopReason, a 1.6 Reason) reads in OCPP 2.0.1: the
 * Ended event's `transactionInfo.stoppedReason` and its `triggerReason`.
 */
import type { StopReason } from '../../../session/recorder.js';
import type { StoppedReason, TriggerReason } from './types.js';

export interface EndedReasons {
  readonly stoppedReason: StoppedReason;
  readonly triggerReason: TriggerReason;
}

/**
 * Local: a card tap (StopAuthorized) or the station's own button/stop without a card (a 'Local' stop with no stopIdTag
 * is the operator's or the EV driver's button: still StopAuthorized, the only 2.0.1 trigger for a local stop request).
 * A master pass (C16) stops with stoppedReason MasterPass. Resets: a HardReset is the 2.0.1 ImmediateReset, a
 * SoftReset waits for the session (OnIdle) and reads as Reboot. UnlockConnector has no stoppedReason of its own: Other,
 * with the UnlockCommand trigger.
 */
const ENDED: Readonly<Record<StopReason, EndedReasons>> = {
  Local: { stoppedReason: 'Local', triggerReason: 'StopAuthorized' },
  Remote: { stoppedReason: 'Remote', triggerReason: 'RemoteStop' },
  EVDisconnected: { stoppedReason: 'EVDisconnected', triggerReason: 'EVCommunicationLost' },
  PowerLoss: { stoppedReason: 'PowerLoss', triggerReason: 'AbnormalCondition' },
  Reboot: { stoppedReason: 'Reboot', triggerReason: 'ResetCommand' },
  SoftReset: { stoppedReason: 'Reboot', triggerReason: 'ResetCommand' },
  HardReset: { stoppedReason: 'ImmediateReset', triggerReason: 'ResetCommand' },
  EmergencyStop: { stoppedReason: 'EmergencyStop', triggerReason: 'AbnormalCondition' },
  DeAuthorized: { stoppedReason: 'DeAuthorized', triggerReason: 'Deauthorized' },
  UnlockCommand: { stoppedReason: 'Other', triggerReason: 'UnlockCommand' },
  Other: { stoppedReason: 'Other', triggerReason: 'AbnormalCondition' },
};

/** The 1.6 stop reasons the journal stores, as a set (a stored row is external input: checked before use). */
export function isStopReason(value: unknown): value is StopReason {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ENDED, value);
}

/**
 * The Ended event's reasons. `masterPass`: the stop came from a master pass card (C16). `evLeft`: the EV was unplugged
 * (EVDeparted) rather than losing the pilot with the plug still in (EVCommunicationLost), where the station knows.
 */
export function endedReasons(reason: StopReason, options: { readonly masterPass?: boolean; readonly evLeft?: boolean } = {}): EndedReasons {
  if (options.masterPass === true) return { stoppedReason: 'MasterPass', triggerReason: 'StopAuthorized' };
  if (reason === 'EVDisconnected' && options.evLeft === true) return { stoppedReason: 'EVDisconnected', triggerReason: 'EVDeparted' };
  return ENDED[reason];
}
