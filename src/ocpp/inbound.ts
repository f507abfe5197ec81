/**
 * Handlers of CSMS-initiated calls. ocpp-rpc's strict mode has already checked each call against the 1.6 schema (a
 * call that breaks it gets FormationViolation / PropertyConstraintViolation … and never reaches a handler); a method
 * without a handler gets NotImplemented. Handlers change the station only through the ChargePointPort.
 */
import type { Clock } from '../clock.js';
import type { KeyValueStore, OutboxStore } from '../journal/ports.js';
import type { Logger } from '../logger.js';
import type { Authorizer } from './authorizer.js';
import type { ChargePointPort } from './charge-point-port.js';
import type { ConfigurationKeys } from './config-keys.js';
import type { InboundHandler } from './connection.js';
import { applySendLocalList, localListVersion } from './local-list.js';
import type { MeterValueScheduler } from './meter-values.js';
import { answerDataTransfer, type DataTransferRoute } from './data-transfer.js';
import type { FirmwareManager } from './firmware.js';
import type { Reservations } from './reservations.js';
import type { SecurityEvents } from './security-events.js';
import type { ChargingProfile } from './smart-charging/schedule.js';
import type { SmartCharging } from './smart-charging/smart-charging.js';
import type { Registration } from './registration.js';
import type { StatusReporter } from './status-reporter.js';

export interface InboundContext {
  readonly port: ChargePointPort;
  readonly keys: ConfigurationKeys;
  readonly kv: KeyValueStore;
  readonly outbox: OutboxStore;
  readonly authorizer: Authorizer;
  readonly registration: Registration;
  readonly statusReporter: StatusReporter;
  readonly meterValues: MeterValueScheduler;
  readonly smartCharging: SmartCharging;
  readonly reservations: Reservations;
  readonly securityEvents: SecurityEvents;
  readonly firmware: FirmwareManager;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Sends Heartbeat, DiagnosticsStatusNotification, FirmwareStatusNotification (TriggerMessage). */
  readonly sendNow: (method: string, params: Record<string, unknown>) => Promise<void>;
  /** The station's router of vendor DataTransfers; absent: every vendorId is unknown. */
  readonly dataTransfer?: DataTransferRoute;
  /** Wakes the outbox sender after something was enqueued. */
  readonly kickOutbox: () => void;
}

/** Runs `fn` after the current answer went out (a Reset or a triggered message follows its .conf). */
function afterReply(ctx: InboundContext, fn: () => Promise<unknown>): void {
  ctx.clock.setTimeout(() => {
    fn().catch((err: unknown) => ctx.logger.error({ error: (err as Error).message }, 'follow-up of a CSMS call failed'));
  }, 20);
}

/** The handler table, by method. */
export function inboundHandlers(ctx: InboundContext): Record<string, InboundHandler> {
  const { port, keys } = ctx;
  return {
    GetConfiguration: (p) => ({ ...keys.getConfiguration(p['key'] as string[] | undefined) }),

    ChangeConfiguration: async (p) => {
      // Switching profile needs a new URL scheme and certificates from the installer: not done remotely in this version.
      if (p['key'] === 'SecurityProfile' && p['value'] !== keys.get('SecurityProfile')) return { status: 'Rejected' };
      return { status: await keys.change(p['key'] as string, p['value'] as string) };
    },

    RemoteStartTransaction: async (p) => {
      const connectorId = p['connectorId'] as number | undefined;
      if (connectorId !== undefined && connectorId !== 1) return { status: 'Rejected' };
      const profile = p['chargingProfile'] as ChargingProfile | undefined;
      if (profile && profile.chargingProfilePurpose !== 'TxProfile') return { status: 'Rejected' };
      const status = port.authorizeStart(p['idTag'] as string, 'remote');
      if (status === 'Accepted' && profile) await ctx.smartCharging.setChargingProfile(1, profile, true);
      return { status };
    },

    ReserveNow: async (p) => ({ status: await ctx.reservations.reserveNow(p as unknown as Parameters<Reservations['reserveNow']>[0]) }),

    CancelReservation: async (p) => ({ status: await ctx.reservations.cancel(p['reservationId'] as number) }),

    UpdateFirmware: (p) => {
      ctx.firmware.updateFirmware(p as unknown as Parameters<FirmwareManager['updateFirmware']>[0]);
      return {};
    },

    GetDiagnostics: (p) => {
      const fileName = ctx.firmware.getDiagnostics(p as unknown as Parameters<FirmwareManager['getDiagnostics']>[0]);
      return fileName ? { fileName } : {};
    },

    SetChargingProfile: async (p) => ({
      status: await ctx.smartCharging.setChargingProfile(p['connectorId'] as number, p['csChargingProfiles'] as ChargingProfile),
    }),

    ClearChargingProfile: async (p) => ({ status: await ctx.smartCharging.clearChargingProfile(p) }),

    GetCompositeSchedule: (p) =>
      ctx.smartCharging.compositeScheduleConf(p['connectorId'] as number, p['duration'] as number, p['chargingRateUnit'] as 'A' | 'W' | undefined),

    RemoteStopTransaction: async (p) => {
      const session = port.activeSession();
      if (!session) return { status: 'Rejected' };
      const transactionId = await ctx.outbox.transactionIdFor(session.sessionId);
      if (transactionId === null || transactionId !== p['transactionId']) return { status: 'Rejected' };
      return { status: port.stopSession('Remote') ? 'Accepted' : 'Rejected' };
    },

    ChangeAvailability: (p) => {
      const connectorId = p['connectorId'] as number;
      if (connectorId > 1) return { status: 'Rejected' };
      return { status: port.changeAvailability(p['type'] === 'Operative') };
    },

    Reset: (p) => {
      const kind = p['type'] === 'Hard' ? 'Hard' : 'Soft';
      afterReply(ctx, async () => {
        await ctx.securityEvents.record('ResetOrReboot', `${kind} reset requested by the CSMS`);
        await port.reset(kind);
      });
      return { status: 'Accepted' };
    },

    UnlockConnector: async (p) => {
      if (p['connectorId'] !== 1) return { status: 'NotSupported' };
      return { status: await port.unlockConnector() };
    },

    ClearCache: async () => {
      await ctx.authorizer.clearCache();
      return { status: 'Accepted' };
    },

    DataTransfer: async (p) => ({
      ...(await answerDataTransfer(ctx.dataTransfer, {
        vendorId: p['vendorId'] as string,
        ...(typeof p['messageId'] === 'string' ? { messageId: p['messageId'] } : {}),
        ...(typeof p['data'] === 'string' ? { data: p['data'] } : {}),
      })),
    }),

    GetLocalListVersion: async () => ({ listVersion: await localListVersion(ctx.kv, keys) }),

    SendLocalList: async (p) => ({ status: await applySendLocalList(ctx.kv, keys, p as unknown as Parameters<typeof applySendLocalList>[2]) }),

    TriggerMessage: (p) => {
      const connectorId = p['connectorId'] as number | undefined;
      if (connectorId !== undefined && connectorId > 1) return { status: 'Rejected' };
      switch (p['requestedMessage']) {
        case 'BootNotification':
          afterReply(ctx, () => ctx.registration.sendBoot());
          return { status: 'Accepted' };
        case 'Heartbeat':
          afterReply(ctx, () => ctx.registration.sendHeartbeat());
          return { status: 'Accepted' };
        case 'StatusNotification':
          afterReply(ctx, () => ctx.statusReporter.reportAll(connectorId === undefined ? [0, 1] : [connectorId as 0 | 1]));
          return { status: 'Accepted' };
        case 'MeterValues':
          if (connectorId === 0 || !port.latestSample()) return { status: 'Rejected' };
          afterReply(ctx, () => ctx.meterValues.trigger());
          return { status: 'Accepted' };
        case 'DiagnosticsStatusNotification':
          afterReply(ctx, () => ctx.sendNow('DiagnosticsStatusNotification', { status: ctx.firmware.currentDiagnosticsStatus() }));
          return { status: 'Accepted' };
        case 'FirmwareStatusNotification':
          afterReply(ctx, () => ctx.sendNow('FirmwareStatusNotification', { status: ctx.firmware.currentFirmwareStatus() }));
          return { status: 'Accepted' };
        default:
          return { status: 'NotImplemented' };
      }
    },
  };
}
