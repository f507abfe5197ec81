import { dirname } from 'node:path';
import { connectorUnpluggedMessageId, costMsgVendorId, parseDefaultPrice, type DefaultPrice } from '../billing/costmsg.js';
import { chargePointAdapter } from './charge-point-adapter.js';
import { californiaPricingRoute } from './california-pricing-route.js';
import { StationClock, type Clock } from '../clock.js';
import type { StationConfig } from '../config/schema.js';
import type { Journal } from '../journal/journal.js';
import type { Logger } from '../logger.js';
import { createOcppClient, type OcppClient } from '../ocpp/client.js';
import { outboxAlerts } from './outbox-alerts.js';
import type { Authorizer, Station } from './station.js';

export interface UplinkDeps {
  readonly station: Station;
  readonly journal: Journal;
  readonly config: StationConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** OCPP Reset: the caller stops the station (sessions end with SoftReset/HardReset) and restarts the process. */
  readonly onReset: (kind: 'Soft' | 'Hard') => Promise<void>;
}

/**
 * Connects the station to its CSMS: the OCPP client reads transaction messages from the journal's outbox and keeps
 * its configuration keys in the journal; it drives the station only through the charge-point port. Call `start()`
 * on the result.
 */
export async function createUplink(deps: UplinkDeps): Promise<OcppClient> {
  const { station, journal, config, clock, logger } = deps;
  const client = await createOcppClient({
    // Firmware downloads go to the station's state directory unless the config names another.
    config: { ...config.ocpp, stateDir: config.ocpp.stateDir ?? dirname(journal.openReport.path) },
    station: config.station,
    port: chargePointAdapter(station, clock, deps.onReset),
    outbox: journal,
    kv: journal,
    clock,
    logger,
    freeVend: config.control.freeVend,
    sessionIdTag: async (sessionId) => (await journal.session(sessionId))?.idTag ?? null,
    sessionSamples: (sessionId) => journal.samples(sessionId),
    diagnostics: async () => ({ alerts: await journal.alerts(), journal: journal.openReport }),
    dataTransfer: californiaPricingRoute(station, journal, clock, logger.child({ module: 'costmsg' })),
    electrical: {
      phases: config.station.phases,
      nominalVoltageV: config.station.nominalVoltageV,
      maxCurrentA: Math.min(config.limits.hardwareMaxA, config.limits.cableMaxA, config.limits.configuredMaxA),
    },
    onCsmsTime: (csmsNowMs) => {
      if (!(clock instanceof StationClock)) return;
      const correction = clock.setFromCsms(csmsNowMs);
      if (correction === null) return;
      // Posted at once: the journal worker runs requests in order, so the sender's next outbox read sees the
      // corrected timestamps and no untrusted time goes on the wire.
      journal.correctClock(correction.correctionMs, correction.sinceMs).then(
        (changed) => logger.info({ correctionMs: correction.correctionMs, ...changed }, 'clock set from the CSMS; earlier records corrected'),
        (err: unknown) => logger.error({ err: (err as Error).message }, 'could not correct the records of the untrusted clock'),
      );
    },
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
export function uplinkAuthorizer(client: () => OcppClient | null): Authorizer {
  return async (idTag) => {
    const c = client();
    if (!c) return { status: 'Invalid' };
    const result = await c.authorizer.authorize(idTag);
    return { status: result.status };
  };
}

/** The CSMS's DefaultPrice (configuration key), or null when it set none. */
export function uplinkDefaultPrice(client: OcppClient | null): DefaultPrice | null {
  const text = client?.keys.get('DefaultPrice') ?? '';
  if (text === '') return null;
  const parsed = parseDefaultPrice(text);
  return parsed.ok ? parsed.price : null;
}
