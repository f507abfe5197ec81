import type { CostBreakdown } from '../billing/cost.js';
import type { StationConfig } from '../config/schema.js';
import type { ChargerController } from '../control/charger-controller.js';
import type { AlertRow } from '../journal/types.js';
import type { LoadControl } from '../control/load/load-control.js';
import type { LoadMode } from '../control/load/load-manager.js';
import type { Logger } from '../logger.js';
import { startMqttLink, type MqttLink } from './publisher.js';
import { ALERTS_PUBLISHED, type MqttStationView } from './values.js';

/** What the MQTT link needs from the composed station. */
export interface MqttStationParts {
  readonly controller: ChargerController;
  sessionCost(sessionId: number): CostBreakdown | null;
  /** The recorder; when it is the journal, its alerts are published. */
  readonly recorder: unknown;
  /** Load management, on a station with a mains meter. */
  readonly load?: LoadControl | null;
}

/** The journal's alert log, when the recorder is the journal (the simulator without a journal has none). */
function alertLogOf(recorder: unknown): (() => Promise<readonly AlertRow[]>) | undefined {
  if (typeof recorder !== 'object' || recorder === null) return undefined;
  const alerts = (recorder as { alerts?: unknown }).alerts;
  // Only the newest few are published: the journal's worker picks them, the whole log never crosses threads.
  return typeof alerts === 'function'
    ? () => (alerts as (latest: number) => Promise<readonly AlertRow[]>).call(recorder, ALERTS_PUBLISHED)
    : undefined;
}

/**
 * Starts MQTT for the station when the config has an `mqtt` section (null otherwise). It listens to the controller's
 * events (a status change is published at once) and samples the rest every second; nothing in the control core
 * waits on it.
 */
export function startStationMqtt(config: StationConfig, station: MqttStationParts, log: Logger): MqttLink | null {
  if (config.mqtt === undefined) return null;
  const { controller } = station;
  // The last session's figures stay until the next one starts, as OpenEVSE's session_energy does.
  let session: { id: number; startWh: number; stopWh: number | null } | null = null;
  let lastCost: { amount: number; currency: string } | null = null;
  const view: MqttStationView = {
    status: () => controller.snapshot().status,
    latestSample: () => controller.meterPoller.latest(),
    sessionEnergyWh: (sample) => {
      if (session === null) return 0;
      const end = session.stopWh ?? sample?.importWh ?? session.startWh;
      return Math.max(0, end - session.startWh);
    },
    offeredA: () => controller.snapshot().offeredA,
    cost: () => {
      if (session === null) return null;
      const c = station.sessionCost(session.id);
      if (c !== null) lastCost = { amount: c.totalMinor / 10 ** c.minorUnits, currency: c.currency };
      return lastCost;
    },
    faults: () => controller.faults.summary().active.map((f) => f.definition.name),
    load: () => station.load?.figures() ?? null,
  };
  const load = station.load ?? null;
  const link = startMqttLink({
    config: config.mqtt,
    device: {
      stationId: config.station.id,
      vendor: config.station.vendor,
      model: config.station.model,
      serialNumber: config.station.serialNumber,
      firmwareVersion: config.station.firmwareVersion,
      currency: config.tariff.currency,
      maxCurrentA: Math.min(config.limits.hardwareMaxA, config.limits.cableMaxA, config.limits.configuredMaxA),
    },
    phases: config.station.phases,
    view,
    limitTarget: controller,
    ...(load !== null ? { setLoadMode: (mode: LoadMode) => load.setMode(mode) } : {}),
    ...(alertLogOf(station.recorder) ? { alerts: alertLogOf(station.recorder) } : {}),
    log: log.child({ module: 'mqtt' }),
  });
  const unsubscribe = controller.onEvent((e) => {
    if (e.type === 'session-started') {
      session = { id: e.sessionId, startWh: e.meterStartWh, stopWh: null };
      lastCost = null;
    } else if (e.type === 'session-stopped' && session?.id === e.sessionId) {
      session.stopWh = e.meterStopWh;
    }
    link.poke();
  });
  return {
    topics: link.topics,
    poke: () => link.poke(),
    publishAlert: (payload) => link.publishAlert(payload),
    close: () => {
      unsubscribe();
      return link.close();
    },
  };
}
