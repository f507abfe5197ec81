import sinon from 'sinon';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryRecorder } from '../../src/session/memory-recorder.js';
import type { ControllerEvent } from '../../src/control/charger-controller.js';
import { createSimStation, type SimStation } from '../../src/commands/sim/sim-station.js';

export interface Bench {
  readonly sim: SimStation;
  readonly clock: sinon.SinonFakeTimers;
  readonly recorder: MemoryRecorder;
  readonly events: ControllerEvent[];
  /** Plugs in, taps, and advances until Charging. */
  charge(): Promise<void>;
  close(): Promise<void>;
}

/** A simulated station on fake time (direct meter path) for controller tests. */
export async function bench(configInput: unknown = {}, options: { cableLock?: boolean } = {}): Promise<Bench> {
  const clock = sinon.useFakeTimers({ now: Date.parse('2026-06-01T09:00:00Z') });
  const recorder = new MemoryRecorder();
  const sim = await createSimStation({
    config: parseConfig(configInput),
    clock: systemClock,
    logger: silentLogger(),
    recorder,
    meterPath: 'direct',
    ...(options.cableLock === true ? { cableLock: true } : {}),
  });
  const events: ControllerEvent[] = [];
  sim.station.onEvent((e) => events.push(e));
  return {
    sim,
    clock,
    recorder,
    events,
    async charge() {
      sim.world.plug();
      await clock.tickAsync(100);
      await sim.station.tap('CARD');
      for (let i = 0; i < 100 && sim.station.controller.snapshot().status !== 'Charging'; i++) await clock.tickAsync(100);
      if (sim.station.controller.snapshot().status !== 'Charging') throw new Error('never reached Charging');
    },
    async close() {
      await sim.close();
      clock.restore();
    },
  };
}

export function faultsRaised(events: readonly ControllerEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'fault' && e.event.type === 'raised' ? [e.event.fault.definition.name] : []));
}
