import { FuseHeat } from '../../control/load/fuse-curve.js';
import type { StationConfig } from '../../config/schema.js';
import { loadManagementSchema, type LoadManagementConfig } from '../../control/load/config.js';
import type { StopReason } from '../../control/charger-fsm.js';
import type { EvProfile } from '../../../simulator/ev.js';
import type { RunSummary, Scenario, ScenarioContext } from './scenarios.js';

/** The scenario helpers of scenarios.ts (passed in: that module lists these scenarios). */
export interface ScenarioHelpers {
  plugAndCharge(ctx: ScenarioContext, profile?: Partial<EvProfile>): Promise<void>;
  stopAndLeave(ctx: ScenarioContext, afterMs?: number): Promise<void>;
  expectSessions(summary: RunSummary, count: number, reason?: StopReason): string[];
}

/** What a simulated day of load management measured, second by second of station time. */
export interface LoadDayReport {
  /** The highest mains current seen on any phase, A, and the fuse. */
  maxMainsA: number;
  fuseA: number;
  /** The highest share of the fuse's tolerance used (≥ 1: the fuse would have tripped). */
  maxFuseHeat: number;
  /** Seconds the fuse held the EV below what it would have drawn (the offer set by the mains, under the EV's maximum). */
  fuseLimitedS: number;
  /** Energy the EV took, split by where it came from, Wh. */
  evFromSurplusWh: number;
  evFromGridWh: number;
  /** The surplus the building had over the day (what an ideal controller could have put in the EV), Wh. */
  surplusWh: number;
  /** Times charging started or stopped (offer crossing 6 A). */
  switches: number;
}

const SECOND = 1000;
const HOUR = 3600 * SECOND;

/**
 * Samples the station's load figures about every second of station time for `ms` of station time, into a report.
 * Under a high `--speed` a wait overshoots, so everything is weighted by the station time that really passed.
 */
async function watchDay(ctx: ScenarioContext, ms: number, report: LoadDayReport, evMaxA: number): Promise<void> {
  const load = ctx.station.load;
  if (!load) throw new Error('this scenario needs load management on the fast simulator (not available on this station)');
  const heat = new FuseHeat();
  let charging: boolean | null = null;
  const start = ctx.clock.monotonicMs();
  let last = start;
  while (last - start < ms && !ctx.stopping()) {
    await ctx.wait(SECOND);
    const now = ctx.clock.monotonicMs();
    const seconds = (now - last) / 1000;
    last = now;
    const f = load.figures();
    report.fuseA = f.fuseA;
    if (f.mainsA !== null) {
      const worst = Math.max(...f.mainsA);
      report.maxMainsA = Math.max(report.maxMainsA, worst);
      report.maxFuseHeat = Math.max(report.maxFuseHeat, heat.add(worst / f.fuseA, seconds));
    }
    if (f.offerByFuse && f.offerA < evMaxA) report.fuseLimitedS += seconds;
    const surplusW = Math.max(0, f.surplusW ?? 0);
    report.surplusWh += (surplusW * seconds) / 3600;
    report.evFromSurplusWh += (Math.min(f.evPowerW, surplusW) * seconds) / 3600;
    report.evFromGridWh += (Math.max(0, f.evPowerW - surplusW) * seconds) / 3600;
    const on = f.offerA >= 6;
    if (charging !== null && on !== charging) report.switches += 1;
    charging = on;
  }
  ctx.note(describeLoadDay(report));
}

/** One line for the run's notes: what the day showed. */
export function describeLoadDay(r: LoadDayReport): string {
  const ev = r.evFromSurplusWh + r.evFromGridWh;
  const share = ev > 0 ? (100 * r.evFromSurplusWh) / ev : 0;
  const used = r.surplusWh > 0 ? (100 * r.evFromSurplusWh) / r.surplusWh : 0;
  return (
    `load: mains max ${r.maxMainsA.toFixed(1)} A of ${r.fuseA} A (fuse tolerance used ${(100 * r.maxFuseHeat).toFixed(0)} %), ` +
    `limited by the fuse ${(r.fuseLimitedS / 60).toFixed(0)} min; EV ${(ev / 1000).toFixed(1)} kWh, ` +
    `${(r.evFromSurplusWh / 1000).toFixed(1)} kWh from solar surplus (${share.toFixed(0)} %), ` +
    `${used.toFixed(0)} % of the day's ${(r.surplusWh / 1000).toFixed(1)} kWh surplus used; ${r.switches} starts/stops`
  );
}

const emptyReport = (): LoadDayReport => ({
  maxMainsA: 0,
  fuseA: 0,
  maxFuseHeat: 0,
  fuseLimitedS: 0,
  evFromSurplusWh: 0,
  evFromGridWh: 0,
  surplusWh: 0,
  switches: 0,
});

/** The report of the last run of each scenario (read by its check and by the benchmark). */
export const lastLoadDay = new Map<string, LoadDayReport>();

/** Load management on the simulated building's meter (unit 2 on the EV meter's line), the section's defaults. */
const simulatedBuilding = (mode: 'fuse' | 'solar', pvInstalled: boolean): LoadManagementConfig =>
  loadManagementSchema.parse({ mode, pvInstalled, meter: { driver: 'sim', unitId: 2 } });

/** A big battery, so the EV draws all afternoon and the building, not the battery, decides. */
const bigEv: Partial<EvProfile> = { batteryWh: 150_000, startSocPercent: 10, targetSocPercent: 100, maxCurrentA: 16, phases: 3 };

export function loadDayScenarios(h: ScenarioHelpers): Scenario[] {
  return [
    {
      name: 'house-fuse',
      description: 'a family house on a 25 A fuse from 16:00 to 20:00 (heat pump, oven, hob, kettle) while an 11 kW EV charges: the offer follows the fuse',
      configure: (config: StationConfig): StationConfig => ({
        ...config,
        simulator: { ...config.simulator, building: { profile: 'house', startHour: 16 } },
        loadManagement: config.loadManagement ?? simulatedBuilding('fuse', false),
      }),
      async run(ctx) {
        const report = emptyReport();
        lastLoadDay.set('house-fuse', report);
        await h.plugAndCharge(ctx, bigEv);
        await watchDay(ctx, 4 * HOUR, report, bigEv.maxCurrentA ?? 16);
        await h.stopAndLeave(ctx);
      },
      check: (s) => {
        const r = lastLoadDay.get('house-fuse');
        const problems = h.expectSessions(s, 1, 'Local');
        if (!r) return [...problems, 'no load report'];
        if (r.maxFuseHeat >= 1) problems.push(`the fuse would have tripped: ${(100 * r.maxFuseHeat).toFixed(0)} % of its tolerance used`);
        if (r.fuseLimitedS === 0) problems.push('the fuse never limited the offer: the scenario did not load the house');
        if (s.faultsSeen.length > 0) problems.push(`unexpected faults: ${s.faultsSeen.join(', ')}`);
        return problems;
      },
    },
    {
      name: 'solar-day',
      description: 'a house with 10 kWp PV from 06:00 to 20:00, clouds in the afternoon: the EV charges from surplus only, without flapping',
      configure: (config: StationConfig): StationConfig => ({
        ...config,
        simulator: { ...config.simulator, building: { profile: 'solar-day', startHour: 6 } },
        loadManagement: config.loadManagement ?? simulatedBuilding('solar', true),
      }),
      async run(ctx) {
        const report = emptyReport();
        lastLoadDay.set('solar-day', report);
        // Plugged in at 06:00 and authorized: the station waits for the sun (SuspendedEVSE) before it offers current.
        ctx.arrive(bigEv);
        await ctx.wait(3000);
        await ctx.station.tap(ctx.idTag);
        await watchDay(ctx, 14 * HOUR, report, bigEv.maxCurrentA ?? 16);
        await h.stopAndLeave(ctx);
      },
      check: (s) => {
        const r = lastLoadDay.get('solar-day');
        const problems = h.expectSessions(s, 1, 'Local');
        if (!r) return [...problems, 'no load report'];
        const ev = r.evFromSurplusWh + r.evFromGridWh;
        if (ev < 10_000) problems.push(`the EV took only ${(ev / 1000).toFixed(1)} kWh from a sunny day`);
        if (ev > 0 && r.evFromSurplusWh / ev < 0.9) problems.push(`only ${((100 * r.evFromSurplusWh) / ev).toFixed(0)} % of the EV's energy came from surplus`);
        // Clouds pass every 13 minutes for two hours: hysteresis must keep starts and stops few.
        if (r.switches > 8) problems.push(`${r.switches} starts and stops: flapping`);
        if (s.faultsSeen.length > 0) problems.push(`unexpected faults: ${s.faultsSeen.join(', ')}`);
        return problems;
      },
    },
  ];
}
