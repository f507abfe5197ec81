/**
 * B01–B04: BootNotification and Heartbeat in OCPP 2.0.1 on the shared boot loop (`../boot-loop.ts`: once per process
 * start on the first open link; Pending still answers the CSMS's calls, Rejected answers and sends nothing, either is
 * retried after the CSMS's interval; Accepted takes the CSMS's time, the clock-trust path 1.6 uses, and starts the
 * heartbeat, the link's liveness check). What is 2.0.1 here: the boot carries the reason of this start and the
 * ChargingStationType, and the interval is kept as OCPPCommCtrlr.HeartbeatInterval (a failure to store it is logged:
 * the interval still applies now).
 */
import type { Clock } from '../../clock.js';
import type { Logger } from '../../logger.js';
import { BootLoop, type HeartbeatIntervalSetting } from '../boot-loop.js';
import type { OcppConnection } from '../connection.js';
import type { BootReason } from './boot-reason.js';
import type { DeviceModel } from './device-model/device-model.js';

export type { RegistrationStatus } from '../boot-loop.js';

/** ChargingStationType of BootNotification. */
export interface ChargingStationIdentity {
  readonly vendorName: string;
  readonly model: string;
  readonly serialNumber?: string;
  readonly firmwareVersion?: string;
}

export interface Registration201Options {
  readonly connection: Pick<OcppConnection, 'call' | 'isOpen' | 'onOpen' | 'onClose'>;
  readonly deviceModel: DeviceModel;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly station: ChargingStationIdentity;
  readonly reason: BootReason;
  /** Wall time given by the CSMS (BootNotification / Heartbeat currentTime), epoch ms. */
  readonly onCsmsTime?: (csmsNowMs: number) => void;
  /** Retry delay when Pending/Rejected came with interval 0, or the boot got a CALLERROR, seconds. */
  readonly fallbackRetryS?: number;
}

/** OCPPCommCtrlr.HeartbeatInterval as the boot loop's setting. */
function heartbeatIntervalVariable(deviceModel: DeviceModel, logger: Logger): HeartbeatIntervalSetting {
  return {
    currentS: () => deviceModel.int('OCPPCommCtrlr', 'HeartbeatInterval'),
    storeAccepted: async (intervalS) => {
      await deviceModel.setOwn('OCPPCommCtrlr', 'HeartbeatInterval', String(intervalS)).catch((err: unknown) => {
        // Not stored: the interval still applies now (the journal's failure is reported by the journal).
        logger.warn({ error: (err as Error).message }, 'could not store the heartbeat interval');
      });
      return intervalS;
    },
    onChange: (listener) =>
      deviceModel.onChange((component, variable) => {
        if (component.name === 'OCPPCommCtrlr' && variable.name === 'HeartbeatInterval') listener();
      }),
  };
}

/** TriggerMessage sends the boot again with `sendBoot('Triggered')`; retries go with the reason of this start. */
export class Registration201 extends BootLoop<BootReason> {
  constructor(options: Registration201Options) {
    const { deviceModel, logger, station, reason } = options;
    super({
      ...options,
      heartbeatInterval: heartbeatIntervalVariable(deviceModel, logger),
      bootPayload: (bootReason) => ({ reason: bootReason, chargingStation: { ...station } }),
      defaultReason: reason,
    });
  }
}
