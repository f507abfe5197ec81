/**
 * The OCPP 2.0.1 uplink, assembled on the shared pieces (link, back-off, outbox sender, clock trust, security
 * profiles, security events): registration (B01–B04), StatusNotification, the device model (B05–B07), Reset
 * (B11–B12), ChangeAvailability (G03–G04) and CA certificates (M03–M05). Other use cases plug in through `handle(action, fn)` (a CSMS call) and
 * `call(action, payload)` / the outbox (a station call); see src/ocpp/README.md "OCPP 2.0.1".
 */
import { join } from 'node:path';
import type { Clock } from '../../clock.js';
import { EvseError, EvseErrorCode } from '../../errors.js';
import type { JournalReader, KeyValueStore, OutboxKind, OutboxStore } from '../../journal/ports.js';
import type { ForgottenIdTag } from '../../journal/types.js';
import type { Logger } from '../../logger.js';
import type { ChargePointPort } from '../charge-point-port.js';
import type { StationIdentity, UplinkStatus } from '../client.js';
import type { OcppConfig } from '../config.js';
import type { OcppConnection, InboundHandler } from '../connection.js';
import { CsmsSupport } from '../csms-support.js';
import { OutboxSender, type DeadLetter, type StoreFailure, type StoreRecovery, type StoreRetry } from '../outbox-sender.js';
import { createUplinkConnection, usesBasicAuth } from '../uplink-connection.js';
import { AcceptedBootReport, recordConnectFailures } from '../uplink-lifecycle.js';
import { DeadLetterTally, sharedSenderOptions, uplinkStatus } from '../uplink-outbox.js';
import { SecurityEvents, type SecurityEventType } from '../security-events.js';
import { availabilityHandler } from './availability.js';
import { certificateHandlers } from './certificate-handlers.js';
import { CertificateStore } from './certificates.js';
import { takeBootReason, type BootReason } from './boot-reason.js';
import { DeviceModel } from './device-model/device-model.js';
import type { LogWindow } from './logs.js';
import { MAINTENANCE_KINDS, maintenanceHandlers } from './maintenance.js';
import { deviceModelHandlers } from './device-model/handlers.js';
import { stationComponents } from './device-model/station-components.js';
import { createEvents201 } from './events/events.js';
import type { FaultEvents201 } from './events/fault-events.js';
import { notifyEventLink, type NotifyEvents201 } from './events/notify-events.js';
import { deliverableLink, deliverableOutbox, securityEventOutbox201 } from './outbox-view.js';
import { Registration201 } from './registration.js';
import { resetHandler } from './reset.js';
import type { StopDecision } from './authorization/authorizer.js';
import { smartChargingHandlers } from './smart-charging/handlers.js';
import { SmartCharging201 } from './smart-charging/smart-charging.js';
import { StatusNotifications201 } from './status-notifications.js';
import { createTransactions201, type Transactions201 } from './transactions/transactions.js';
import type { AnsweredEvent, TransactionEventAnswer } from './transactions/wire.js';

export interface Ocpp201ClientOptions {
  /** The `ocpp` config section (`version` "2.0.1"); `url` must be set. */
  readonly config: OcppConfig;
  readonly station: StationIdentity;
  readonly port: ChargePointPort;
  readonly outbox: OutboxStore;
  readonly kv: KeyValueStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The CSMS's wall time (BootNotification / Heartbeat): the station trusts its clock from then on. */
  readonly onCsmsTime?: (csmsNowMs: number) => void;
  readonly onDeadLetter?: (dead: DeadLetter) => void;
  readonly onOutboxStoreError?: (failure: StoreFailure) => void;
  readonly onOutboxStoreRecovered?: (recovery: StoreRecovery) => void;
  readonly outboxStoreRetry?: StoreRetry;
  /** Jitter source (tests pin it). */
  readonly random?: () => number;
  /** Outbox idle poll, ms (default 1000). */
  readonly outboxPollMs?: number;
  /** Electrical facts (config `station.phases`, `station.nominalVoltageV`, the smallest of `limits`). */
  readonly electrical?: { readonly phases: number; readonly nominalVoltageV: number; readonly maxCurrentA: number };
  /** The BootNotification reason of this start; default: the one noted in the journal before a restart, else PowerUp. */
  readonly bootReason?: BootReason;
  /** The CSMS's cost of a session (TransactionEvent totalCost + updatedPersonalMessage, CostUpdated): the driver's display. */
  readonly onCost?: (sessionId: number, totalCost: number, priceText?: string) => void;
  /** A TransactionEvent was answered (everything the CSMS said). */
  readonly onTransactionAnswer?: (sessionId: number, event: AnsweredEvent, answer: TransactionEventAnswer) => void;
  /** Meter-value tick of the transaction module, ms (tests; default 1000). */
  readonly meterTickMs?: number;
  /** The journal's sessions, for CustomerInformation's report (N09); absent: none reported. */
  readonly journalReader?: Pick<JournalReader, 'sessions'>;
  /** N10 CustomerInformation clear: the token replaced by a pseudonym in the journal; absent: nothing masked. */
  readonly forgetIdTag?: (idTag: string) => Promise<ForgottenIdTag>;
  /** What a GetLog DiagnosticsLog bundle holds besides the uplink's own facts, for the window asked (N01). */
  readonly diagnostics?: (window: LogWindow) => Promise<Record<string, unknown>>;
}

/** A handler of a CSMS-initiated call: validated params in (strict mode), the CALLRESULT payload out, or an RPC error thrown. */
export type Handler201 = InboundHandler;

export interface Ocpp201Client {
  readonly version: '2.0.1';
  readonly connection: OcppConnection;
  readonly registration: Registration201;
  readonly deviceModel: DeviceModel;
  readonly sender: OutboxSender;
  readonly securityEvents: SecurityEvents;
  readonly statusNotifications: StatusNotifications201;
  /** NotifyEvent through the outbox (events/notify-events.ts): operator alerts go out through it. */
  readonly notifyEvents: NotifyEvents201;
  /** The station's faults as NotifyEvents and device-model variables: tell it each fault raised and cleared. */
  readonly faults: FaultEvents201;
  /** Transactions (E, F, J use cases): see src/ocpp/v201/transactions/. */
  readonly transactions: Transactions201;
  /** Smart charging (K01, K08–K10) on the 1.6 schedule engine: see src/ocpp/v201/smart-charging/. */
  readonly smartCharging: SmartCharging201;
  /** Installs the handler of a CSMS-initiated action (replacing any before it; live on the open link at once). */
  handle(action: string, handler: Handler201): void;
  /** Actions with a handler, for tests and the README's table. */
  handledActions(): string[];
  /**
   * Sends a station-initiated call now and resolves with the CSMS's answer (validated). Rejects at once when the link
   * is down, and with the RPC error of a CALLERROR. For messages that must survive being offline use the outbox.
   */
  call<T = Record<string, unknown>>(action: string, payload: Record<string, unknown>): Promise<T>;
  /**
   * The outbox sender delivers rows of `kind` (StatusNotification, SecurityEventNotification, NotifyEvent and the job
   * statuses and report parts of N01/N09/L01/K09 already). Call it when
   * assembling, before any row of that kind is queued: until then a transaction-lane row of it waits, and an
   * optional-lane row of it is refused towards a dead letter.
   */
  deliverOutboxKind(kind: OutboxKind): void;
  /** True when this CSMS answered NotImplemented/NotSupported to `kind` (remembered in the journal). */
  isUnsupported(kind: OutboxKind): boolean;
  /**
   * Online authorization of an id token (ISO14443) with Authorize, mapped onto the station's statuses: the
   * placeholder until C01 (cache, local list, offline rules, GroupId) replaces it. Offline: Invalid.
   */
  authorize(idTag: string): Promise<{ readonly status: 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx' }>;
  /** C09 / C16: what a card tapped during a transaction does to it (`Authorizer201.stopDecision`). */
  stopDecision(idTag: string, startedBy: string | null): Promise<StopDecision>;
  start(): void;
  stop(): Promise<void>;
  status(): Promise<UplinkStatus>;
  /** Call after the journal appended an outbox row, so it leaves without waiting for the idle poll. */
  outboxChanged(): void;
}

/** Loads the device model from the journal and wires the 2.0.1 uplink. Does not connect until `start()`. */
export async function createOcpp201Client(options: Ocpp201ClientOptions): Promise<Ocpp201Client> {
  const { config, station, port, outbox, kv, clock, logger } = options;
  if (config.url === null) throw new EvseError(EvseErrorCode.ConfigInvalid, 'ocpp.url: no CSMS URL configured');
  const log = logger.child({ module: 'ocpp201' });
  const identity = config.chargePointId ?? station.id;
  const profile = config.securityProfile;
  const electrical = options.electrical ?? { phases: 3, nominalVoltageV: 230, maxCurrentA: 32 };
  // Faults and alerts as NotifyEvent; made first: the device model's fault variables read the active faults.
  const events = createEvents201({ outbox, kv, logger: log, port, kick: () => sender.kick(), unsupported: (kind) => csmsSupport.isUnsupported(kind) });
  await events.faults.load();
  const deviceModel = await DeviceModel.load(
    kv,
    stationComponents({
      port,
      identity,
      vendorName: station.vendor,
      model: station.model,
      securityProfile: profile,
      phases: electrical.phases,
      maxPowerW: electrical.phases * electrical.nominalVoltageV * electrical.maxCurrentA,
      nowMs: () => clock.nowMs(),
      faultSet: (component, variable) => events.faults.isSet(component, variable),
    }),
    // The config's call timeout is MessageTimeout's default; initialKeys (Component/Variable) seed the rest.
    { 'OCPPCommCtrlr/MessageTimeout[Default]': String(Math.max(1, Math.round(config.callTimeoutS))), ...config.initialKeys },
    log,
  );
  // M05: CSMS roots the CSMS installed are trusted beside ocpp.caFile (read once, at start).
  const certificates = config.stateDir === null ? null : new CertificateStore(join(config.stateDir, 'certificates'), () => clock.nowMs());
  const installedCsmsRoots = profile >= 2 && certificates ? (await certificates.list(['CSMSRootCertificate'])).map((c) => c.pem) : [];

  const connection = createUplinkConnection({
    config,
    url: config.url,
    identity,
    storedPassword: deviceModel.get('SecurityCtrlr', 'BasicAuthPassword'),
    extraCaPems: installedCsmsRoots,
    protocol: 'ocpp2.0.1',
    callTimeoutMs: deviceModel.int('OCPPCommCtrlr', 'MessageTimeout[Default]') * 1000,
    pingIntervalMs: deviceModel.int('OCPPCommCtrlr', 'WebSocketPingInterval') * 1000,
    clock,
    logger: log,
    ...(options.random ? { random: options.random } : {}),
  });

  const registration = new Registration201({
    connection,
    deviceModel,
    clock,
    logger: log,
    station: {
      vendorName: station.vendor.slice(0, 50),
      model: station.model.slice(0, 20),
      serialNumber: station.serialNumber.slice(0, 25),
      firmwareVersion: station.firmwareVersion.slice(0, 50),
    },
    reason: options.bootReason ?? (await takeBootReason(kv)),
    ...(options.onCsmsTime ? { onCsmsTime: options.onCsmsTime } : {}),
  });

  const deadLetters = new DeadLetterTally(options.onDeadLetter);
  // Job statuses and report parts (N01, N09, L01, K09) leave through the outbox too, so an outage does not lose them.
  const deliverable = new Set<OutboxKind>(['StatusNotification', 'SecurityEventNotification', 'NotifyEvent', ...MAINTENANCE_KINDS, 'ReportChargingProfiles']);
  // What this CSMS said it does not implement, kept apart from what the same URL said over 1.6.
  const csmsSupport = await CsmsSupport.load(kv, `${config.url}/${identity}#ocpp2.0.1`, log);
  const sender = new OutboxSender({
    store: deliverableOutbox(outbox, deliverable),
    csmsSupport,
    link: deliverableLink(
      notifyEventLink(connection, {
        clock,
        logger: log,
        transactionIdOf: (sessionId) => transactions.wire.transactionIdOf(sessionId),
        remember: (kind, code) => csmsSupport.remember(kind, code),
      }),
      deliverable,
    ),
    // MessageAttempts / MessageAttemptInterval of TransactionEvent govern every retried outbox message.
    policy: {
      attempts: () => deviceModel.int('OCPPCommCtrlr', 'MessageAttempts[TransactionEvent]'),
      retryIntervalS: () => deviceModel.int('OCPPCommCtrlr', 'MessageAttemptInterval[TransactionEvent]'),
    },
    clock,
    logger: log,
    ...sharedSenderOptions(options, deadLetters, registration),
  });
  const kick = (): void => sender.kick();
  const securityEvents = new SecurityEvents({
    outbox: securityEventOutbox201(outbox),
    logger: log,
    nowMs: () => clock.nowMs(),
    onEnqueued: kick,
    unsupported: (kind) => csmsSupport.isUnsupported(kind),
  });
  const statusNotifications = new StatusNotifications201({ port, outbox, clock, logger: log, onEnqueued: kick });

  const handled = new Set<string>();
  const handle = (action: string, handler: Handler201): void => {
    handled.add(action);
    connection.handle(action, handler);
  };
  const call = <T = Record<string, unknown>>(action: string, payload: Record<string, unknown>): Promise<T> => connection.call<T>(action, payload);
  /** A station message that must survive an outage: journaled in the outbox's optional lane, then the sender woken. */
  const queue = async (kind: OutboxKind, payload: Record<string, unknown>): Promise<void> => {
    await outbox.enqueue(kind, null, payload);
    kick();
  };
  const reset = resetHandler({ port, kv, clock, logger: log, securityEvent: (type, techInfo) => securityEvents.record(type as SecurityEventType, techInfo) });
  const handlerTables = [
    deviceModelHandlers({ deviceModel, clock, logger: log, call }),
    reset.handlers,
    availabilityHandler(port),
    // Without a state directory there is nowhere to keep certificates: those actions stay NotImplemented.
    ...(certificates
      ? [
          certificateHandlers({
            store: certificates,
            securityProfile: profile,
            hasConfiguredCa: config.caFile !== null,
            logger: log,
            securityEvent: (type, techInfo) => securityEvents.record(type as SecurityEventType, techInfo),
          }),
        ]
      : []),
  ];
  for (const table of handlerTables) for (const [action, handler] of Object.entries(table)) handle(action, handler);
  const transactions = await createTransactions201({
    port,
    outbox,
    kv,
    clock,
    logger: log,
    deviceModel,
    sender,
    connection,
    registration,
    reportStatus: () => statusNotifications.reportAll(),
    deliverOutboxKind: (kind) => {
      deliverable.add(kind);
      kick();
    },
    call,
    electrical,
    // F01: a remote start's TxProfile goes to the smart charging made just below (only called once both exist).
    remoteStartProfile: {
      refusal: (profile) => smartCharging.remoteStartRefusal(profile),
      expect: (idTag, profile) => smartCharging.expectRemoteStart(idTag, profile),
    },
    ...(options.meterTickMs !== undefined ? { tickMs: options.meterTickMs } : {}),
    ...(options.onTransactionAnswer ? { onTransactionAnswer: options.onTransactionAnswer } : {}),
    ...(options.onCost ? { onCost: options.onCost } : {}),
  });
  for (const [action, handler] of Object.entries(transactions.handlers)) handle(action, handler);
  const smartCharging = new SmartCharging201({
    kv,
    port,
    clock,
    logger: log,
    phases: electrical.phases,
    nominalVoltageV: electrical.nominalVoltageV,
    stationMaxA: electrical.maxCurrentA,
    transactionIdOf: (sessionId) => transactions.wire.transactionIdOf(sessionId),
    remoteStartWindowMs: () => Math.max(60, deviceModel.int('TxCtrlr', 'EVConnectionTimeOut')) * 1000,
  });
  await smartCharging.load();
  for (const [action, handler] of Object.entries(smartChargingHandlers({ smartCharging, clock, logger: log, queue }))) handle(action, handler);
  // N01 GetLog, N09/N10 CustomerInformation, L01 UpdateFirmware; TriggerMessage gains their status notifications.
  const maintenance = maintenanceHandlers({
    identity,
    kv,
    clock,
    logger: log,
    call,
    queue,
    ...(options.forgetIdTag ? { forgetIdTag: options.forgetIdTag } : {}),
    diagnostics: async (window) => ({ uplink: { connected: connection.isOpen(), registration: registration.status(), outboxDepth: await outbox.depth(), deadLetters: deadLetters.total() }, ...(await options.diagnostics?.(window)) }),
    ...(options.journalReader ? { sessions: options.journalReader } : {}),
    ...(transactions.handlers['TriggerMessage'] ? { triggerMessage: transactions.handlers['TriggerMessage'] } : {}),
    ...(certificates
      ? {
          firmware: {
            stateDir: config.stateDir,
            maxBytes: config.firmwareMaxBytes,
            installCommand: config.firmwareInstallCommand,
            manufacturerRoots: async () => (await certificates.list(['ManufacturerRootCertificate'])).map((c) => c.certificate),
            sessionRunning: () => port.activeSession() !== null,
            securityEvent: (type, techInfo) => void securityEvents.record(type as SecurityEventType, techInfo),
          },
        }
      : {}),
  });
  for (const [action, handler] of Object.entries(maintenance.handlers)) handle(action, handler);

  // Settings the control core applies itself: given at start and on every change.
  const applyStationSettings = (): void => {
    port.setConnectionTimeoutS?.(deviceModel.int('TxCtrlr', 'EVConnectionTimeOut'));
    port.setUnlockOnEvSideDisconnect?.(deviceModel.bool('OCPPCommCtrlr', 'UnlockOnEVSideDisconnect'));
    port.setStopOnEvSideDisconnect?.(deviceModel.bool('TxCtrlr', 'StopTxOnEVSideDisconnect'));
  };

  /** Resolves once the boot is Accepted, or after `ms`. */
  const acceptedWithin = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = clock.setTimeout(() => {
        off();
        resolve();
      }, ms);
      const off = registration.onAccepted(() => {
        clock.clearTimeout(timer);
        off();
        resolve();
      });
    });

  const unsubscribers: (() => void)[] = [];
  const acceptedBootReport = new AcceptedBootReport(() => statusNotifications.reportAll(), kick);
  /** Monotonic time the link last closed, or null while it is open (B04: how long the station was offline). */
  let offlineSinceMono: number | null = null;
  return {
    version: '2.0.1',
    connection,
    registration,
    deviceModel,
    sender,
    securityEvents,
    statusNotifications,
    notifyEvents: events.notifyEvents,
    faults: events.faults,
    transactions,
    smartCharging,
    handle,
    handledActions: () => [...handled].sort(),
    call,
    deliverOutboxKind: (kind) => {
      deliverable.add(kind);
      kick();
    },
    isUnsupported: (kind) => csmsSupport.isUnsupported(kind),
    async authorize(idTag) {
      // A tap in the moments after start waits for the boot's answer (nothing but the boot may leave before it).
      if (!registration.isAccepted()) await acceptedWithin(deviceModel.int('OCPPCommCtrlr', 'MessageTimeout[Default]') * 1000);
      // C01 (cache, offline rules), C16 master pass: src/ocpp/v201/authorization/authorizer.ts.
      return { status: (await transactions.authorizer.authorize(idTag)).status };
    },
    stopDecision: (idTag, startedBy) => transactions.authorizer.stopDecision(idTag, startedBy),
    start() {
      void securityEvents.record('StartupOfTheDevice');
      applyStationSettings();
      unsubscribers.push(
        connection.onOpen(() => {
          securityEvents.connected();
          // B04: back after more than OfflineThreshold, the connector's status is reported again whether or not it
          // changed (a shorter outage: only the changes queued meanwhile). Before the first Accepted boot, that
          // boot's full report covers it.
          const offlineMs = offlineSinceMono === null ? 0 : clock.monotonicMs() - offlineSinceMono;
          offlineSinceMono = null;
          if (acceptedBootReport.reported() && offlineMs > deviceModel.int('OCPPCommCtrlr', 'OfflineThreshold') * 1000) void statusNotifications.reportAll();
          kick();
        }),
        connection.onClose(() => {
          offlineSinceMono ??= clock.monotonicMs();
        }),
        recordConnectFailures(connection, securityEvents),
        acceptedBootReport.follow(registration),
        deviceModel.onChange((component, variable, value) => {
          const name = `${component.name}/${variable.name}`;
          if (name === 'OCPPCommCtrlr/WebSocketPingInterval') connection.setPingIntervalMs(Number(value) * 1000);
          if (['TxCtrlr/EVConnectionTimeOut', 'OCPPCommCtrlr/UnlockOnEVSideDisconnect', 'TxCtrlr/StopTxOnEVSideDisconnect'].includes(name)) applyStationSettings();
          if (name === 'SecurityCtrlr/BasicAuthPassword') {
            void securityEvents.record('ReconfigurationOfSecurityParameters', 'BasicAuthPassword changed');
            // A01: reconnect with the new password (after this answer left; profile 0 and 3 send no password).
            if (usesBasicAuth(profile)) clock.setTimeout(() => connection.setPassword(value), 20);
          }
        }),
      );
      registration.start();
      statusNotifications.start();
      transactions.start();
      smartCharging.start();
      sender.start();
      connection.start();
    },
    async stop() {
      for (const u of unsubscribers.splice(0)) u();
      reset.cancelScheduled();
      maintenance.stop();
      statusNotifications.stop();
      transactions.stop();
      smartCharging.stop();
      registration.stop();
      await connection.stop();
      await sender.stop();
    },
    status: () => uplinkStatus(connection, registration, outbox, deadLetters),
    outboxChanged: kick,
  };
}
