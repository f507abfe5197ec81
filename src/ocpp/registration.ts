/**
 * OCPP 1.6 BootNotification and Heartbeat on the shared boot loop (`boot-loop.ts`: sent once per process start on the
 * first open link and again on TriggerMessage; Pending/Rejected hold everything else and are retried after the CSMS's
 * interval; Accepted sets the clock from the CSMS and starts the heartbeat, the link's liveness check). What is 1.6
 * here: the BootNotification.req fields and the HeartbeatInterval configuration key, which an Accepted boot writes
 * (a failure to write it fails that boot, retried after the fallback).
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { BootLoop, type HeartbeatIntervalSetting } from './boot-loop.js';
import type { ConfigurationKeys } from './config-keys.js';
import type { OcppConnection } from './connection.js';

export type { RegistrationStatus } from './boot-loop.js';

export interface BootIdentity {
  readonly chargePointVendor: string;
  readonly chargePointModel: string;
  readonly chargePointSerialNumber?: string;
  readonly chargeBoxSerialNumber?: string;
  readonly firmwareVersion?: string;
  readonly meterType?: string;
  readonly meterSerialNumber?: string;
}

export interface RegistrationOptions {
  readonly connection: Pick<OcppConnection, 'call' | 'isOpen' | 'onOpen' | 'onClose'>;
  readonly keys: ConfigurationKeys;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly boot: BootIdentity;
  /** Wall time given by the CSMS (BootNotification.conf / Heartbeat.conf currentTime), epoch ms. */
  readonly onCsmsTime?: (csmsNowMs: number) => void;
  /** Retry delay when Pending/Rejected came with interval 0, or the boot got a CALLERROR, seconds. */
  readonly fallbackRetryS?: number;
}

/** The HeartbeatInterval configuration key as the boot loop's setting. */
function heartbeatIntervalKey(keys: ConfigurationKeys): HeartbeatIntervalSetting {
  return {
    currentS: () => keys.int('HeartbeatInterval'),
    storeAccepted: async (intervalS) => {
      await keys.change('HeartbeatInterval', String(intervalS));
      return keys.int('HeartbeatInterval');
    },
    onChange: (listener) =>
      keys.onChange((key) => {
        if (key === 'HeartbeatInterval') listener();
      }),
  };
}

export class Registration extends BootLoop {
  constructor(options: RegistrationOptions) {
    const { keys, boot } = options;
    super({ ...options, heartbeatInterval: heartbeatIntervalKey(keys), bootPayload: () => ({ ...boot }), defaultReason: undefined });
  }
}
