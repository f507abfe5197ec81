import { Counter, Gauge, Registry } from 'prom-client';
import type { MeterErrorKind } from '../../hal/meter.js';
import type { ChargePointStatus } from '../control/charger-fsm.js';
import { allFaults } from '../control/faults.js';
import type { LimitSource } from '../control/power-limit.js';
import type { MetricsSnapshot } from './metrics-data.js';
import type { StationStatusView } from './status-view.js';

/** Every value of the enum-style families, so each is a series from the first scrape (0 or 1; rate() needs a start). */
const statuses = [
  'Available', 'Preparing', 'Charging', 'SuspendedEV', 'SuspendedEVSE', 'Finishing', 'Reserved', 'Unavailable', 'Faulted',
] as const satisfies readonly ChargePointStatus[];
const limitSources = ['hardware', 'cable', 'configured', 'external', 'temperature', 'load'] as const satisfies readonly LimitSource[];
const meterErrorKinds = [
  'timeout', 'crc', 'exception', 'wrong-unit', 'short-frame', 'port', 'implausible',
] as const satisfies readonly MeterErrorKind[];

/** Joules in a watt-hour: the register is in Wh (exact integers), Prometheus' base unit of energy is the joule. */
const JOULES_PER_WH = 3600;

/** The Prometheus text exposition format this renders (prom-client's). */
export const metricsContentType = new Registry().contentType;

/**
 * The station's metrics in the Prometheus text format, from the status snapshot the station's thread last pushed and
 * the totals it keeps (docs/METRICS.md lists the families). A registry is built per scrape: a family with nothing to
 * report (no meter sample yet, no uplink, no journal) is absent rather than a made-up 0, and no stale label set
 * outlives what it described. Counters are set to the station's totals, which never decrease while it runs.
 */
export async function renderMetrics(view: StationStatusView, snapshot: MetricsSnapshot): Promise<string> {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: readonly string[] = []): Gauge =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const counter = (name: string, help: string, labelNames: readonly string[] = []): Counter =>
    new Counter({ name, help, labelNames, registers: [registry] });

  const status = gauge('evse_status', 'The connector status (OCPP ChargePointStatus): 1 for the one in force, 0 for the others.', ['status']);
  for (const s of statuses) status.set({ status: s }, s === view.status ? 1 : 0);

  if (view.meter !== null) {
    gauge('evse_power_watts', 'Active power imported now, all phases, from the last good meter sample.').set(view.meter.powerW);
    counter('evse_energy_imported_joules_total', "The meter's import register (lifetime, not the session), in joules (Wh × 3600).")
      .inc(view.meter.importWh * JOULES_PER_WH);
  }

  gauge('evse_offered_current_amperes', 'The least of the current limits now: what the station offers an EV, per phase.').set(view.offer.amps);
  gauge('evse_pilot_offered_current_amperes', "What the pilot's PWM duty offers the EV right now (0 without PWM).").set(view.offer.offeredNowA);
  const limitedBy = gauge('evse_offer_limited_by', 'The limit that sets the offered current: 1 for the one in force, 0 for the others.', ['source']);
  for (const s of limitSources) limitedBy.set({ source: s }, s === view.offer.limitedBy ? 1 : 0);

  if (view.load !== null) {
    const modes = gauge('evse_load_mode', 'The load management mode in force: 1 for it, 0 for the others.', ['mode']);
    for (const m of ['off', 'fuse', 'solar', 'solar-min']) modes.set({ mode: m }, m === view.load.mode ? 1 : 0);
    gauge('evse_mains_fuse_amperes', "The building's main fuse per phase, as configured.").set(view.load.fuseA);
    gauge('evse_mains_meter_lost', 'The mains meter is lost (1: load management offers its safe current) or reads (0).').set(view.load.meterLost ? 1 : 0);
    if (view.load.mainsA !== null) {
      const mains = gauge('evse_mains_current_amperes', 'Current at the grid connection per phase, import positive, export negative.', ['phase']);
      view.load.mainsA.forEach((a, i) => mains.set({ phase: `L${i + 1}` }, a));
    }
    if (view.load.mainsPowerW !== null) gauge('evse_mains_power_watts', 'Active power at the grid connection, import positive.').set(view.load.mainsPowerW);
    if (view.load.surplusW !== null) gauge('evse_solar_surplus_watts', 'What the building would export with the EV off (PV surplus).').set(view.load.surplusW);
  }

  const active = new Set(view.faults.map((f) => f.name));
  const faultActive = gauge('evse_fault_active', 'A fault of the catalogue is latched now (1) or not (0).', ['fault', 'severity']);
  const faultsRaised = counter('evse_faults_raised_total', 'Times a fault was raised (latched anew) since the station started.', ['fault']);
  const raised = snapshot.counts.faultsRaised;
  for (const def of allFaults()) {
    faultActive.set({ fault: def.name, severity: def.severity }, active.has(def.name) ? 1 : 0);
    faultsRaised.inc({ fault: def.name }, raised[def.name] ?? 0);
  }

  const meterErrors = counter('evse_meter_errors_total', 'Failed meter reads since the station started, by kind.', ['kind']);
  for (const kind of new Set<string>([...meterErrorKinds, ...Object.keys(snapshot.counts.meterErrors)])) {
    meterErrors.inc({ kind }, snapshot.counts.meterErrors[kind] ?? 0);
  }

  if (view.uplink !== null) {
    gauge('evse_uplink_connected', 'The websocket to the CSMS is open (1) or not (0).').set(view.uplink.connected ? 1 : 0);
    gauge('evse_outbox_messages', 'Messages in the outbox not yet delivered to the CSMS (dead letters excluded).').set(view.uplink.outboxDepth);
    counter('evse_outbox_dead_letters_total', 'Outbox messages given up on (dead letters) since the station started.').inc(view.uplink.deadLetters);
  }

  const journal = snapshot.journal;
  if (journal?.alerts) {
    const alerts = counter('evse_alerts_total', "Alerts in the journal's alert log, by code and severity.", ['code', 'severity']);
    const anomalies = counter('evse_anomalies_total', 'Alerts raised by an anomaly detector, by detector and severity.', ['detector', 'severity']);
    for (const a of journal.alerts) {
      alerts.inc({ code: a.code, severity: a.severity }, a.count);
      if (a.detector !== null) anomalies.inc({ detector: a.detector, severity: a.severity }, a.count);
    }
  }
  if (journal !== null && journal.fileBytes !== null) {
    gauge('evse_journal_size_bytes', 'Bytes of the journal file and its write-ahead log on disk.').set(journal.fileBytes);
  }

  const lag = snapshot.counts.eventLoopLag;
  gauge('evse_event_loop_lag_mean_seconds', "Mean event-loop delay of the station's (control) thread: the worse of the running 10 s window and the last.").set(lag.meanSeconds);
  gauge('evse_event_loop_lag_p99_seconds', "99th percentile event-loop delay of the station's thread (the running and the last 10 s window).").set(lag.p99Seconds);
  gauge('evse_event_loop_lag_max_seconds', "Largest event-loop delay of the station's thread (the running and the last 10 s window).").set(lag.maxSeconds);
  gauge('evse_resident_memory_bytes', "Resident set size of the station's process.").set(snapshot.counts.residentMemoryBytes);

  return registry.metrics();
}
