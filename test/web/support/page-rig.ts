import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/load.js';
import { openJournal, type Journal } from '../../../src/journal/journal.js';
import { silentLogger } from '../../../src/logger.js';
import { buildStatusApp } from '../../../src/web/app.js';
import { pageRequestHandler } from '../../../src/web/page-actions.js';
import { localStatusData } from '../../../src/web/status-data.js';
import { stationPageActions } from '../../../src/wiring/page-actions.js';
import { createSimStation, type SimStation } from '../../../src/commands/sim/sim-station.js';
import { benchConfigInput } from '../../../simulator/bench-config.js';
import { tempStateDir } from '../../journal/support/helpers.js';

export interface PageRig {
  readonly sim: SimStation;
  readonly journal: Journal;
  readonly app: FastifyInstance;
  readonly dir: string;
  /** Plugs in and taps the bench card; resolves with the running session's id once it is journaled. */
  startSession(): Promise<number>;
  close(): Promise<void>;
}

/** Waits until `predicate` holds (polls every 10 ms). */
export async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The page's app (fastify, in-process, no worker) over a simulated station with a real SQLite journal in a temp dir,
 * with feedback and, given a hash, the operator's routes, wired as the daemon wires them.
 */
export async function pageRig(
  opts: {
    readonly passwordHash?: string;
    readonly actionsClock?: Clock;
    readonly feedback?: boolean;
    /** Config sections over the bench config (e.g. `loadManagement`: then the meters are read over the virtual Modbus line). */
    readonly config?: Readonly<Record<string, unknown>>;
  } = {},
): Promise<PageRig> {
  const state = tempStateDir('evse-page-');
  const config = parseConfig({ ...benchConfigInput, ...opts.config, web: { ...(opts.passwordHash === undefined ? {} : { operatorPasswordHash: opts.passwordHash }) } });
  const journal = await openJournal({ stateDir: state.dir });
  // The mains meter of load management lives on the simulated Modbus line only.
  const meterPath = config.loadManagement === undefined ? 'direct' : 'modbus';
  const sim = await createSimStation({ config, clock: systemClock, logger: silentLogger(), recorder: journal, reader: journal, meterPath });
  const actions = stationPageActions({ station: sim.station, journal, config, clock: opts.actionsClock ?? systemClock, logger: silentLogger(), uplink: () => null });
  const app = buildStatusApp(localStatusData({ station: sim.station, config, clock: systemClock }, journal), () => undefined, {
    act: pageRequestHandler(actions),
    feedback: opts.feedback ?? true,
    operatorPasswordHash: config.web.operatorPasswordHash ?? null,
  });
  return {
    sim,
    journal,
    app,
    dir: state.dir,
    async startSession() {
      sim.world.plug();
      await until(() => sim.station.controller.snapshot().pilot === 'B', 'the EV plugged in');
      const answer = await sim.station.tap(config.simulator.idTag);
      if (answer !== 'started') throw new Error(`tap answered ${answer}`);
      await until(() => sim.station.controller.activeSessionId() !== null, 'the session started');
      return sim.station.controller.activeSessionId() as number;
    },
    async close() {
      await app.close();
      await sim.close();
      await journal.close();
      state.cleanup();
    },
  };
}
