/**
 * The station's MQTT topics under its base topic: one topic per value, as OpenEVSE and SmartEVSE users expect, an
 * availability topic (the retained last will) and, with commands on, the `set/…` topics it listens to.
 */
export interface StationTopics {
  readonly availability: string;
  readonly state: string;
  readonly powerW: string;
  /** `current/l1` … one per wired phase. */
  readonly currentA: readonly string[];
  readonly sessionEnergyWh: string;
  readonly totalEnergyWh: string;
  readonly offeredCurrentA: string;
  readonly cost: string;
  readonly faults: string;
  readonly alerts: string;
  /** One message per new alert (QoS 1, not retained): what the alert channel publishes (src/notify). */
  readonly alertEvent: string;
  /** Whether an MQTT pause holds (`true`/`false`). */
  readonly paused: string;
  /** The MQTT current limit in force, A, or `none`. */
  readonly currentLimitA: string;
  readonly setCurrentLimit: string;
  readonly setCharging: string;
  /** Load management: mains current per phase (import positive), mains power and PV surplus (W), the mode. */
  readonly mainsCurrentA: readonly string[];
  readonly mainsPowerW: string;
  readonly surplusW: string;
  readonly loadMode: string;
  /** `off`, `fuse`, `solar` or `solar-min` (commands on, a station with load management). */
  readonly setLoadMode: string;
}

export function stationTopics(base: string, phases: 1 | 3): StationTopics {
  return {
    availability: `${base}/availability`,
    state: `${base}/state`,
    powerW: `${base}/power`,
    currentA: Array.from({ length: phases }, (_, i) => `${base}/current/l${i + 1}`),
    sessionEnergyWh: `${base}/session_energy`,
    totalEnergyWh: `${base}/total_energy`,
    offeredCurrentA: `${base}/offered_current`,
    cost: `${base}/cost`,
    faults: `${base}/faults`,
    alerts: `${base}/alerts`,
    alertEvent: `${base}/alert`,
    paused: `${base}/paused`,
    currentLimitA: `${base}/current_limit`,
    setCurrentLimit: `${base}/set/current_limit`,
    setCharging: `${base}/set/charging`,
    mainsCurrentA: [1, 2, 3].map((n) => `${base}/mains/current/l${n}`),
    mainsPowerW: `${base}/mains/power`,
    surplusW: `${base}/mains/surplus`,
    loadMode: `${base}/load_mode`,
    setLoadMode: `${base}/set/load_mode`,
  };
}

/** Home Assistant's birth and will topic: `online` there means HA (re)started and wants the discovery again. */
export const haStatusTopic = 'homeassistant/status';

export const ONLINE = 'online';
export const OFFLINE = 'offline';
