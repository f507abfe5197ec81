import type { Clock } from '../../clock.js';
import type { ChargePointStatus, SessionPhase, StopReason } from '../../control/charger-fsm.js';
import type { ControllerEvent } from '../../control/charger-controller.js';
import type { FaultName } from '../../control/faults.js';
import type { EvProfile } from '../../../simulator/ev.js';
import type { StationConfig } from '../../config/schema.js';
import type { LoadFigures } from '../../control/load/load-control.js';
import { loadDayScenarios } from './load-scenarios.js';
import type { ScenarioWorld } from '../../../simulator/scenario-world.js';

export type { ScenarioWorld };

/** The station as a scenario drives it: what the in-process station gives, and what a daemon in another process can. */
export interface ScenarioStation {
  tap(idTag: string): Promise<unknown>;
  readonly controller: {
    snapshot(): { readonly status: ChargePointStatus; readonly session: SessionPhase };
    resetFaults(): readonly FaultName[] | Promise<readonly FaultName[]>;
    setExternalLimit(limitA: number | null): void;
  };
  /** Load management, where the station has it (the fast simulator with a `loadManagement` section). */
  readonly load?: { figures(): LoadFigures } | null;
}

/** What a scenario script can do. All waiting is on the station's clock, so `--speed` and fake timers apply. */
export interface ScenarioContext {
  readonly world: ScenarioWorld;
  readonly station: ScenarioStation;
  readonly clock: Clock;
  readonly idTag: string;
  /** Waits `ms` of station time. */
  wait(ms: number): Promise<void>;
  /** Waits until `predicate` holds (checked every 100 ms of station time); rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, what: string, timeoutMs: number): Promise<void>;
  waitForStatus(status: ChargePointStatus, timeoutMs: number): Promise<void>;
  /** Plugs in a new EV with this profile (merged over the configured one). */
  arrive(profile?: Partial<EvProfile>): void;
  note(message: string): void;
  /** Whether the run was asked to stop (Ctrl-C); long scenarios end their loop on it. */
  stopping(): boolean;
}

/** A scenario's context from its parts: waiting for a status and a new EV arriving are the same on every station. */
export function scenarioContext(
  parts: Omit<ScenarioContext, 'waitForStatus' | 'arrive'> & { readonly evProfile: EvProfile },
): ScenarioContext {
  const { evProfile, ...rest } = parts;
  return {
    ...rest,
    waitForStatus: (status, timeoutMs) =>
      parts.waitFor(() => parts.station.controller.snapshot().status === status, `status ${status}`, timeoutMs),
    arrive: (profile) => {
      parts.world.replaceEv({ ...evProfile, ...profile });
      parts.world.plug();
    },
  };
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** The settings the scenario needs on top of the user's config (load management, the simulated building). */
  configure?(config: StationConfig): StationConfig;
  /** Whether the scenario runs until interrupted. */
  readonly endless?: boolean;
  run(ctx: ScenarioContext): Promise<void>;
  /** Checks the outcome; returns what did not happen as expected. */
  check?(summary: RunSummary): string[];
}

export interface SessionSummary {
  readonly sessionId: number;
  readonly idTag: string | null;
  readonly startedAt: string;
  stoppedAt: string | null;
  readonly meterStartWh: number;
  meterStopWh: number | null;
  energyWh: number | null;
  stopReason: StopReason | null;
  readonly faults: FaultName[];
  /** Total in minor units and as text ("4.87 EUR"), from the session's tariff. */
  costMinor?: number;
  cost?: string;
  /** Whose figure it is: the CSMS's (costmsg) or the station's own. */
  costSource?: 'csms' | 'local';
}

export interface RunSummary {
  readonly scenario: string;
  readonly sessions: SessionSummary[];
  readonly faultsSeen: FaultName[];
  statusChanges: number;
  finalStatus: ChargePointStatus;
  simulatedSeconds: number;
  notes: string[];
}

/**
 * What {@link collectSummary} reads: the controller's events and its status. The in-process `Station` fits; so does a
 * daemon in another process whose logged events are replayed (`evse board-sim`).
 */
export interface SummarySource {
  onEvent(listener: (event: ControllerEvent) => void): unknown;
  readonly controller: { snapshot(): { readonly status: ChargePointStatus } };
}

/** Collects the summary of a run from the controller's events. */
export function collectSummary(scenario: string, station: SummarySource, clock: Clock): RunSummary {
  const startedMono = clock.monotonicMs();
  const summary: RunSummary = {
    scenario,
    sessions: [],
    faultsSeen: [],
    statusChanges: 0,
    finalStatus: station.controller.snapshot().status,
    simulatedSeconds: 0,
    notes: [],
  };
  const iso = (): string => new Date(clock.nowMs()).toISOString();
  station.onEvent((e: ControllerEvent) => {
    summary.simulatedSeconds = Math.round((clock.monotonicMs() - startedMono) / 1000);
    if (e.type === 'status') {
      summary.statusChanges += 1;
      summary.finalStatus = e.status;
    } else if (e.type === 'session-started') {
      summary.sessions.push({
        sessionId: e.sessionId,
        idTag: e.idTag,
        startedAt: iso(),
        stoppedAt: null,
        meterStartWh: e.meterStartWh,
        meterStopWh: null,
        energyWh: null,
        stopReason: null,
        faults: [],
      });
    } else if (e.type === 'session-stopped') {
      const s = summary.sessions.find((x) => x.sessionId === e.sessionId);
      if (s) {
        s.stoppedAt = iso();
        s.meterStopWh = e.meterStopWh;
        s.energyWh = e.meterStopWh - s.meterStartWh;
        s.stopReason = e.reason;
      }
    } else if (e.type === 'fault' && e.event.type === 'raised') {
      const name = e.event.fault.definition.name;
      if (!summary.faultsSeen.includes(name)) summary.faultsSeen.push(name);
      const open = summary.sessions.find((x) => x.stoppedAt === null);
      if (open && !open.faults.includes(name)) open.faults.push(name);
    }
  });
  return summary;
}

const MIN = 60_000;

/** Charges until `ms` elapsed, then the driver taps the card again and unplugs a little later. */
async function stopAndLeave(ctx: ScenarioContext, afterMs = 30_000): Promise<void> {
  await ctx.station.tap(ctx.idTag);
  await ctx.waitForStatus('Finishing', 30_000);
  await ctx.wait(afterMs);
  ctx.world.unplug();
  await ctx.waitForStatus('Available', 10_000);
}

async function plugAndCharge(ctx: ScenarioContext, profile?: Partial<EvProfile>): Promise<void> {
  ctx.arrive(profile);
  await ctx.wait(3000);
  await ctx.station.tap(ctx.idTag);
  await ctx.waitForStatus('Charging', 30_000);
}

function expectSessions(summary: RunSummary, count: number, reason?: StopReason): string[] {
  const problems: string[] = [];
  if (summary.sessions.length !== count) problems.push(`expected ${count} session(s), saw ${summary.sessions.length}`);
  for (const s of summary.sessions) {
    if (s.stopReason === null) problems.push(`session ${s.sessionId} never stopped`);
    else if (reason && s.stopReason !== reason) problems.push(`session ${s.sessionId} stopped with ${s.stopReason}, expected ${reason}`);
  }
  return problems;
}

function expectFault(summary: RunSummary, fault: FaultName): string[] {
  return summary.faultsSeen.includes(fault) ? [] : [`fault ${fault} was never raised`];
}

export const scenarios: readonly Scenario[] = [
  {
    name: 'basic',
    description: 'plug in, tap a card, charge 15 minutes, tap again to stop, unplug',
    async run(ctx) {
      await plugAndCharge(ctx);
      await ctx.wait(15 * MIN);
      await stopAndLeave(ctx);
    },
    check: (s) => [
      ...expectSessions(s, 1, 'Local'),
      ...(s.sessions[0] && (s.sessions[0].energyWh ?? 0) < 2000 ? [`too little energy: ${s.sessions[0].energyWh} Wh`] : []),
      ...(s.faultsSeen.length > 0 ? [`unexpected faults: ${s.faultsSeen.join(', ')}`] : []),
    ],
  },
  {
    name: 'ev-full',
    description: 'an EV near its target charges until full (SuspendedEV), then the driver unplugs',
    async run(ctx) {
      await plugAndCharge(ctx, { startSocPercent: 77, targetSocPercent: 80 });
      await ctx.waitForStatus('SuspendedEV', 60 * MIN);
      ctx.note(`EV full at ${ctx.world.ev.socPercent.toFixed(1)} % SoC`);
      await ctx.wait(2 * MIN);
      ctx.world.unplug();
      await ctx.waitForStatus('Available', 10_000);
    },
    check: (s) => [...expectSessions(s, 1, 'EVDisconnected')],
  },
  {
    name: 'rcd-trip',
    description: 'the residual current device trips while charging; the session ends, the station needs a reset',
    async run(ctx) {
      await plugAndCharge(ctx);
      await ctx.wait(2 * MIN);
      ctx.world.inject('rcd-trip');
      await ctx.waitForStatus('Faulted', 1000);
      await ctx.waitFor(() => ctx.station.controller.snapshot().session === 'none', 'session stopped', 10_000);
      await ctx.wait(20_000);
      ctx.world.unplug();
      ctx.world.inject('rcd-trip', false);
      await ctx.wait(5000);
      ctx.note(`reset clears: ${(await ctx.station.controller.resetFaults()).join(', ')}`);
      await ctx.waitForStatus('Available', 5000);
    },
    check: (s) => [...expectSessions(s, 1, 'EmergencyStop'), ...expectFault(s, 'rcd-trip')],
  },
  {
    name: 'welded-contactor',
    description: 'the contactor welds; when the driver stops, the auxiliary contact shows it and the station latches',
    async run(ctx) {
      await plugAndCharge(ctx);
      await ctx.wait(2 * MIN);
      ctx.world.inject('welded-contactor');
      await ctx.station.tap(ctx.idTag);
      await ctx.waitForStatus('Faulted', 30_000);
      await ctx.waitFor(() => ctx.station.controller.snapshot().session === 'none', 'session stopped', 10_000);
      await ctx.wait(30_000);
      ctx.world.unplug();
      await ctx.wait(5000);
      if (ctx.station.controller.snapshot().status !== 'Faulted') throw new Error('welded contactor did not stay latched');
      ctx.note('station stays Faulted until the contactor is replaced and an operator resets it');
    },
    check: (s) => [...expectSessions(s, 1, 'Local'), ...expectFault(s, 'contactor-welded')],
  },
  {
    name: 'overcurrent-ev',
    description: 'the limit drops to 8 A but the EV keeps drawing 16 A: soft overcurrent trips, charging resumes later',
    async run(ctx) {
      await plugAndCharge(ctx);
      await ctx.wait(1 * MIN);
      ctx.world.inject('ev-ignores-pwm');
      ctx.station.controller.setExternalLimit(8);
      await ctx.waitForStatus('Faulted', 30_000);
      ctx.note('soft overcurrent tripped; the EV behaves again after a restart of its charger');
      ctx.world.inject('ev-ignores-pwm', false);
      await ctx.waitForStatus('Charging', 2 * MIN);
      await ctx.wait(2 * MIN);
      await stopAndLeave(ctx);
    },
    check: (s) => [...expectSessions(s, 1, 'Local'), ...expectFault(s, 'soft-overcurrent')],
  },
  {
    name: 'meter-loss',
    description: 'the meter stops answering while charging; charging pauses, and resumes when the meter is back',
    async run(ctx) {
      await plugAndCharge(ctx);
      await ctx.wait(2 * MIN);
      ctx.world.inject('meter-silent');
      await ctx.waitForStatus('Faulted', 30_000);
      await ctx.wait(30_000);
      ctx.world.inject('meter-silent', false);
      await ctx.waitForStatus('Charging', 30_000);
      await ctx.wait(2 * MIN);
      await stopAndLeave(ctx);
    },
    check: (s) => [...expectSessions(s, 1, 'Local'), ...expectFault(s, 'meter-lost')],
  },
  ...loadDayScenarios({ plugAndCharge, stopAndLeave, expectSessions }),
  {
    name: 'continuous',
    description: 'one EV after another charges until full, until Ctrl-C (the default of npm start)',
    endless: true,
    async run(ctx) {
      const socs = [20, 45, 60, 35, 70];
      for (let i = 0; !ctx.stopping(); i++) {
        await plugAndCharge(ctx, { startSocPercent: socs[i % socs.length] ?? 40, targetSocPercent: 80 });
        await ctx.waitFor(() => ctx.world.ev.full || ctx.stopping(), 'EV full', 24 * 60 * MIN);
        if (ctx.stopping()) return;
        await ctx.wait(MIN);
        ctx.world.unplug();
        await ctx.wait(2 * MIN);
      }
    },
  },
];

export function findScenario(name: string): Scenario | undefined {
  return scenarios.find((s) => s.name === name);
}
