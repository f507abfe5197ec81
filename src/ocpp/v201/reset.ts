/**
 * Reset (B11 station, B12 EVSE) in OCPP 2.0.1 through the charge-point port. Station: Immediate stops a running
 * session (HardReset) and restarts the station; OnIdle restarts at once when idle, else answers Scheduled and restarts
 * when the session has ended. The next BootNotification says RemoteReset. EVSE 1 (the only one): Immediate ends its
 * session (HardReset); OnIdle with a session is Scheduled and ends nothing. The EVSE has no state of its own to
 * restart beyond its session, so nothing else happens. Any other evseId is Rejected.
 */
import type { Clock } from '../../clock.js';
import type { KeyValueStore } from '../../journal/ports.js';
import type { Logger } from '../../logger.js';
import type { ChargePointPort } from '../charge-point-port.js';
import { noteNextBootReason } from './boot-reason.js';

export interface ResetDeps {
  readonly port: ChargePointPort;
  readonly kv: KeyValueStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Journals the security event ResetOrReboot (A04). */
  readonly securityEvent: (type: string, techInfo: string) => Promise<void>;
}

type Handler = (params: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>;

/** How long after the answer the reset starts, so the CALLRESULT leaves first. */
const AFTER_REPLY_MS = 20;

export interface ResetHandling {
  readonly handlers: Record<string, Handler>;
  /** Forgets a scheduled OnIdle reset (the uplink stops: nothing may restart the station after that). */
  cancelScheduled(): void;
}

export function resetHandler(deps: ResetDeps): ResetHandling {
  const { port, clock, logger } = deps;
  let scheduled: (() => void) | null = null;

  const restartStation = (kind: 'Soft' | 'Hard', why: string): void => {
    clock.setTimeout(() => {
      (async () => {
        await deps.securityEvent('ResetOrReboot', why);
        await noteNextBootReason(deps.kv, 'RemoteReset');
        await port.reset(kind);
      })().catch((err: unknown) => logger.error({ error: (err as Error).message }, 'reset failed'));
    }, AFTER_REPLY_MS);
  };

  /** Runs `then` once no session runs (checked on every status change). */
  const whenIdle = (then: () => void): void => {
    scheduled?.();
    const unsubscribe = port.onStatusChange(() => {
      if (port.activeSession() !== null) return;
      unsubscribe();
      scheduled = null;
      then();
    });
    scheduled = unsubscribe;
  };

  const handlers: Record<string, Handler> = {
    Reset: (params) => {
      const type = params['type'] as 'Immediate' | 'OnIdle';
      const evseId = params['evseId'] as number | undefined;
      const busy = port.activeSession() !== null;
      if (evseId !== undefined) {
        if (evseId !== 1) return { status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse', additionalInfo: `this station has EVSE 1 only` } };
        if (!busy) return { status: 'Accepted' };
        if (type === 'OnIdle') return { status: 'Scheduled' };
        clock.setTimeout(() => port.stopSession('HardReset'), AFTER_REPLY_MS);
        return { status: 'Accepted' };
      }
      if (type === 'Immediate' || !busy) {
        restartStation(type === 'Immediate' ? 'Hard' : 'Soft', `${type} reset requested by the CSMS`);
        return { status: 'Accepted' };
      }
      whenIdle(() => restartStation('Soft', 'OnIdle reset requested by the CSMS, now idle'));
      return { status: 'Scheduled' };
    },
  };
  return {
    handlers,
    cancelScheduled: () => {
      scheduled?.();
      scheduled = null;
    },
  };
}
