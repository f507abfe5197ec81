import { dirname } from 'node:path';
import { connectorUnpluggedMessageId, costMsgVendorId, parseDefaultPrice, type DefaultPrice } from '../billing/costmsg.js';
import { chargePointAdapter } from './charge-point-adapter.js';
import { californiaPricingRoute } from './california-pricing-route.js';
import { StationClock, type Clock } from '../clock.js';
import type { StationConfig } from '../config/schema.js';
import type { Journal } from '../journal/journal.js';
import type { Logger } from '../logger.js';
import { createOcppClient, type OcppClient } from '../ocpp/client.js';
import { createOcpp201Client, type Ocpp201Client } from '../ocpp/v201/client.js';
import { overlapsLogWindow } from '../ocpp/v201/logs.js';
import { faultDefinition } from '../control/faults.js';
import { outboxAlerts } from './outbox-alerts.js';
import type { Authorizer, Station, StopAuthorizer } from './station.js';

export interface UplinkDeps {
  readonly station: Station;
  readonly journal: Journal;
  readonly config: StationConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** OCPP Reset: the caller stops the station (sessions end with SoftReset/HardReset) and restarts the process. */
  readonly onReset: (kind: 'Soft' | 'Hard') => Promise<void>;
}

/** The uplink of either OCPP version, as the station's wiring (run, sim, status page) uses it. */
export type StationUplink = OcppClient | Ocpp201Client;

/** True for the 2.0.1 uplink. */
export function isOcpp201(uplink: StationUplink): uplink is Ocpp201Client {
  return (uplink as Partial<Ocpp201Client>).version === '2.0.1';
}

/** The uplink of the version the config names (`ocpp.version`, default 1.6). Call `start()` on the result. */
export async function createStationUplink(deps: UplinkDeps): Promise<StationUplink> {
  return deps.config.ocpp.version === '2.0.1' ? createUplink201(deps) : createUplink(deps);
}

/**
 * The CSMS's time (BootNotification, Heartbeat) sets the station clock, and the journal corrects the records made
 * before it was trusted (both versions).
 */
function csmsTimeSetter(journal: Journal, clock: Clock, logger: Logger): (csmsNowMs: number) => void {
  return (csmsNowMs) => {
    if (!(clock instanceof StationClock)) return;
    const correction = clock.setFromCsms(csmsNowMs);
    if (correction === null) return;
    // Posted at once: the journal worker runs requests in order, so the sender's next outbox read sees the
    // corrected timestamps and no untrusted time goes on the wire.
    journal.correctClock(correction.correctionMs, correction.sinceMs).then(
      (changed) => logger.info({ correctionMs: correction.correctionMs, ...changed }, 'clock set from the CSMS; earlier records corrected'),
      (err: unknown) => logger.error({ err: (err as Error).message }, 'could not correct the records of the untrusted clock'),
    );
  };
}

/** The station's electrical facts for the uplink (W ↔ A, the EVSE's maximum power). */
function electricalOf(config: StationConfig): { phases: number; nominalVoltageV: number; maxCurrentA: number } {
  return {
    phases: config.station.phases,
    nominalVoltageV: config.station.nominalVoltageV,
    maxCurrentA: Math.min(config.limits.hardwareMaxA, config.limits.cableMaxA, config.limits.configuredMaxA),
  };
}

/** What both versions' clients take from the station alike: the config, the port, the journal (outbox, settings). */
function sharedClientOptions(deps: UplinkDeps) {
  const { station, journal, config, clock, logger } = deps;
  return {
    // Firmware downloads go to the station's state directory unless the config names another.
    config: { ...config.ocpp, stateDir: config.ocpp.stateDir ?? dirname(journal.openReport.path) },
    station: config.station,
    port: chargePointAdapter(station, clock, deps.onReset),
    outbox: journal,
    kv: journal,
    clock,
    logger,
  };
}

/**
 * The OCPP 2.0.1 uplink on the station: the same journal (outbox, settings), clock trust and charge-point port as
 * 1.6. The transaction messages of the journal wait in the outbox until the 2.0.1 transaction module delivers them.
 */
export async function createUplink201(deps: UplinkDeps): Promise<Ocpp201Client> {
  const { station, journal, config, clock, logger } = deps;
  const client = await createOcpp201Client({
    ...sharedClientOptions(deps),
    electrical: electricalOf(config),
    onCsmsTime: csmsTimeSetter(journal, clock, logger),
    // TransactionEvent totalCost / personalMessage and CostUpdated: the figure the driver sees (as 1.6 costmsg).
    onCost: (sessionId, totalCost, priceText) => station.csmsCost(sessionId, totalCost, priceText),
    journalReader: journal,
    forgetIdTag: (idTag) => journal.forgetIdTag(idTag),
    // GetLog's bundle: the alerts raised or raised again within the window asked.
    diagnostics: async (window) => ({ alerts: (await journal.alerts()).filter((a) => overlapsLogWindow(window, a.atMs, a.lastAtMs)), journal: journal.openReport }),
    ...outboxAlerts(journal, logger),
  });
  // The station's DataTransfers (alerts to the CSMS, a driver's feedback) have the same shape over 2.0.1.
  client.deliverOutboxKind('DataTransfer');
  let subscriptions: (() => void)[] = [];
  return {
    ...client,
    start() {
      // Transaction messages leave as soon as the journal has them, not at the next idle poll.
      if (subscriptions.length === 0) {
        subscriptions = [
          station.onEvent((e) => {
            if (e.type === 'session-started' || e.type === 'session-stopped') client.outboxChanged();
            // Faults as NotifyEvent on their device-model component (StatusNotification Faulted goes on as well).
            if (e.type === 'fault' && e.event.type === 'raised') client.faults.raised(e.event.fault.definition, e.event.fault.raisedAtMs, e.event.fault.detail);
            if (e.type === 'fault' && e.event.type === 'cleared') client.faults.cleared(faultDefinition(e.event.name), clock.nowMs());
          }),
        ];
        // Faults latched before the uplink started are reported too (once: a raise already known is no new event).
        for (const fault of station.controller.faults.summary().active) client.faults.raised(fault.definition, fault.raisedAtMs, fault.detail);
        // Faults the CSMS was told are active before a restart and gone since are reported cleared.
        client.faults.clearStale(clock.nowMs());
      }
      client.start();
    },
    async stop() {
      for (const unsubscribe of subscriptions.splice(0)) unsubscribe();
      await client.stop();
    },
  };
}

/**
 * Connects the station to its CSMS over OCPP 1.6: the OCPP client reads transaction messages from the journal's
 * outbox and keeps its configuration keys in the journal; it drives the station only through the charge-point port.
 * Call `start()` on the result.
 */
export async function createUplink(deps: UplinkDeps): Promise<OcppClient> {
  const { station, journal, config, clock, logger } = deps;
  const client = await createOcppClient({
    ...sharedClientOptions(deps),
    freeVend: config.control.freeVend,
    sessionIdTag: async (sessionId) => (await journal.session(sessionId))?.idTag ?? null,
    sessionSamples: (sessionId) => journal.samples(sessionId),
    diagnostics: async () => ({ alerts: await journal.alerts(), journal: journal.openReport }),
    dataTransfer: californiaPricingRoute(station, journal, clock, logger.child({ module: 'costmsg' })),
    electrical: electricalOf(config),
    onCsmsTime: csmsTimeSetter(journal, clock, logger),
    // Dead letters and journal failures of the outbox become alerts in the journal.
    ...outboxAlerts(journal, logger),
  });
  // The uplink's subscriptions on the station live from its start to its stop (a stopped uplink leaves none behind).
  const subscribe = (): (() => void)[] => [
    // Transaction messages leave as soon as the journal has them, not at the next idle poll.
    station.onEvent((e) => {
      if (e.type === 'session-started' || e.type === 'session-stopped') client.outboxChanged();
    }),
    // CustomIdleFeeAfterStop: the CSMS bills idle time after the stop until the unplug, which only the station sees.
    // Through the outbox, so it follows the session's StopTransaction and survives being offline.
    station.onUnplug((sessionId, atMs) => {
      if (!client.keys.bool('CustomIdleFeeAfterStop')) return;
      journal
        .enqueue('DataTransfer', sessionId, { vendorId: costMsgVendorId, messageId: connectorUnpluggedMessageId, timestamp: new Date(atMs).toISOString() })
        .then(
          () => client.outboxChanged(),
          (err: unknown) => logger.error({ err: (err as Error).message, sessionId }, 'could not queue ConnectorUnplugged'),
        );
    }),
  ];
  let subscriptions: (() => void)[] = [];
  return {
    ...client,
    start() {
      if (subscriptions.length === 0) subscriptions = subscribe();
      client.start();
    },
    async stop() {
      for (const unsubscribe of subscriptions.splice(0)) unsubscribe();
      await client.stop();
    },
  };
}

/** The station's authorizer, late-bound to the uplink once it exists (a tap before that is refused). */
export function uplinkAuthorizer(client: () => StationUplink | null): Authorizer {
  return async (idTag) => {
    const c = client();
    if (!c) return { status: 'Invalid' };
    const result = isOcpp201(c) ? await c.authorize(idTag) : await c.authorizer.authorize(idTag);
    return { status: result.status };
  };
}

/**
 * The station's stop authorizer, late-bound to the uplink (none yet: only the starting card stops). 2.0.1: C09 GroupId
 * and C16 master pass (`Ocpp201Client.stopDecision`). 1.6 (§3.5.1 / §5.1): a different id tag stops the session when
 * the CSMS (or offline the cache / local list) gives it the same parentIdTag as the starting one.
 */
export function uplinkStopAuthorizer(client: () => StationUplink | null): StopAuthorizer {
  return async (card, startedBy) => {
    const c = client();
    if (!c) return 'no';
    if (isOcpp201(c)) return c.stopDecision(card, startedBy);
    if (startedBy === null) return 'no';
    const presented = await c.authorizer.authorize(card);
    if (presented.status !== 'Accepted' || presented.parentIdTag === undefined) return 'no';
    return (await c.authorizer.knownParentIdTag(startedBy)) === presented.parentIdTag ? 'stop' : 'no';
  };
}

/** The CSMS's DefaultPrice (1.6 configuration key), or null when it set none (always, over 2.0.1). */
export function uplinkDefaultPrice(client: StationUplink | null): DefaultPrice | null {
  if (client === null || isOcpp201(client)) return null;
  const text = client.keys.get('DefaultPrice') ?? '';
  if (text === '') return null;
  const parsed = parseDefaultPrice(text);
  return parsed.ok ? parsed.price : null;
}
