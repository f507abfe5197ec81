/**
 * Assembles N01 (GetLog), N09/N10 (CustomerInformation) and L01 (UpdateFirmware) for the 2.0.1 client: the
 * DiagnosticsLog is 1.6's GetDiagnostics bundle (FirmwareManager.diagnosticsBundle(), the same gzipped JSON), and
 * TriggerMessage learns the LogStatusNotification and FirmwareStatusNotification targets while every other target
 * stays with the transaction module's handler.
 */
import type { Clock } from '../../clock.js';
import type { JournalReader, KeyValueStore } from '../../journal/ports.js';
import type { ForgottenIdTag } from '../../journal/types.js';
import type { Logger } from '../../logger.js';
import type { InboundHandler } from '../connection.js';
import { FirmwareManager } from '../firmware.js';
import { CustomerInformation } from './customer-information.js';
import { FirmwareUpdate201, type FirmwareUpdate201Deps } from './firmware-update.js';
import { LogUploads, type LogWindow } from './logs.js';

export interface MaintenanceDeps {
  readonly identity: string;
  readonly kv: KeyValueStore;
  readonly sessions?: Pick<JournalReader, 'sessions'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** TriggerMessage's answers (sent now, online). */
  readonly call: (action: string, payload: Record<string, unknown>) => Promise<unknown>;
  /** Queues a job status or report part in the journal's outbox (resolves once durable); see MaintenanceKind. */
  readonly queue: (kind: MaintenanceKind, payload: Record<string, unknown>) => Promise<void>;
  /** N10: the token replaced by a pseudonym in the journal (absent: nothing kept to mask). */
  readonly forgetIdTag?: (idTag: string) => Promise<ForgottenIdTag>;
  /** The bundle's content for the window asked (the uplink's facts, the station's alerts …). */
  readonly diagnostics: (window: LogWindow) => Promise<Record<string, unknown>>;
  /** L01's own needs (absent: UpdateFirmware stays NotImplemented). */
  readonly firmware?: Omit<FirmwareUpdate201Deps, 'kv' | 'clock' | 'logger' | 'call' | 'queue'>;
  /** The TriggerMessage handler to extend (absent: only the new target). */
  readonly triggerMessage?: InboundHandler;
}

/** What these use cases queue in the outbox (the 2.0.1 sender must deliver them: see the client). */
export const MAINTENANCE_KINDS = ['LogStatusNotification', 'FirmwareStatusNotification', 'NotifyCustomerInformation'] as const;
export type MaintenanceKind = (typeof MAINTENANCE_KINDS)[number];

export interface Maintenance201 {
  readonly handlers: Record<string, InboundHandler>;
  readonly logs: LogUploads;
  readonly customers: CustomerInformation;
  readonly firmware: FirmwareUpdate201 | null;
  stop(): void;
}

export function maintenanceHandlers(deps: MaintenanceDeps): Maintenance201 {
  const { clock, logger } = deps;
  const logs = new LogUploads({
    clock,
    logger,
    call: deps.call,
    queue: deps.queue,
    bundle: async (window) => {
      // 1.6's bundle maker; notify is never used (no firmware job or GetDiagnostics runs on this manager).
      const manager = new FirmwareManager({
        stateDir: null,
        maxBytes: 1024,
        installCommand: null,
        clock,
        logger,
        identity: deps.identity,
        notify: () => Promise.resolve(),
        diagnostics: async () => ({
          window: { oldest: window.oldestMs === null ? null : new Date(window.oldestMs).toISOString(), latest: window.latestMs === null ? null : new Date(window.latestMs).toISOString() },
          ...(await deps.diagnostics(window)),
        }),
      });
      return manager.diagnosticsBundle();
    },
  });
  const customers = new CustomerInformation({
    kv: deps.kv,
    clock,
    logger,
    queue: deps.queue,
    ...(deps.sessions ? { sessions: deps.sessions } : {}),
    ...(deps.forgetIdTag ? { forgetIdTag: deps.forgetIdTag } : {}),
  });
  const firmware = deps.firmware ? new FirmwareUpdate201({ ...deps.firmware, kv: deps.kv, clock, logger, call: deps.call, queue: deps.queue }) : null;
  const original = deps.triggerMessage;
  const triggered: Record<string, (() => Promise<void>) | undefined> = {
    LogStatusNotification: () => logs.sendCurrentStatus(),
    FirmwareStatusNotification: firmware ? () => firmware.sendCurrentStatus() : undefined,
  };
  const triggerMessage: InboundHandler = (params) => {
    const send = triggered[String(params['requestedMessage'])];
    if (send) {
      // After the answer left.
      clock.setTimeout(() => {
        send().catch((err: unknown) => logger.warn({ error: (err as Error).message }, 'triggered status notification failed'));
      }, 10);
      return { status: 'Accepted' };
    }
    return original ? original(params) : { status: 'NotImplemented' };
  };
  return {
    handlers: { ...logs.handlers(), ...customers.handlers(), ...(firmware ? firmware.handlers() : {}), TriggerMessage: triggerMessage },
    logs,
    customers,
    firmware,
    stop() {
      logs.cancel();
      firmware?.cancel();
    },
  };
}
