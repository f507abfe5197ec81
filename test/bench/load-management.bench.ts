/**
 * `npm run bench -- load-management`. Claims measured (issue 18):
 * - the reaction time from a mains spike (an oven switched on) to the reduced PWM duty on the pilot, with the real
 *   Modbus drivers reading both meters over one virtual RS-485 line at their 1 s poll, in real time;
 * - on the simulated solar day (scenario solar-day, fake time), the share of the EV's energy that came from PV surplus
 *   and the share of the day's surplus the EV took, against the ideal (all of it);
 * - on the simulated house evening (scenario house-fuse), the share of the fuse's tolerance used at worst.
 */
import sinon from 'sinon';
import type { PilotOutput } from '../../hal/pilot.js';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryRecorder } from '../../src/session/memory-recorder.js';
import { lastLoadDay } from '../../src/commands/sim/load-scenarios.js';
import { runScenario } from '../../src/commands/sim/run-scenario.js';
import { findScenario } from '../../src/commands/sim/scenarios.js';
import { createSimStation } from '../../src/commands/sim/sim-station.js';
import type { Bench, Figure } from './figures.js';
import { summarize } from './stats.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `predicate` holds (checked every ms), or throws after `timeoutMs`. */
async function until(predicate: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

async function reaction(trials: number): Promise<number[]> {
  const house = { name: 'bench', loadW: [500, 500, 500] as [number, number, number], household: (): readonly [number, number, number] => house.loadW, pv: () => 0 };
  const config = parseConfig({
    control: { freeVend: true },
    loadManagement: { mode: 'fuse', fuseA: 25, marginA: 2, meter: { driver: 'sim', model: 'sdm630', unitId: 2 } },
  });
  const sim = await createSimStation({ config, clock: systemClock, logger: silentLogger(), recorder: new MemoryRecorder(), building: house });
  const pilot = sim.world.pilot;
  let lastOutput: PilotOutput = pilot.output();
  let changedAt = 0;
  const previous = pilot.onOutput;
  pilot.onOutput = (o) => {
    previous?.(o);
    lastOutput = o;
    changedAt = performance.now();
  };
  const duty = (): number => (lastOutput.mode === 'pwm' ? lastOutput.dutyPercent : 0);
  const ms: number[] = [];
  try {
    sim.world.plug();
    await until(() => sim.station.controller.snapshot().status === 'Charging' && duty() >= 26, 'charging at 16 A', 30_000);
    for (let i = 0; i < trials; i++) {
      // A random moment within the poll cycle.
      await sleep(200 + Math.random() * 1000);
      const before = duty();
      // An oven on L1: 3000 W of household there, room 25 − 2 − 13 = 10 A.
      house.loadW = [3000, 500, 500];
      const t0 = performance.now();
      await until(() => duty() < before, 'the reduced duty', 10_000);
      ms.push(changedAt - t0);
      house.loadW = [500, 500, 500];
      // Back to the full offer: the next reading, then the 5 s pacing of increases.
      await until(() => duty() >= before, 'the offer back', 20_000);
    }
  } finally {
    pilot.onOutput = previous;
    await sim.close();
  }
  return ms;
}

/** Runs a load scenario to its end on fake time and returns its report. */
async function day(name: 'house-fuse' | 'solar-day') {
  const scenario = findScenario(name);
  if (!scenario) throw new Error(`no scenario ${name}`);
  const clock = sinon.useFakeTimers({ now: Date.parse('2026-06-01T04:00:00Z'), shouldAdvanceTime: false });
  try {
    const done = runScenario({ scenario, config: parseConfig({}), clock: systemClock, logger: silentLogger(), recorder: new MemoryRecorder() });
    let finished = false;
    void done.finally(() => (finished = true));
    for (let i = 0; i < 40_000 && !finished; i++) await clock.tickAsync(5000);
    const result = await done;
    const report = lastLoadDay.get(name);
    if (!report) throw new Error(`${name} left no report`);
    return { result, report };
  } finally {
    clock.restore();
  }
}

const run: Bench = async ({ quick }) => {
  const trials = quick ? 5 : 20;
  const r = summarize(await reaction(trials));
  const figures: Figure[] = [
    { bench: 'load-management', name: 'mains spike → reduced PWM, p50', value: r.p50, unit: 'ms', note: `${r.n} spikes, mains meter polled every 1 s on the EV meter's line` },
    { bench: 'load-management', name: 'mains spike → reduced PWM, max', value: r.max, unit: 'ms', target: { kind: 'max', value: 2000 }, note: 'one poll period plus two meter reads' },
  ];
  const solar = await day('solar-day');
  const ev = solar.report.evFromSurplusWh + solar.report.evFromGridWh;
  figures.push(
    { bench: 'load-management', name: 'solar day: EV energy from surplus', value: (100 * solar.report.evFromSurplusWh) / ev, unit: '%', target: { kind: 'min', value: 90 }, note: `${(ev / 1000).toFixed(1)} kWh into the EV` },
    { bench: 'load-management', name: 'solar day: surplus used, against the ideal 100 %', value: (100 * solar.report.evFromSurplusWh) / solar.report.surplusWh, unit: '%', note: `${(solar.report.surplusWh / 1000).toFixed(1)} kWh of surplus; the EV waits for 4.1 kW to start and stops 5 min after it falls under 2.1 kW` },
    { bench: 'load-management', name: 'solar day: starts and stops', value: solar.report.switches, unit: 'count', target: { kind: 'max', value: 8 } },
  );
  const house = await day('house-fuse');
  figures.push(
    { bench: 'load-management', name: 'house evening: fuse tolerance used at worst', value: 100 * house.report.maxFuseHeat, unit: '%', target: { kind: 'max', value: 100 }, note: `mains max ${house.report.maxMainsA.toFixed(1)} A on a ${house.report.fuseA} A fuse` },
    { bench: 'load-management', name: 'house evening: minutes limited by the fuse', value: house.report.fuseLimitedS / 60, unit: 'min', note: 'of 4 h' },
  );
  return figures;
};

export default run;
