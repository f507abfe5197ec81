/**
 * The OCPP 1.6J uplink, assembled: link, registration (boot + heartbeat), outbox sender, status and meter-value
 * reporting, inbound handlers and the authorizer. `src/wiring/station.ts` creates one with {@link createOcppClient}.
 */
import type { Clock } from '../clock.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import type { KeyValueStore, OutboxKind, OutboxStore, SampleRow } from '../journal/ports.js';
import type { Logger } from '../logger.js';
import { Authorizer, asIdTagInfo } from './authorizer.js';
import type { ChargePointPort } from './charge-point-port.js';
import type { OcppConfig } from './config.js';
import { ConfigurationKeys } from './config-keys.js';
import { forwardStationKeys } from './station-keys.js';
import type { OcppConnection } from './connection.js';
import { inboundHandlers } from './inbound.js';
import { MeterValueScheduler } from './meter-values.js';
import { CsmsSupport } from './csms-support.js';
import { OutboxSender } from './outbox-sender.js';
import { Registration, type BootIdentity } from './registration.js';
import type { DataTransferRoute } from './data-transfer.js';
import { FirmwareManager } from './firmware.js';
import { Reservations } from './reservations.js';
import { SecurityEvents } from './security-events.js';
import { SmartCharging } from './smart-charging/smart-charging.js';
import { TransactionAnswers } from './transaction-answers.js';
import { StatusReporter } from './status-reporter.js';
import { transactionData } from './transaction-data.js';
import { createUplinkConnection, usesBasicAuth } from './uplink-connection.js';
import { AcceptedBootReport, recordConnectFailures } from './uplink-lifecycle.js';
import { DeadLetterTally, sharedSenderOptions, uplinkStatus, type UplinkOutboxOptions, type UplinkStatus } from './uplink-outbox.js';

export type { UplinkStatus } from './uplink-outbox.js';

/** Identity facts of the station (config `station`). */
export interface StationIdentity {
  readonly id: string;
  readonly vendor: string;
  readonly model: string;
  readonly serialNumber: string;
  readonly firmwareVersion: string;
}

export interface OcppClientOptions extends UplinkOutboxOptions {
  /** The `ocpp` config section; `url` must be set. */
  readonly config: OcppConfig;
  readonly station: StationIdentity;
  readonly port: ChargePointPort;
  readonly outbox: OutboxStore;
  readonly kv: KeyValueStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** config `control.freeVend`. */
  readonly freeVend?: boolean;
  /** The CSMS's wall time (BootNotification / Heartbeat): the station trusts its clock from then on. */
  readonly onCsmsTime?: (csmsNowMs: number) => void;
  /** Jitter source (tests pin it). */
  readonly random?: () => number;
  /** Meter-value scheduler and smart-charging tick, ms (default 1000). */
  readonly meterTickMs?: number;
  /**
   * The id tag a local session started with (the journal's session row; null for free vend or an unknown session):
   * a StartTransaction.conf updates the authorization cache for that tag, whichever session is running when it comes.
   */
  readonly sessionIdTag?: (sessionId: number) => Promise<string | null>;
  /** The journal's samples of a session (JournalReader.samples), for StopTransaction's transactionData. */
  readonly sessionSamples?: (sessionId: number) => Promise<readonly SampleRow[]>;
  /** Routes vendor DataTransfers (California Pricing → src/billing parseCostMsg + display); absent: UnknownVendorId. */
  readonly dataTransfer?: DataTransferRoute;
  /** Extra content of a GetDiagnostics bundle (recent logs, a journal export …). */
  readonly diagnostics?: () => Promise<Record<string, unknown>>;
  /** Electrical facts for W → A and the composite schedule (config `station.phases`, `station.nominalVoltageV`, the smallest of `limits`). */
  readonly electrical?: { readonly phases: number; readonly nominalVoltageV: number; readonly maxCurrentA: number };
}

export interface OcppClient {
  readonly authorizer: Authorizer;
  readonly keys: ConfigurationKeys;
  readonly connection: OcppConnection;
  readonly registration: Registration;
  readonly sender: OutboxSender;
  readonly smartCharging: SmartCharging;
  readonly reservations: Reservations;
  readonly securityEvents: SecurityEvents;
  readonly firmware: FirmwareManager;
  /** Connects (retrying forever) and starts every loop. */
  start(): void;
  /** Closes the link and stops every loop (the call in flight settles first). */
  stop(): Promise<void>;
  status(): Promise<UplinkStatus>;
  /** Call after the journal appended an outbox row, so it leaves without waiting for the idle poll. */
  outboxChanged(): void;
  /** True when this CSMS answered NotImplemented/NotSupported to an optional kind (it is then not sent to it). */
  isUnsupported(kind: OutboxKind): boolean;
}

/** Loads the configuration keys from the journal and wires the uplink. Does not connect until `start()`. */
export async function createOcppClient(options: OcppClientOptions): Promise<OcppClient> {
  const { config, station, port, outbox, kv, clock, logger } = options;
  if (config.url === null) throw new EvseError(EvseErrorCode.ConfigInvalid, 'ocpp.url: no CSMS URL configured');
  const log = logger.child({ module: 'ocpp' });
  // The profile in force is the one the config file sets up (URL scheme, certificates); the key reports it.
  const keys = await ConfigurationKeys.load(kv, config.initialKeys, { SecurityProfile: String(config.securityProfile) });
  const identity = config.chargePointId ?? station.id;
  const profile = config.securityProfile;
  const connection = createUplinkConnection({
    config,
    url: config.url,
    identity,
    storedPassword: keys.get('AuthorizationKey'),
    callTimeoutMs: config.callTimeoutS * 1000,
    pingIntervalMs: keys.int('WebSocketPingInterval') * 1000,
    clock,
    logger: log,
    ...(options.random ? { random: options.random } : {}),
  });

  const boot: BootIdentity = {
    chargePointVendor: station.vendor,
    chargePointModel: station.model,
    chargePointSerialNumber: station.serialNumber,
    chargeBoxSerialNumber: station.serialNumber,
    firmwareVersion: station.firmwareVersion,
  };
  const registration = new Registration({ connection, keys, clock, logger: log, boot, ...(options.onCsmsTime ? { onCsmsTime: options.onCsmsTime } : {}) });
  const reservations = new Reservations({ kv, port, clock, logger: log, ...(options.meterTickMs ? { tickMs: options.meterTickMs } : {}) });
  await reservations.load();
  const authorizer = new Authorizer({ link: connection, keys, store: kv, clock, logger: log, freeVend: options.freeVend ?? false, reservations });

  // AuthorizationCacheEnabled=false left a cache on disk (set while the station was off): emptied now. Not fatal: the
  // cache is not read while disabled.
  await authorizer.applyCacheSetting().catch((err: unknown) => log.warn({ error: (err as Error).message }, 'could not clear the authorization cache'));
  const deadLetters = new DeadLetterTally(options.onDeadLetter);
  let maxEnergyWatch: { sessionId: number; limitWh: number } | null = null;
  // A StopTransaction.conf's idTagInfo is about the card that stopped (the idTag of that request, from the journal).
  const transactionAnswers = new TransactionAnswers((idTag, info) => {
    authorizer.remember(idTag, info).catch((err: unknown) => log.warn({ error: (err as Error).message }, 'could not update the authorization cache'));
  });
  // A StartTransaction.conf may answer a backlog session long over: the cache learns about that session's tag, with
  // the whole idTagInfo of that answer (never the running session's tag with an older session's status).
  const rememberStartAnswer = async (sessionId: number, transactionId: number, idTagStatus: string): Promise<void> => {
    const info = transactionAnswers.take(transactionId) ?? asIdTagInfo({ status: idTagStatus });
    if (info === null) return;
    const active = port.activeSession();
    const idTag = options.sessionIdTag
      ? await options.sessionIdTag(sessionId)
      : active?.sessionId === sessionId
        ? active.idTag
        : null;
    if (idTag) await authorizer.remember(idTag, info);
  };
  // What this CSMS said it does not implement, kept in the journal: another URL or identity starts afresh.
  const csmsSupport = await CsmsSupport.load(kv, `${config.url}/${identity}`, log);
  const sender = new OutboxSender({
    store: outbox,
    csmsSupport,
    ...sharedSenderOptions(options, deadLetters, registration),
    link: transactionAnswers.wrap(connection),
    policy: { attempts: () => keys.int('TransactionMessageAttempts'), retryIntervalS: () => keys.int('TransactionMessageRetryInterval') },
    clock,
    logger: log,
    onStartAnswered: (sessionId, transactionId, idTagStatus) => {
      rememberStartAnswer(sessionId, transactionId, idTagStatus).catch((err: unknown) =>
        log.warn({ sessionId, error: (err as Error).message }, 'could not update the authorization cache'),
      );
      const session = port.activeSession();
      if (idTagStatus === 'Accepted' || session?.sessionId !== sessionId) return;
      if (keys.bool('StopTransactionOnInvalidId')) {
        log.warn({ sessionId, idTagStatus }, 'StartTransaction not accepted: stopping (StopTransactionOnInvalidId)');
        port.stopSession('DeAuthorized');
      } else if (keys.int('MaxEnergyOnInvalidId') > 0) {
        maxEnergyWatch = { sessionId, limitWh: session.meterStartWh + keys.int('MaxEnergyOnInvalidId') };
      }
    },
    completeParams: async (message, params) => {
      // A free-vend session is journaled without an id tag (the fact: no card); OCPP requires one on the wire.
      if (message.kind === 'StartTransaction' && params['idTag'] === null) params = { ...params, idTag: config.freeVendIdTag };
      if (message.kind === 'StopTransaction' && params['idTag'] === null) {
        const { idTag: _none, ...rest } = params;
        params = rest;
      }
      const samplesOf = options.sessionSamples;
      if (message.kind !== 'StopTransaction' || message.sessionId === null || !samplesOf || params['transactionData'] !== undefined) return params;
      const data = transactionData(await samplesOf(message.sessionId), {
        sampledMeasurands: keys.measurands('StopTxnSampledData'),
        alignedMeasurands: keys.measurands('StopTxnAlignedData'),
        sampleIntervalS: keys.int('MeterValueSampleInterval'),
        alignedIntervalS: keys.int('ClockAlignedDataInterval'),
      });
      return data ? { ...params, transactionData: data } : params;
    },
  });
  const kick = (): void => sender.kick();
  const unsupported = (kind: Parameters<CsmsSupport['isUnsupported']>[0]): boolean => csmsSupport.isUnsupported(kind);
  const securityEvents = new SecurityEvents({ outbox, logger: log, nowMs: () => clock.nowMs(), onEnqueued: kick, unsupported });
  const statusReporter = new StatusReporter({
    port,
    outbox,
    clock,
    logger: log,
    minimumStatusDurationS: () => keys.int('MinimumStatusDuration'),
    onEnqueued: kick,
    unsupported,
  });
  const electrical = options.electrical ?? { phases: 3, nominalVoltageV: 230, maxCurrentA: 32 };
  const meterValues = new MeterValueScheduler({
    port,
    outbox,
    keys,
    clock,
    logger: log,
    onEnqueued: kick,
    electrical,
    ...(options.meterTickMs ? { tickMs: options.meterTickMs } : {}),
  });

  const smartCharging = new SmartCharging({
    kv,
    keys,
    port,
    outbox,
    clock,
    logger: log,
    phases: electrical.phases,
    nominalVoltageV: electrical.nominalVoltageV,
    stationMaxA: electrical.maxCurrentA,
    ...(options.meterTickMs ? { tickMs: options.meterTickMs } : {}),
  });
  await smartCharging.load();

  const sendNow = async (method: string, params: Record<string, unknown>): Promise<void> => {
    await connection.call(method, params);
  };
  const firmware = new FirmwareManager({
    stateDir: config.stateDir,
    installCommand: config.firmwareInstallCommand,
    maxBytes: config.firmwareMaxBytes,
    clock,
    logger: log,
    identity,
    // Through the outbox (optional lane): a job that ends while offline still reports its status after reconnect.
    notify: async (method, status) => {
      await outbox.enqueue(method, null, { status });
      kick();
    },
    diagnostics: async () => ({
      configuration: keys.getConfiguration().configurationKey,
      uplink: { connected: connection.isOpen(), registration: registration.status(), lastAnswerAtMs: connection.lastAnswerAtMs(), outboxDepth: await outbox.depth(), deadLetters: deadLetters.total() },
      station: { ...station },
      ...(options.diagnostics ? await options.diagnostics() : {}),
    }),
  });
  for (const [method, handler] of Object.entries(inboundHandlers({ port, keys, kv, outbox, authorizer, registration, statusReporter, meterValues, smartCharging, reservations, securityEvents, firmware, clock, logger: log, sendNow, ...(options.dataTransfer ? { dataTransfer: options.dataTransfer } : {}), kickOutbox: kick }))) {
    connection.handle(method, handler);
  }

  const unsubscribers: (() => void)[] = [];
  const acceptedBootReport = new AcceptedBootReport(() => statusReporter.reportAll(), kick);
  return {
    authorizer,
    keys,
    connection,
    registration,
    sender,
    smartCharging,
    reservations,
    securityEvents,
    firmware,
    start() {
      void securityEvents.record('StartupOfTheDevice');
      unsubscribers.push(
        connection.onOpen(() => {
          securityEvents.connected();
          kick();
        }),
        recordConnectFailures(connection, securityEvents),
        acceptedBootReport.follow(registration),
        forwardStationKeys(keys, port),
        keys.onChange((name, value) => {
          if (name === 'WebSocketPingInterval') connection.setPingIntervalMs(Number(value) * 1000);
          if (name === 'AuthorizationKey' || name === 'SecurityProfile') void securityEvents.record('ReconfigurationOfSecurityParameters', `${name} changed`);
          if (name === 'AuthorizationKey' && usesBasicAuth(profile)) connection.setPassword(value);
          if (name === 'AuthorizationCacheEnabled') {
            authorizer.applyCacheSetting().catch((err: unknown) => log.warn({ error: (err as Error).message }, 'could not clear the authorization cache'));
          }
        }),
        port.onSample((sample) => {
          const watch = maxEnergyWatch;
          if (!watch) return;
          if (port.activeSession()?.sessionId !== watch.sessionId) maxEnergyWatch = null;
          else if (sample.importWh >= watch.limitWh) {
            maxEnergyWatch = null;
            port.stopSession('DeAuthorized');
          }
        }),
      );
      registration.start();
      statusReporter.start();
      meterValues.start();
      smartCharging.start();
      reservations.start();
      sender.start();
      connection.start();
    },
    async stop() {
      for (const u of unsubscribers.splice(0)) u();
      meterValues.stop();
      smartCharging.stop();
      reservations.stop();
      statusReporter.stop();
      registration.stop();
      await connection.stop();
      await sender.stop();
    },
    status: () => uplinkStatus(connection, registration, outbox, deadLetters),
    outboxChanged: kick,
    isUnsupported: unsupported,
  };
}
