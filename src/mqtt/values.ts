import type { MeterSample } from '../../hal/meter.js';
import type { LoadFigures } from '../control/load/load-control.js';
import type { AlertRow } from '../journal/types.js';
import type { StationTopics } from './topics.js';

/** What the MQTT publisher reads from the station: plain reads, never awaited by the control core. */
export interface MqttStationView {
  /** The OCPP connector status (Available, Preparing, Charging, SuspendedEV …). */
  status(): string;
  latestSample(): MeterSample | null;
  /** Energy of the running session, else of the one still plugged in, else 0 (Wh). */
  sessionEnergyWh(sample: MeterSample | null): number;
  offeredA(): number;
  /** Running or final cost of the connected session, in the tariff's currency (major units), or null. */
  cost(): { readonly amount: number; readonly currency: string } | null;
  /** Names of the latched faults. */
  faults(): readonly string[];
  /** Load management's figures, on a station with a mains meter (else absent or null). */
  load?(): LoadFigures | null;
}

/** The newest alerts published on `alerts`. */
export const ALERTS_PUBLISHED = 5;

/** Every value topic with its payload now. Payloads are plain numbers or words, JSON for the lists. */
export function currentValues(
  topics: StationTopics,
  view: MqttStationView,
  extra: { readonly paused: boolean; readonly limitA: number | null; readonly alerts: readonly AlertRow[] | null },
): Map<string, string> {
  const sample = view.latestSample();
  const values = new Map<string, string>();
  values.set(topics.state, view.status());
  values.set(topics.powerW, sample ? String(Math.round(sample.totalPowerW)) : '0');
  topics.currentA.forEach((topic, i) => {
    const amps = sample?.phases[i]?.currentA ?? 0;
    values.set(topic, amps.toFixed(1));
  });
  values.set(topics.sessionEnergyWh, String(Math.round(view.sessionEnergyWh(sample))));
  if (sample) values.set(topics.totalEnergyWh, String(sample.importWh));
  values.set(topics.offeredCurrentA, view.offeredA().toFixed(1));
  const cost = view.cost();
  values.set(topics.cost, cost === null ? '0' : String(cost.amount));
  values.set(topics.faults, JSON.stringify([...view.faults()]));
  values.set(topics.paused, String(extra.paused));
  values.set(topics.currentLimitA, extra.limitA === null ? 'none' : String(extra.limitA));
  const load = view.load?.() ?? null;
  if (load !== null) {
    values.set(topics.loadMode, load.mode);
    if (load.mainsA !== null) topics.mainsCurrentA.forEach((topic, i) => values.set(topic, (load.mainsA?.[i] ?? 0).toFixed(1)));
    if (load.mainsPowerW !== null) values.set(topics.mainsPowerW, String(Math.round(load.mainsPowerW)));
    if (load.surplusW !== null) values.set(topics.surplusW, String(Math.round(Math.max(0, load.surplusW))));
  }
  if (extra.alerts !== null) {
    const newest = extra.alerts.slice(-ALERTS_PUBLISHED).reverse();
    values.set(
      topics.alerts,
      JSON.stringify(newest.map((a) => ({ id: a.id, at: new Date(a.atMs).toISOString(), severity: a.severity, code: a.code, message: a.message }))),
    );
  }
  return values;
}
