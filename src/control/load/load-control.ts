import type { EnergyMeter, MeterSample } from '../../../hal/meter.js';
import type { Clock } from '../../clock.js';
import type { Logger } from '../../logger.js';
import type { LoadManagementConfig } from './config.js';
import { LoadManager, type EvDraw, type LoadLimit, type LoadMode } from './load-manager.js';
import { MainsPoller, type MainsErrorCounts } from './mains-poller.js';

/** What load management needs of the controller: to limit the offer, the EV meter's latest sample, the fault list. */
export interface LoadControlTarget {
  setLoadLimit(limit: LoadLimit | null): void;
  /** The running session, whose energy is split into solar and grid (null: none). */
  activeSessionId(): number | null;
  /** The offer in force, all limits composed, with its reason and the limit that set it. */
  currentOffer(): { readonly amps: number; readonly reason: string; readonly limitedBy: string };
  /** What the pilot offers the EV right now: the amps, and whether PWM runs at all. */
  snapshot(): { readonly offeredA: number; readonly output: { readonly mode: string } };
  readonly meterPoller: { latest(): MeterSample | null };
  readonly faults: { raise(name: 'mains-meter-lost', detail: string): void; conditionGone(name: 'mains-meter-lost'): void };
}

/** Load management's figures for the page, MQTT and /metrics. */
export interface LoadFigures {
  readonly mode: LoadMode;
  /** Mains current per phase (import positive), or null before the first reading. */
  readonly mainsA: readonly [number, number, number] | null;
  readonly mainsPowerW: number | null;
  /** What the building would export with the EV off (W), or null before the first reading. */
  readonly surplusW: number | null;
  readonly fuseA: number;
  /** Load management's own limit (null: it does not limit). */
  readonly limit: LoadLimit | null;
  /** The offer in force with every limit composed, and its reason ("limited by: mains L2 24.1 A of 25 A"). */
  readonly offerA: number;
  readonly offerReason: string;
  /** The building's fuse sets the offer now (load management's limit is the least, and it is the fuse's room). */
  readonly offerByFuse: boolean;
  /** What the EV draws now (the EV meter), W. */
  readonly evPowerW: number;
  readonly meterLost: boolean;
  readonly meterErrors: MainsErrorCounts;
}

/** Load management's totals for one session, journaled as its `load-summary` event. */
export interface SessionLoadTotals {
  readonly sessionId: number;
  /** Energy the EV took from PV surplus and from the grid, Wh. */
  readonly solarWh: number;
  readonly gridWh: number;
  /** Seconds the fuse held the EV below what it drew before (the offer set by the mains, the EV at that offer). */
  readonly fuseLimitedS: number;
}

/** One minute of the building: mean mains power, EV power and surplus (W). */
export interface LoadPoint {
  readonly atMs: number;
  readonly mainsW: number;
  readonly evW: number;
  readonly surplusW: number;
}

/** Minutes of history kept for the page's chart of the day. */
const HISTORY_MINUTES = 24 * 60;

export interface LoadControl {
  setMode(mode: LoadMode): void;
  figures(): LoadFigures;
  /** The last 24 hours, one point per minute (oldest first), for the station page's chart of the day. */
  history(): readonly LoadPoint[];
  /** The running (or last) session's totals so far, or null before any session ran under load management. */
  sessionTotals(): SessionLoadTotals | null;
  stop(): Promise<void>;
}

/** Consecutive failed mains reads before the meter counts as lost (a few seconds at the 1 s poll). */
const MAX_FAILURES = 3;

/**
 * Starts load management on a controller: polls the mains meter, limits the offer through the controller's governor
 * (the composite takes the smallest of all limits), and raises `mains-meter-lost` while the meter is lost.
 */
export function startLoadControl(deps: {
  readonly target: LoadControlTarget;
  readonly meter: EnergyMeter;
  readonly config: LoadManagementConfig;
  readonly station: { readonly phases: 1 | 3; readonly nominalVoltageV: number };
  readonly clock: Clock;
  readonly log: Logger;
}): LoadControl {
  const { config, station, target } = deps;
  const minA = 6;
  const startSurplusW = config.solar.startSurplusW ?? minA * station.nominalVoltageV * station.phases;
  const manager = new LoadManager({
    mode: config.mode,
    fuseA: config.fuseA,
    marginA: config.marginA,
    fallbackA: config.fallbackA,
    pvInstalled: config.pvInstalled,
    solar: {
      startSurplusW,
      stopSurplusW: config.solar.stopSurplusW ?? startSurplusW / 2,
      startHoldS: config.solar.startHoldS,
      stopHoldS: config.solar.stopHoldS,
    },
    minA,
    nominalVoltageV: station.nominalVoltageV,
    stationPhases: station.phases,
  });
  const evDraw = (): EvDraw => {
    const s = target.meterPoller.latest();
    // What the EV is offered now: the pilot's PWM, not the composed limit (no PWM: nothing, whatever the limit).
    const pilot = target.snapshot();
    const offeredA = pilot.output.mode === 'pwm' && pilot.offeredA >= minA ? pilot.offeredA : 0;
    // No EV reading yet: count the EV as drawing nothing, which makes the rest of the building look bigger (safe).
    if (s === null) return { currentsA: [0, 0, 0], powerW: 0, offeredA };
    const a = (i: number): number => s.phases[i]?.currentA ?? 0;
    return { currentsA: station.phases === 1 ? [a(0), 0, 0] : [a(0), a(1), a(2)], powerW: s.totalPowerW, offeredA };
  };
  // Per-session totals, integrated at each mains reading over the time since the previous one.
  let totals: { sessionId: number; solarWh: number; gridWh: number; fuseLimitedS: number } | null = null;
  let lastReadingMono: number | null = null;
  const account = (): void => {
    const now = deps.clock.monotonicMs();
    const seconds = lastReadingMono === null ? 0 : Math.min(10, (now - lastReadingMono) / 1000);
    lastReadingMono = now;
    const sessionId = target.activeSessionId();
    if (sessionId === null) return;
    if (totals?.sessionId !== sessionId) totals = { sessionId, solarWh: 0, gridWh: 0, fuseLimitedS: 0 };
    const evW = Math.max(0, target.meterPoller.latest()?.totalPowerW ?? 0);
    const surplusW = Math.max(0, manager.figures().surplusW ?? 0);
    totals.solarWh += (Math.min(evW, surplusW) * seconds) / 3600;
    totals.gridWh += (Math.max(0, evW - surplusW) * seconds) / 3600;
    // Held back by the fuse: the offer is the mains' and the pilot offers it (PWM), and the EV draws about all of it.
    const offer = target.currentOffer();
    const pilot = target.snapshot();
    const evA = evW / (station.nominalVoltageV * station.phases);
    const byFuse = offer.limitedBy === 'load' && manager.limit()?.kind === 'fuse';
    if (byFuse && pilot.output.mode === 'pwm' && evA >= pilot.offeredA - 1) totals.fuseLimitedS += seconds;
  };
  // One point per minute of the wall clock, the mean of the readings in it.
  const history: LoadPoint[] = [];
  let minute: { key: number; mainsW: number; evW: number; surplusW: number; n: number } | null = null;
  const remember = (): void => {
    const f = manager.figures();
    if (f.reading === null) return;
    const key = Math.floor(deps.clock.nowMs() / 60_000);
    if (minute !== null && minute.key !== key) {
      history.push({ atMs: minute.key * 60_000, mainsW: minute.mainsW / minute.n, evW: minute.evW / minute.n, surplusW: minute.surplusW / minute.n });
      if (history.length > HISTORY_MINUTES) history.splice(0, history.length - HISTORY_MINUTES);
      minute = null;
    }
    minute ??= { key, mainsW: 0, evW: 0, surplusW: 0, n: 0 };
    minute.mainsW += f.reading.powerW;
    minute.evW += Math.max(0, target.meterPoller.latest()?.totalPowerW ?? 0);
    minute.surplusW += Math.max(0, f.surplusW ?? 0);
    minute.n += 1;
  };
  const poller = new MainsPoller(
    deps.meter,
    manager,
    evDraw,
    { intervalMs: config.meter.pollIntervalMs, maxFailures: MAX_FAILURES },
    deps.clock,
    {
      onLimit: (limit) => {
        target.setLoadLimit(limit);
        account();
        remember();
      },
      onLost: (why) => target.faults.raise('mains-meter-lost', why),
      onBack: () => target.faults.conditionGone('mains-meter-lost'),
    },
    deps.log.child({ module: 'load' }),
  );
  poller.start();
  return {
    setMode(mode) {
      target.setLoadLimit(manager.setMode(mode));
      deps.log.info({ mode }, 'load management mode changed');
    },
    figures() {
      const f = manager.figures();
      const offer = target.currentOffer();
      return {
        mode: manager.currentMode,
        mainsA: f.reading?.currentsA ?? null,
        mainsPowerW: f.reading?.powerW ?? null,
        surplusW: f.surplusW,
        fuseA: config.fuseA,
        limit: manager.limit(),
        offerA: offer.amps,
        offerReason: offer.reason,
        offerByFuse: offer.limitedBy === 'load' && manager.limit()?.kind === 'fuse',
        evPowerW: target.meterPoller.latest()?.totalPowerW ?? 0,
        meterLost: poller.isLost,
        meterErrors: poller.errorCounts(),
      };
    },
    history: () => [...history],
    sessionTotals() {
      return totals === null ? null : { ...totals, solarWh: Math.round(totals.solarWh), gridWh: Math.round(totals.gridWh), fuseLimitedS: Math.round(totals.fuseLimitedS) };
    },
    async stop() {
      await poller.stop();
      target.setLoadLimit(null);
    },
  };
}
