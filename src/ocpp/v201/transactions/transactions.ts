/**
 * The 2.0.1 transaction use cases on the client: installs the TransactionEvent rendering on the shared outbox
 * sender (the journal's Start/Stop rows and a session's rows leave as TransactionEvent, in order, retried per
 * OCPPCommCtrlr.MessageAttempts/MessageAttemptInterval), tracks when the station is online (the `offline` flag),
 * queues the Updated events of the station's own facts (charging state, J01/J02 meter values), samples the
 * TxStartedMeasurands / TxEndedMeasurands of the Started and Ended, applies TxCtrlr.StopTxOnInvalidId to the CSMS's
 * idTokenInfo and keeps that idTokenInfo in the auth cache, and returns the handlers of the CSMS's transaction calls.
 */
import type { Clock } from '../../../clock.js';
import type { KeyValueStore, OutboxStore } from '../../../journal/ports.js';
import type { Logger } from '../../../logger.js';
import type { ChargePointPort } from '../../charge-point-port.js';
import type { InboundHandler } from '../../connection.js';
import type { OutboxSender } from '../../outbox-sender.js';
import { AuthCache201 } from '../authorization/auth-cache.js';
import { Authorizer201 } from '../authorization/authorizer.js';
import type { DeviceModel } from '../device-model/device-model.js';
import { OnlineIntervals } from './online-intervals.js';
import { remoteControlHandlers, type RemoteControlDeps } from './remote-control.js';
import { SessionFactsStore } from './session-facts.js';
import { SessionUpdates } from './session-updates.js';
import { TxMeterValues } from './tx-meter-values.js';
import { DEFAULT_TX_POINTS, parseTxPoints, type TxPoints } from './tx-points.js';
import type { IdToken } from './types.js';
import { TransactionWire, type AnsweredEvent, type TransactionEventAnswer } from './wire.js';

export interface Transactions201Deps {
  readonly port: ChargePointPort;
  /** The journal's outbox itself (the client's sender may see a filtered view of it). */
  readonly outbox: OutboxStore;
  readonly kv: KeyValueStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly deviceModel: DeviceModel;
  readonly sender: OutboxSender;
  readonly connection: {
    isOpen(): boolean;
    connectedSinceMs(): number | null;
    onOpen(l: () => void): () => void;
    onClose(l: (reason: string) => void): () => void;
  };
  readonly registration: {
    isAccepted(): boolean;
    onAccepted(l: () => void): () => void;
    /** TriggerMessage sends its boot with reason Triggered. */
    sendBoot(reason: 'Triggered'): Promise<unknown>;
    sendHeartbeat(): Promise<unknown>;
  };
  readonly reportStatus: () => Promise<unknown>;
  /** The sender delivers rows of this kind from now on. */
  readonly deliverOutboxKind: (kind: 'StartTransaction' | 'StopTransaction' | 'MeterValues' | 'TransactionEvent') => void;
  readonly call: <T = Record<string, unknown>>(action: string, payload: Record<string, unknown>) => Promise<T>;
  readonly electrical?: { readonly phases: number; readonly nominalVoltageV: number };
  /** Meter tick, ms (tests). */
  readonly tickMs?: number;
  /**
   * The CSMS's cost of a session for the driver's display: TransactionEvent's totalCost (with updatedPersonalMessage
   * as its text) and CostUpdated's running totalCost.
   */
  readonly onCost?: (sessionId: number, totalCost: number, priceText?: string) => void;
  /** F01: RequestStartTransaction's chargingProfile as the new transaction's TxProfile (2.0.1 smart charging). */
  readonly remoteStartProfile?: RemoteControlDeps['remoteStartProfile'];
  /** A TransactionEvent was answered (everything it said). */
  readonly onTransactionAnswer?: (sessionId: number, event: AnsweredEvent, answer: TransactionEventAnswer) => void;
}

export interface Transactions201 {
  readonly handlers: Record<string, InboundHandler>;
  readonly facts: SessionFactsStore;
  readonly wire: TransactionWire;
  readonly online: OnlineIntervals;
  readonly updates: SessionUpdates;
  /** C01/C09/C16: the station's tap asks it. */
  readonly authorizer: Authorizer201;
  start(): void;
  stop(): void;
}

/** The configured points, or the defaults when the stored value is not one this station supports. */
function txPointsOf(deviceModel: DeviceModel): TxPoints {
  return {
    start: parseTxPoints(deviceModel.get('TxCtrlr', 'TxStartPoint')) ?? DEFAULT_TX_POINTS.start,
    stop: parseTxPoints(deviceModel.get('TxCtrlr', 'TxStopPoint')) ?? DEFAULT_TX_POINTS.stop,
  };
}

export async function createTransactions201(deps: Transactions201Deps): Promise<Transactions201> {
  const { port, clock, logger, deviceModel } = deps;
  const log = logger.child({ module: 'ocpp201-tx' });
  const facts = new SessionFactsStore(deps.kv, log, () => Math.max(60, deviceModel.int('TxCtrlr', 'EVConnectionTimeOut')) * 1000);
  await facts.load();
  const online = new OnlineIntervals(clock.nowMs());
  const authCache = new AuthCache201(deps.kv, {
    enabled: () => deviceModel.bool('AuthCacheCtrlr', 'Enabled'),
    lifeTimeS: () => deviceModel.int('AuthCacheCtrlr', 'LifeTime'),
  });
  const txValues = new TxMeterValues({
    port,
    kv: deps.kv,
    clock,
    logger: log,
    settings: {
      startedMeasurands: () => deviceModel.list('SampledDataCtrlr', 'TxStartedMeasurands'),
      endedMeasurands: () => deviceModel.list('SampledDataCtrlr', 'TxEndedMeasurands'),
      endedIntervalS: () => (deviceModel.bool('SampledDataCtrlr', 'Enabled') ? deviceModel.int('SampledDataCtrlr', 'TxEndedInterval') : 0),
    },
    ...(deps.electrical ? { electrical: deps.electrical } : {}),
    ...(deps.tickMs !== undefined ? { tickMs: deps.tickMs } : {}),
  });
  await txValues.load();
  const wire = new TransactionWire({
    points: () => txPointsOf(deviceModel),
    online,
    facts,
    txValues: (sessionId) => txValues.valuesOf(sessionId),
    onTransactionAnswer: (sessionId, event, answer) => {
      applyIdTokenInfo(sessionId, event, answer);
      cacheIdTokenInfo(event, answer);
      if (event.eventType === 'Ended') {
        facts.forget(sessionId);
        txValues.forget(sessionId);
      }
      try {
        if (answer.totalCost !== undefined) deps.onCost?.(sessionId, answer.totalCost, answer.updatedPersonalMessage?.content);
        deps.onTransactionAnswer?.(sessionId, event, answer);
      } catch (err) {
        log.error({ error: (err as Error).message }, 'transaction answer listener threw');
      }
    },
  });
  const kick = (): void => deps.sender.kick();
  const updates = new SessionUpdates({
    port,
    outbox: deps.outbox,
    clock,
    logger: log,
    onEnqueued: kick,
    onEvAway: (sessionId, away) => facts.markEvAway(sessionId, away),
    settings: {
      sampledIntervalS: () => (deviceModel.bool('SampledDataCtrlr', 'Enabled') ? deviceModel.int('SampledDataCtrlr', 'TxUpdatedInterval') : 0),
      sampledMeasurands: () => deviceModel.list('SampledDataCtrlr', 'TxUpdatedMeasurands'),
      alignedIntervalS: () => (deviceModel.bool('AlignedDataCtrlr', 'Enabled') ? deviceModel.int('AlignedDataCtrlr', 'Interval') : 0),
      alignedMeasurands: () => deviceModel.list('AlignedDataCtrlr', 'Measurands'),
    },
    ...(deps.electrical ? { electrical: deps.electrical } : {}),
    ...(deps.tickMs !== undefined ? { tickMs: deps.tickMs } : {}),
  });

  /** TxCtrlr.StopTxOnInvalidId: the CSMS refused the token of the running transaction → it ends (DeAuthorized). */
  function applyIdTokenInfo(sessionId: number, event: { eventType: string }, answer: TransactionEventAnswer): void {
    const status = answer.idTokenInfo?.status;
    if (status === undefined || status === 'Accepted' || event.eventType === 'Ended') return;
    if (port.activeSession()?.sessionId !== sessionId || !deviceModel.bool('TxCtrlr', 'StopTxOnInvalidId')) return;
    log.warn({ sessionId, status }, 'the CSMS refused the transaction token: stopping (StopTxOnInvalidId)');
    port.stopSession('DeAuthorized');
  }

  /** C10: the answer's idTokenInfo is the CSMS's newest word on the token the event carried; the cache keeps it. */
  function cacheIdTokenInfo(event: AnsweredEvent, answer: TransactionEventAnswer): void {
    if (answer.idTokenInfo === undefined || event.idToken === undefined) return;
    authCache.remember(event.idToken, answer.idTokenInfo, clock.nowMs()).catch((err: unknown) => {
      log.warn({ error: (err as Error).message }, 'could not cache the idTokenInfo of a TransactionEvent answer');
    });
  }

  const authorize = async (idToken: IdToken): Promise<string> => {
    try {
      const conf = await deps.call<{ idTokenInfo: { status: string } }>('Authorize', { idToken });
      return conf.idTokenInfo.status;
    } catch (err) {
      log.warn({ error: (err as Error).message }, 'Authorize of a remote start failed');
      return 'Invalid';
    }
  };

  const authorizer = new Authorizer201({
    link: { isOpen: () => deps.connection.isOpen(), call: deps.call },
    mayTransmit: () => deps.registration.isAccepted(),
    cache: authCache,
    settings: {
      enabled: () => deviceModel.bool('AuthCtrlr', 'Enabled'),
      localPreAuthorize: () => deviceModel.bool('AuthCtrlr', 'LocalPreAuthorize'),
      localAuthorizeOffline: () => deviceModel.bool('AuthCtrlr', 'LocalAuthorizeOffline'),
      offlineTxForUnknownIdEnabled: () => deviceModel.bool('AuthCtrlr', 'OfflineTxForUnknownIdEnabled'),
      masterPassGroupId: () => deviceModel.get('AuthCtrlr', 'MasterPassGroupId'),
    },
    port,
    clock,
    logger: log,
    onMasterPassStop: (sessionId) => facts.markMasterPass(sessionId),
  });

  const handlers = remoteControlHandlers({
    port,
    outbox: deps.outbox,
    facts,
    updates,
    clock,
    logger: log,
    transactionIdOf: (sessionId) => wire.transactionIdOf(sessionId),
    sessionOf: (transactionId) => wire.sessionOf(transactionId),
    authorizeRemoteStart: () => deviceModel.bool('AuthCtrlr', 'AuthorizeRemoteStart'),
    authorize,
    ...(deps.remoteStartProfile ? { remoteStartProfile: deps.remoteStartProfile } : {}),
    trigger: {
      bootAccepted: () => deps.registration.isAccepted(),
      sendBoot: () => deps.registration.sendBoot('Triggered'),
      sendHeartbeat: () => deps.registration.sendHeartbeat(),
      reportStatus: deps.reportStatus,
    },
  });

  // CostUpdated: the running cost of a transaction the CSMS knows (its events went out in this process).
  handlers['CostUpdated'] = (params) => {
    const transactionId = params['transactionId'] as string;
    const sessionId = wire.sessionOf(transactionId);
    if (sessionId === undefined) log.warn({ transactionId }, 'CostUpdated for a transaction this station does not know');
    else deps.onCost?.(sessionId, params['totalCost'] as number);
    return {};
  };

  // Installed while the client is assembled, before the sender starts: no row of these kinds is ever refused as
  // undeliverable, and none goes out 1.6-shaped.
  deps.sender.useWire(wire);
  for (const kind of ['StartTransaction', 'StopTransaction', 'MeterValues', 'TransactionEvent'] as const) deps.deliverOutboxKind(kind);

  const unsubscribers: (() => void)[] = [];
  return {
    handlers,
    facts,
    wire,
    online,
    updates,
    authorizer,
    start() {
      // Online = the link is open and the CSMS accepted the boot: only then can an event leave as it happens. The
      // interval starts when the link opened: the accepted-listeners run only after the boot's interval was stored,
      // and an event of that moment (a tap right after the boot) must not read as offline.
      const check = (): void => {
        if (deps.connection.isOpen() && deps.registration.isAccepted()) online.online(deps.connection.connectedSinceMs() ?? clock.nowMs());
        else online.offline(clock.nowMs());
      };
      unsubscribers.push(
        deps.connection.onOpen(check),
        deps.connection.onClose(() => online.offline(clock.nowMs())),
        deps.registration.onAccepted(check),
      );
      check();
      updates.start();
      txValues.start();
    },
    stop() {
      for (const u of unsubscribers.splice(0)) u();
      updates.stop();
      txValues.stop();
      online.offline(clock.nowMs());
    },
  };
}
