import type { StationHardware } from '../../hal/index.js';
import { systemClock, type Clock } from '../clock.js';
import type { StationConfig } from '../config/schema.js';
import { startLoadControl, type LoadControl } from '../control/load/load-control.js';
import { ChargerController, type ControllerEvent } from '../control/charger-controller.js';
import type { StopReason } from '../control/charger-fsm.js';
import { createLogger, type Logger } from '../logger.js';
import type { CostBreakdown } from '../billing/cost.js';
import type { CompletionEstimate, SessionTimeline } from '../billing/timeline.js';
import { TariffHolder } from '../billing/tariff-holder.js';
import type { JournalReader } from '../journal/ports.js';
import { BillingRecorder, type DisplayedCost } from '../session/billing-recorder.js';
import { MemoryRecorder } from '../session/memory-recorder.js';
import type { SessionRecorder } from '../session/recorder.js';
import { startMonitor, type Monitor, type MonitorJournal } from './monitor.js';
import type { AlertSink } from '../monitor/monitor.js';
import { startDriverAlerts, tapChargingCompleted } from './driver-alerts.js';
import { startFaultAlerts } from './fault-alerts.js';
import type { StationCounts } from '../web/metrics-data.js';
import { startStationMqtt } from '../mqtt/station-link.js';
import { StationCounters } from './station-counters.js';
import type { AlertPublisher } from '../notify/mqtt-channel.js';

/** Decides whether an id tag may charge (OCPP's Authorize, local list and cache plug in here). */
export type Authorizer = (idTag: string) => Promise<{ readonly status: 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx' }>;

/**
 * What a card tapped while a session runs does to it, asked of the uplink (OCPP 2.0.1 C09 GroupId / C16 master pass,
 * 1.6 parentIdTag): 'stop' (a card of the starter's group), 'master-pass' (stops, never starts), 'no' (ignored).
 * `startedBy` is the session's id tag (null: free vend or unknown). Offline it decides from what the station knows.
 */
export type StopAuthorizer = (card: string, startedBy: string | null) => Promise<'stop' | 'master-pass' | 'no'>;

export interface StationDeps {
  readonly config: StationConfig;
  readonly hardware: StationHardware;
  readonly clock?: Clock;
  /** Real time for I/O judgements when `clock` is accelerated (the simulator). */
  readonly ioClock?: Clock;
  readonly logger?: Logger;
  /** Where session facts become durable; without one the station keeps them in memory and says so. */
  readonly recorder?: SessionRecorder;
  /** Without one every tag is accepted locally (bench use). */
  readonly authorizer?: Authorizer;
  /** Without one only the starting card stops a session. */
  readonly stopAuthorizer?: StopAuthorizer;
  /** The journal's read side, so a stopped session's cost is recomputed from the journal and stored with it. */
  readonly reader?: JournalReader;
  /** Where the anomaly monitor journals its alerts, and whose directory's free space it watches. */
  readonly monitorJournal?: MonitorJournal;
  /**
   * Where faults and the driver's session events become alerts (default: the monitor's journal; without either they
   * are not journaled).
   */
  readonly alerts?: AlertSink;
}

export interface Station {
  readonly controller: ChargerController;
  /** Load management (the `loadManagement` section with a mains meter), or null. */
  readonly load: LoadControl | null;
  /** The anomaly detectors: they watch the station's events and samples, off the control path. */
  readonly monitor: Monitor;
  /** The MQTT link (the `mqtt` section), which the MQTT alert channel publishes through; null without one. */
  readonly mqtt: AlertPublisher | null;
  readonly recorder: SessionRecorder;
  /** The tariff in force; `replace()` swaps it only for a valid one. */
  readonly tariffs: TariffHolder;
  /** A session's cost: running while it charges (offline too), final once stopped. */
  sessionCost(sessionId: number): CostBreakdown | null;
  /** What the driver is shown: the CSMS's cost once it sent one (costmsg), else the local one. */
  displayedCost(sessionId: number): DisplayedCost | null;
  /** Records a cost the CSMS sent for a session (major units); a difference from ours is logged. */
  csmsCost(sessionId: number, cost: number, priceText?: string): void;
  /**
   * The session the driver at the connector is looking at: the running one, else the one that stopped while its EV is
   * still plugged in (its final cost, Finishing). Null when the connector is free.
   */
  connectedSessionId(): number | null;
  /** The timeline (plug-in, charging, idle …) of a session still connected, or null. */
  sessionTimeline(sessionId: number): SessionTimeline | null;
  /** The CSMS's price text for a driver (costmsg SetUserPrice), shown once that card is at the station. */
  setUserPrice(idTag: string, priceText: string): void;
  /** The CSMS's price text for this card, or null. */
  userPrice(idTag: string): string | null;
  /** A stopped session's EV left; the unplug is journaled. */
  onUnplug(listener: (sessionId: number, atMs: number) => void): () => void;
  /** The driver's energy target for the running session, Wh (null: none). */
  setEnergyTarget(wh: number | null): void;
  energyTargetWh(): number | null;
  /** When the running session is expected to finish (energy target, else power trend), or null. */
  estimatedCompletion(): CompletionEstimate | null;
  /** Synchronous: opens the contactor and sets the pilot to state F. Never throws, safe to call repeatedly. */
  enterSafeState(reason: string): void;
  /** Graceful: stops a running session with the reason, opens, pilot F, disposes drivers. */
  shutdown(reason: string): Promise<void>;
  /** Called on every control-loop tick (about every 100 ms): drive WATCHDOG=1 from here. */
  onTick(listener: () => void): () => void;
  /**
   * A card tapped at the reader: starts (after authorization) or stops the session it belongs to (the starting card,
   * or one the stop authorizer lets stop it); 'ignored' tells the driver the card did nothing.
   */
  tap(idTag: string): Promise<'started' | 'stopped' | 'rejected' | 'ignored'>;
  onEvent(listener: (event: ControllerEvent) => void): () => void;
  /** Totals kept since start for the metrics: faults raised, meter errors, event-loop lag, memory. */
  counters(): StationCounts;
}

/** SetUserPrice texts kept, newest last. */
const USER_PRICES_KEPT = 100;

const stopReasons: ReadonlySet<string> = new Set<StopReason>([
  'EmergencyStop', 'EVDisconnected', 'HardReset', 'Local', 'Other', 'PowerLoss', 'Reboot', 'Remote', 'SoftReset',
  'UnlockCommand', 'DeAuthorized',
]);

/**
 * The composition root of the control side: wires the drivers chosen by the caller (`evse run` picks real ones,
 * `evse sim` the simulator's) to the control core and the session recorder, and starts them.
 */
export function startStation(deps: StationDeps): Promise<Station> {
  const clock = deps.clock ?? systemClock;
  const log = deps.logger ?? createLogger();
  const { config, hardware } = deps;
  let recorder = deps.recorder;
  if (!recorder) {
    log.warn('no journal configured: sessions are kept in memory only and lost on exit');
    recorder = new MemoryRecorder();
  }
  const authorizer: Authorizer = deps.authorizer ?? (() => Promise.resolve({ status: 'Accepted' }));
  const tariffs = new TariffHolder(config.tariff);
  const billing = new BillingRecorder(recorder, tariffs, config.station.timeZone, clock, log.child({ module: 'billing' }), deps.reader ?? null);
  const counters = new StationCounters();
  // The controller writes through it unchanged; a journaled charging-completed becomes the driver's alert.
  const completions = tapChargingCompleted(billing, log);
  const controller = new ChargerController({
    hardware: { ...hardware, meter: counters.countingMeter(hardware.meter) },
    control: config.control,
    limits: config.limits,
    phases: config.station.phases,
    meterPollIntervalMs: config.meter.pollIntervalMs,
    sessions: completions.recorder,
    clock,
    ioClock: deps.ioClock ?? clock,
    log: log.child({ module: 'control' }),
  });
  // Subscribed before start, so a fault raised at once is counted too.
  controller.onEvent(counters.onEvent);
  controller.start();
  const load =
    config.loadManagement !== undefined && hardware.mainsMeter
      ? startLoadControl({
          target: controller,
          meter: hardware.mainsMeter,
          config: config.loadManagement,
          station: config.station,
          clock,
          log,
        })
      : null;
  const stopLoadJournal = load !== null ? journalLoadTotals(controller, load, recorder, clock, log) : () => undefined;
  const monitor = startMonitor({ controller, config, clock, log, journal: deps.monitorJournal ?? null });
  const alertSink = deps.alerts ?? deps.monitorJournal?.alerts ?? null;
  const alertLog = log.child({ module: 'alerts' });
  const stopAlerts: (() => void)[] =
    alertSink === null
      ? []
      : [
          startFaultAlerts({ onEvent: (l) => controller.onEvent(l), activeSessionId: () => controller.activeSessionId(), alerts: alertSink, log: alertLog }),
          startDriverAlerts({
            onEvent: (l) => controller.onEvent(l),
            onChargingCompleted: (l) => completions.onCompleted(l),
            connectorId: 1,
            costOf: (id) => {
              const shown = billing.displayed(id);
              const currency = billing.cost(id)?.currency;
              return shown === null || currency === undefined ? null : { totalMinor: shown.totalMinor, currency, text: shown.text };
            },
            energyOf: (id) => billing.cost(id)?.energyWh ?? null,
            alerts: alertSink,
            log: alertLog,
          }),
        ];
  let energyTargetWh: number | null = null;
  const userPrices = new Map<string, string>();
  controller.onEvent((e) => {
    if (e.type === 'session-stopped') energyTargetWh = null;
  });

  // Home automation (the `mqtt` section): fire-and-forget, closed with the station.
  const mqtt = startStationMqtt(config, { controller, recorder, sessionCost: (id) => billing.cost(id), load }, log);
  let closing: Promise<void> | null = null;
  const station: Station = {
    controller,
    load,
    monitor,
    mqtt,
    recorder,
    tariffs,
    sessionCost: (id) => billing.cost(id),
    displayedCost: (id) => billing.displayed(id),
    csmsCost: (id, cost, priceText) => billing.csmsCost(id, cost, priceText),
    connectedSessionId: () => controller.connectedSessionId(),
    sessionTimeline: (id) => billing.timeline(id),
    setUserPrice: (idTag, priceText) => {
      // Bounded: a CSMS may send a price for every card it authorizes; only recent ones can still be at the station.
      userPrices.delete(idTag);
      userPrices.set(idTag, priceText);
      while (userPrices.size > USER_PRICES_KEPT) userPrices.delete(userPrices.keys().next().value as string);
    },
    userPrice: (idTag) => userPrices.get(idTag) ?? null,
    onUnplug: (listener) => billing.onUnplugged(listener),
    setEnergyTarget: (wh) => {
      energyTargetWh = wh;
    },
    energyTargetWh: () => energyTargetWh,
    estimatedCompletion: () => {
      const id = controller.activeSessionId();
      return id === null ? null : billing.estimatedCompletion(id, energyTargetWh);
    },
    enterSafeState: (reason) => controller.enterSafeState(reason),
    onTick: (l) => controller.onTick(l),
    onEvent: (l) => controller.onEvent(l),
    counters: () => counters.counts(),
    async tap(idTag) {
      const s = controller.snapshot();
      if (s.session === 'active' || s.session === 'starting') {
        // The authorization holds the session's id tag until its stop is committed.
        const startedBy = s.authorization?.idTag ?? null;
        if (startedBy === idTag) {
          controller.stop('Local', idTag);
          return 'stopped';
        }
        if (!deps.stopAuthorizer) return 'ignored';
        const sessionId = controller.activeSessionId();
        let decision: 'stop' | 'master-pass' | 'no';
        try {
          decision = await deps.stopAuthorizer(idTag, startedBy);
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'could not ask whether this card may stop the session');
          return 'ignored';
        }
        if (decision === 'no') return 'ignored';
        // The session may have ended (and another begun) while the uplink was asked: only the one the card was
        // presented to is stopped.
        const now = controller.snapshot();
        const same =
          (now.session === 'active' || now.session === 'starting') &&
          (now.authorization?.idTag ?? null) === startedBy &&
          (sessionId === null || controller.activeSessionId() === sessionId);
        if (!same) return 'ignored';
        controller.stop('Local', idTag);
        return 'stopped';
      }
      const { status } = await authorizer(idTag);
      if (status !== 'Accepted') return 'rejected';
      // Started only when the charger took it (not while the finished session's EV is still plugged in, or stopping).
      return controller.authorize(idTag) ? 'started' : 'ignored';
    },
    shutdown(reason) {
      closing ??= (async () => {
        const stopReason: StopReason = stopReasons.has(reason) ? (reason as StopReason) : 'Other';
        if (controller.snapshot().session !== 'none') controller.stop(stopReason, undefined, true);
        await controller.drainJournalWrites();
        stopLoadJournal();
        await load?.stop();
        await mqtt?.close();
        await controller.dispose();
        monitor.dispose();
        for (const stop of stopAlerts) stop();
        billing.dispose();
        counters.dispose();
        await Promise.allSettled([
          hardware.meter.close(),
          hardware.mainsMeter?.close(),
          hardware.pilot.close(),
          hardware.contactor.dispose(),
          hardware.inputs.dispose(),
        ]);
      })();
      return closing;
    },
  };
  return Promise.resolve(station);
}

/** How often a running session's load totals are journaled (a power cut loses at most this much of them). */
const LOAD_SUMMARY_EVERY_MS = 5 * 60_000;

/**
 * Journals load management's totals of the running session (solar and grid energy, minutes held by the fuse) as its
 * `load-summary` event every few minutes and once more at the stop, for the sessions report.
 */
function journalLoadTotals(controller: ChargerController, load: LoadControl, recorder: SessionRecorder, clock: Clock, log: Logger): () => void {
  const write = (): void => {
    const t = load.sessionTotals();
    if (t === null) return;
    const detail = { solarWh: t.solarWh, gridWh: t.gridWh, fuseLimitedS: t.fuseLimitedS };
    recorder.recordEvent(t.sessionId, { kind: 'load-summary', atMs: clock.nowMs(), detail }).catch((err: unknown) => {
      log.warn({ err: (err as Error).message, sessionId: t.sessionId }, 'could not journal the load summary');
    });
  };
  const timer = clock.setInterval(() => {
    if (controller.activeSessionId() !== null) write();
  }, LOAD_SUMMARY_EVERY_MS);
  const unsubscribe = controller.onEvent((e) => {
    if (e.type === 'session-stopped' && load.sessionTotals()?.sessionId === e.sessionId) write();
  });
  return () => {
    clock.clearInterval(timer);
    unsubscribe();
  };
}
