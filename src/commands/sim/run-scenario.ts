import type { EnergyMeter } from '../../../hal/meter.js';
import type { Clock } from '../../clock.js';
import type { StationConfig } from '../../config/schema.js';
import type { ControllerEvent } from '../../control/charger-controller.js';
import type { JournalReader } from '../../journal/ports.js';
import type { Logger } from '../../logger.js';
import type { SessionRecorder } from '../../session/recorder.js';
import type { Authorizer, Station, StopAuthorizer } from '../../wiring/station.js';
import { collectSummary, scenarioContext, type RunSummary, type Scenario, type ScenarioWorld } from './scenarios.js';
import { createSimStation, type SimStationOptions } from './sim-station.js';

/** A station a scenario runs on, with the world around it: the fast simulator's, or the virtual board's. */
export interface RunStation {
  readonly world: ScenarioWorld;
  readonly station: Station;
  /** Stops the station (stopping a running session with `reason`) and the world. */
  close(reason?: string): Promise<void>;
}

/** Builds the station and its world from the run's options (default: {@link createSimStation}). */
export type StationFactory = (opts: SimStationOptions) => Promise<RunStation>;

export interface RunScenarioOptions {
  readonly scenario: Scenario;
  readonly config: StationConfig;
  readonly clock: Clock;
  /**
   * Real time. Under `--speed N` the meter's Modbus round trips still take real milliseconds, so waits time out only
   * once both the station-time limit and a floor of real time have passed, and meter silence is judged in real time.
   */
  readonly realClock?: Clock;
  readonly logger: Logger;
  readonly recorder?: SessionRecorder;
  readonly authorizer?: Authorizer;
  readonly stopAuthorizer?: StopAuthorizer;
  readonly reader?: JournalReader;
  /** Where faults and the driver's session events become alerts (the journal). */
  readonly alerts?: SimStationOptions['alerts'];
  readonly meterPath?: 'modbus' | 'direct';
  /** One human line per state change. */
  readonly out?: (line: string) => void;
  /** Seconds of station time between progress lines while charging (0: none). */
  readonly statusIntervalS?: number;
  /** Resolves when the run must end (Ctrl-C). */
  readonly interrupted?: Promise<void>;
  /** Called once the simulated station is up (the CLI attaches its stdin commands and the uplink here). */
  readonly onReady?: (sim: RunStation) => void | Promise<void>;
  /** How the station and its world are built (default: the fast simulator's {@link createSimStation}). */
  readonly createStation?: StationFactory;
  readonly initialRegisterWh?: number;
  readonly beforeStart?: (meter: EnergyMeter) => Promise<void>;
}

export interface ScenarioResult extends RunSummary {
  /** What did not go as the scenario expects (empty when it passed). */
  readonly problems: string[];
}

/** Describes a controller event as one short line, or null for events not worth a line. */
export function describeEvent(e: ControllerEvent): string | null {
  switch (e.type) {
    case 'status':
      return `status ${e.status} (was ${e.previous})`;
    case 'fault':
      return e.event.type === 'raised'
        ? `fault ${e.event.fault.definition.name} raised [${e.event.fault.definition.severity}]: ${e.event.fault.detail ?? ''} — ${e.event.fault.definition.driverMessage}`
        : `fault ${e.event.name} cleared (${e.event.how})`;
    case 'limit':
      return `offer ${e.offer.amps} A, ${e.offer.reason}`;
    case 'session-started':
      return `session ${e.sessionId} started for ${e.idTag ?? 'free vend'}, meter ${e.meterStartWh} Wh`;
    case 'session-stopped':
      return `session ${e.sessionId} stopped (${e.reason}), meter ${e.meterStopWh} Wh`;
    case 'pilot':
      return `pilot ${e.event.name} → ${e.event.state}`;
    case 'contactor':
      return `contactor ${e.position}`;
  }
}

/** Runs one scenario on a fresh station (simulated by default, see `createStation`) and returns its summary. */
export async function runScenario(opts: RunScenarioOptions): Promise<ScenarioResult> {
  const { clock, scenario } = opts;
  // A scenario may need settings of its own (load management and the simulated building).
  const config = scenario.configure ? scenario.configure(opts.config) : opts.config;
  const createStation: StationFactory = opts.createStation ?? createSimStation;
  const sim = await createStation({
    config,
    clock,
    ...(opts.realClock ? { ioClock: opts.realClock } : {}),
    logger: opts.logger,
    meterPath: opts.meterPath ?? 'modbus',
    ...(opts.initialRegisterWh !== undefined ? { initialRegisterWh: opts.initialRegisterWh } : {}),
    ...(opts.beforeStart ? { beforeStart: opts.beforeStart } : {}),
    ...(opts.recorder ? { recorder: opts.recorder } : {}),
    ...(opts.authorizer ? { authorizer: opts.authorizer } : {}),
    ...(opts.stopAuthorizer ? { stopAuthorizer: opts.stopAuthorizer } : {}),
    ...(opts.reader ? { reader: opts.reader } : {}),
    ...(opts.alerts ? { alerts: opts.alerts } : {}),
  });
  const { station, world } = sim;
  const summary = collectSummary(scenario.name, station, clock);
  const startMono = clock.monotonicMs();
  const stamp = (): string => {
    const s = Math.floor((clock.monotonicMs() - startMono) / 1000);
    const hh = String(Math.floor(s / 3600)).padStart(2, '0');
    const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
    const ss = String(s % 60).padStart(2, '0');
    return `${hh}:${mm}:${ss}`;
  };
  const out = opts.out ?? (() => undefined);
  station.onEvent((e) => {
    const line = describeEvent(e);
    if (line) out(`[${stamp()}] ${line}`);
  });
  let stopRequested = false;
  const onInterrupt = new Set<() => void>();
  void opts.interrupted?.then(() => {
    stopRequested = true;
    for (const f of [...onInterrupt]) f();
  });
  let progress: ReturnType<Clock['setInterval']> | undefined;
  if ((opts.statusIntervalS ?? 0) > 0) {
    progress = clock.setInterval(() => {
      const s = station.controller.snapshot();
      if (s.session !== 'active') return;
      const sample = station.controller.meterPoller.latest();
      const kw = ((sample?.totalPowerW ?? 0) / 1000).toFixed(1);
      const id = station.controller.activeSessionId();
      const cost = id === null ? null : station.displayedCost(id);
      const costText = cost ? `, cost so far ${cost.text}${cost.source === 'csms' ? ' (CSMS)' : ''}` : '';
      const eta = station.estimatedCompletion();
      const etaText = eta ? `, done about ${new Date(eta.atMs).toISOString().slice(11, 16)} UTC (${eta.basis})` : '';
      out(
        `[${stamp()}] ${s.status}: ${kw} kW, offer ${s.offeredA} A, SoC ${world.ev.socPercent.toFixed(1)} %, meter ${sample?.importWh ?? '?'} Wh${costText}${etaText}`,
      );
    }, (opts.statusIntervalS ?? 0) * 1000);
  }

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve, reject) => {
      if (stopRequested) {
        reject(new Interrupted());
        return;
      }
      const cancel = (): void => {
        clock.clearTimeout(timer);
        reject(new Interrupted());
      };
      const timer = clock.setTimeout(() => {
        onInterrupt.delete(cancel);
        resolve();
      }, ms);
      onInterrupt.add(cancel);
    });
  const realClock = opts.realClock ?? clock;
  const waitFor = async (predicate: () => boolean, what: string, timeoutMs: number): Promise<void> => {
    const deadline = clock.monotonicMs() + timeoutMs;
    const realDeadline = realClock.monotonicMs() + REAL_TIME_FLOOR_MS;
    while (!predicate()) {
      if (stopRequested) throw new Interrupted();
      if (clock.monotonicMs() >= deadline && realClock.monotonicMs() >= realDeadline) {
        throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      }
      await wait(100);
    }
  };
  const ctx = scenarioContext({
    world,
    station,
    clock,
    idTag: config.simulator.idTag,
    wait,
    waitFor,
    evProfile: config.simulator.ev,
    note: (message) => {
      summary.notes.push(message);
      out(`[${stamp()}] note: ${message}`);
    },
    stopping: () => stopRequested,
  });

  await opts.onReady?.(sim);
  const problems: string[] = [];
  try {
    await scenario.run(ctx);
  } catch (err) {
    if (!(err instanceof Interrupted)) problems.push(`scenario failed: ${(err as Error).message}`);
  }
  if (progress !== undefined) clock.clearInterval(progress);
  await sim.close(stopRequested ? 'Local' : 'Other');
  summary.simulatedSeconds = Math.round((clock.monotonicMs() - startMono) / 1000);
  summary.finalStatus = station.controller.snapshot().status;
  for (const s of summary.sessions) {
    const cost = station.displayedCost(s.sessionId);
    if (cost) {
      s.costMinor = cost.totalMinor;
      s.cost = cost.text;
      s.costSource = cost.source;
    }
  }
  if (!stopRequested || !scenario.endless) problems.push(...(scenario.check?.(summary) ?? []));
  return { ...summary, problems };
}

/** Least real time a wait lasts before it may time out (a meter timeout plus its retry, with margin). */
const REAL_TIME_FLOOR_MS = 5000;

/** Thrown inside waits when the run is interrupted; ends the scenario quietly. */
class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}
