/**
 * The CSMS's calls about transactions, through the charge-point port:
 * - F01/F02 RequestStartTransaction: Accepted when the EVSE can take a start; the remoteStartId rides on the Started
 *   event. With AuthCtrlr.AuthorizeRemoteStart the token is authorized (Authorize) first, after the answer.
 * - F03 RequestStopTransaction: the running transaction by its id → stopped with Remote; another id Rejected.
 * - E14 GetTransactionStatus: whether the transaction still runs and whether its events wait in the outbox.
 * - F05 UnlockConnector: never during a transaction (OngoingAuthorizedTransaction: 2.0.1 does not end it, unlike 1.6).
 * - F06 TriggerMessage: BootNotification (only before Accepted), Heartbeat, StatusNotification, MeterValues,
 *   TransactionEvent; the message follows the answer.
 */
import type { Clock } from '../../../clock.js';
import type { OutboxStore } from '../../../journal/ports.js';
import type { Logger } from '../../../logger.js';
import type { ChargePointPort } from '../../charge-point-port.js';
import type { SessionFactsStore } from './session-facts.js';
import type { SessionUpdates } from './session-updates.js';
import type { ChargingProfile201 } from '../smart-charging/profiles.js';
import type { IdToken } from './types.js';

type Handler = (params: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>;

/** How long after the answer a triggered message or an authorization starts, so the CALLRESULT leaves first. */
const AFTER_REPLY_MS = 20;

export interface RemoteControlDeps {
  readonly port: ChargePointPort;
  /** The journal's outbox as it is (not a filtered view): GetTransactionStatus looks at the transaction lane's head. */
  readonly outbox: OutboxStore;
  readonly facts: SessionFactsStore;
  readonly updates: SessionUpdates;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The transactionId of a session the CSMS may know, and back. */
  readonly transactionIdOf: (sessionId: number) => string | undefined;
  readonly sessionOf: (transactionId: string) => number | undefined;
  /** AuthCtrlr.AuthorizeRemoteStart. */
  readonly authorizeRemoteStart: () => boolean;
  /** Authorize with the CSMS: the idTokenInfo status ('Accepted' …). */
  readonly authorize: (idToken: IdToken) => Promise<string>;
  /**
   * F01 with a chargingProfile: the 2.0.1 smart charging checks it and applies it as the new transaction's TxProfile
   * (`expect` returns a cancel for a start not taken). Absent: the profile is ignored (logged).
   */
  readonly remoteStartProfile?: {
    refusal(profile: ChargingProfile201): { readonly reasonCode: string; readonly additionalInfo: string } | null;
    expect(idTag: string, profile: ChargingProfile201): () => void;
  };
  /** F06 targets owned by the rest of the client (absent: NotImplemented). */
  readonly trigger?: {
    readonly bootAccepted: () => boolean;
    readonly sendBoot: () => Promise<unknown>;
    readonly sendHeartbeat: () => Promise<unknown>;
    readonly reportStatus: () => Promise<unknown>;
  };
}

const UNKNOWN_EVSE = { reasonCode: 'UnknownEvse', additionalInfo: 'this station has EVSE 1 with connector 1 only' };

export function remoteControlHandlers(deps: RemoteControlDeps): Record<string, Handler> {
  const { port, clock, logger, facts } = deps;
  const later = (what: string, run: () => Promise<unknown>): void => {
    clock.setTimeout(() => {
      run().catch((err: unknown) => logger.error({ what, error: (err as Error).message }, 'triggered work failed'));
    }, AFTER_REPLY_MS);
  };
  /** The EVSE cannot take a start: a session runs, or it is out of service. */
  const busy = (): boolean => {
    const status = port.connectorStatus(1).status;
    return port.activeSession() !== null || status === 'Unavailable' || status === 'Faulted';
  };

  return {
    RequestStartTransaction: (params) => {
      const idToken = params['idToken'] as IdToken;
      const remoteStartId = params['remoteStartId'] as number;
      const evseId = params['evseId'] as number | undefined;
      if (evseId !== undefined && evseId !== 1) return { status: 'Rejected', statusInfo: UNKNOWN_EVSE };
      const profile = params['chargingProfile'] as ChargingProfile201 | undefined;
      const profiles = deps.remoteStartProfile;
      if (profile !== undefined && !profiles) logger.warn({ remoteStartId }, 'RequestStartTransaction chargingProfile ignored: no 2.0.1 smart charging');
      if (busy()) return { status: 'Rejected', statusInfo: { reasonCode: 'TxInProgress' } };
      // F01.FR.08/.10: a profile that cannot be this transaction's TxProfile refuses the start itself.
      const refusal = profile !== undefined && profiles ? profiles.refusal(profile) : null;
      if (refusal) {
        logger.info({ remoteStartId, ...refusal }, 'RequestStartTransaction refused for its chargingProfile');
        return { status: 'Rejected', statusInfo: refusal };
      }
      const start = (): 'Accepted' | 'Rejected' => {
        // Remembered before the start: the session may be journaled inside authorizeStart (EV already plugged in).
        facts.rememberRemoteStart(idToken.idToken, remoteStartId, idToken.type, clock.nowMs());
        const cancel = profile !== undefined && profiles ? profiles.expect(idToken.idToken, profile) : () => undefined;
        const taken = port.authorizeStart(idToken.idToken, 'remote');
        if (taken !== 'Accepted') cancel();
        return taken;
      };
      if (!deps.authorizeRemoteStart()) return { status: start() };
      later('remote start authorization', async () => {
        const status = await deps.authorize(idToken);
        if (status !== 'Accepted') {
          logger.info({ remoteStartId, status }, 'remote start not authorized');
          return;
        }
        if (start() !== 'Accepted') logger.warn({ remoteStartId }, 'remote start authorized but the station no longer takes it');
      });
      return { status: 'Accepted' };
    },

    RequestStopTransaction: (params) => {
      const transactionId = params['transactionId'] as string;
      const session = port.activeSession();
      if (session === null || deps.transactionIdOf(session.sessionId) !== transactionId) return { status: 'Rejected' };
      return { status: port.stopSession('Remote') ? 'Accepted' : 'Rejected' };
    },

    GetTransactionStatus: async (params) => {
      const transactionId = params['transactionId'] as string | undefined;
      const head = await deps.outbox.head('transaction');
      if (transactionId === undefined) return { messagesInQueue: head !== null };
      const sessionId = deps.sessionOf(transactionId);
      const ongoing = sessionId !== undefined && port.activeSession()?.sessionId === sessionId;
      // The lane is in seq order and a session's rows all precede the next session's: a pending head of this
      // session or of an earlier one means this one still has events waiting.
      const queued = sessionId !== undefined && head !== null && head.sessionId !== null && head.sessionId <= sessionId;
      return { ongoingIndicator: ongoing, messagesInQueue: queued };
    },

    UnlockConnector: async (params) => {
      if (params['evseId'] !== 1 || params['connectorId'] !== 1) return { status: 'UnknownConnector', statusInfo: UNKNOWN_EVSE };
      if (port.activeSession() !== null) return { status: 'OngoingAuthorizedTransaction' };
      const result = await port.unlockConnector();
      return { status: result === 'Unlocked' ? 'Unlocked' : 'UnlockFailed', ...(result === 'NotSupported' ? { statusInfo: { reasonCode: 'FixedCable' } } : {}) };
    },

    TriggerMessage: (params) => {
      const requested = params['requestedMessage'] as string;
      const evse = params['evse'] as { id: number; connectorId?: number } | undefined;
      if (evse !== undefined && (evse.id !== 1 || (evse.connectorId !== undefined && evse.connectorId !== 1))) return { status: 'Rejected', statusInfo: UNKNOWN_EVSE };
      const trigger = deps.trigger;
      switch (requested) {
        case 'BootNotification':
          if (!trigger) break;
          // F06.FR.17: a station already accepted does not boot again on request.
          if (trigger.bootAccepted()) return { status: 'Rejected' };
          later('BootNotification', trigger.sendBoot);
          return { status: 'Accepted' };
        case 'Heartbeat':
          if (!trigger) break;
          later('Heartbeat', trigger.sendHeartbeat);
          return { status: 'Accepted' };
        case 'StatusNotification':
          if (!trigger) break;
          later('StatusNotification', trigger.reportStatus);
          return { status: 'Accepted' };
        case 'MeterValues':
          if (port.latestSample() === null) return { status: 'Rejected', statusInfo: { reasonCode: 'NoMeterReading' } };
          later('MeterValues', () => deps.updates.triggerMeterValues());
          return { status: 'Accepted' };
        case 'TransactionEvent':
          if (port.activeSession() === null) return { status: 'Rejected', statusInfo: { reasonCode: 'NoTransaction' } };
          later('TransactionEvent', () => deps.updates.triggerTransactionEvent());
          return { status: 'Accepted' };
        default:
          break;
      }
      return { status: 'NotImplemented' };
    },
  };
}
