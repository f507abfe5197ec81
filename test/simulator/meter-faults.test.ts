import assert from 'node:assert/strict';
import sinon from 'sinon';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryRecorder } from '../../src/session/memory-recorder.js';
import type { FaultName } from '../../src/control/faults.js';
import type { SlaveFault } from '../../simulator/modbus/rtu-slave.js';
import { createSimStation } from '../../src/commands/sim/sim-station.js';

/**
 * Each fault of the Modbus meter simulator, seen through the real driver by the whole station: the driver's counter
 * for it rises, the station raises the matching fault while charging, and recovery clears it.
 */
const cases: readonly [SlaveFault, string, FaultName][] = [
  ['no-answer', 'timeout', 'meter-lost'],
  ['bad-crc', 'crc', 'meter-lost'],
  ['exception', 'exception', 'meter-lost'],
  ['wrong-unit', 'wrong-unit', 'meter-lost'],
  ['short-frame', 'short-frame', 'meter-lost'],
  ['energy-reset', 'implausible', 'meter-anomaly'],
];

describe('meter faults through the Modbus path end in the right station fault', function () {
  this.timeout(60_000);

  for (const [fault, counter, stationFault] of cases) {
    it(`${fault}: ${counter} counted, ${stationFault} raised, cleared after recovery`, async () => {
      const clock = sinon.useFakeTimers({ now: Date.parse('2026-07-01T12:00:00Z') });
      const sim = await createSimStation({
        config: parseConfig({}),
        clock: systemClock,
        logger: silentLogger(),
        recorder: new MemoryRecorder(),
      });
      try {
        const raised: FaultName[] = [];
        const cleared: FaultName[] = [];
        sim.station.onEvent((e) => {
          if (e.type !== 'fault') return;
          if (e.event.type === 'raised') raised.push(e.event.fault.definition.name);
          else cleared.push(e.event.name);
        });
        sim.world.plug();
        await sim.station.tap('CARD');
        for (let i = 0; i < 100 && sim.station.controller.snapshot().status !== 'Charging'; i++) await clock.tickAsync(100);
        await clock.tickAsync(3000);
        const stats = (): Record<string, number> => (sim.meter as unknown as { stats(): Record<string, number> }).stats();
        const before = stats()[counter] ?? 0;
        sim.meterSlave!.setFault(fault);
        await clock.tickAsync(15_000);
        assert.ok((stats()[counter] ?? 0) > before, `${counter} counter did not rise`);
        assert.ok(raised.includes(stationFault), `raised: ${raised.join(', ')}`);
        if (stationFault === 'meter-lost') assert.equal(sim.world.contactor.commanded(), 'open', 'charging paused');
        sim.meterSlave!.setFault(null);
        await clock.tickAsync(90_000);
        assert.ok(cleared.includes(stationFault), `cleared: ${cleared.join(', ')}`);
        assert.ok(!sim.station.controller.faults.isActive(stationFault));
        assert.equal(sim.station.controller.snapshot().status, 'Charging');
      } finally {
        // Shutdown may wait for a Modbus timeout: keep fake time moving while it closes.
        let closed = false;
        const closing = sim.close().finally(() => (closed = true));
        for (let i = 0; i < 200 && !closed; i++) await clock.tickAsync(100);
        await closing;
        clock.restore();
      }
    });
  }

  it('frozen: valid frames, a register standing still while power flows: the monitor finds it, charging goes on', async () => {
    const clock = sinon.useFakeTimers({ now: Date.parse('2026-07-01T12:00:00Z') });
    const sim = await createSimStation({ config: parseConfig({}), clock: systemClock, logger: silentLogger(), recorder: new MemoryRecorder() });
    try {
      const found: string[] = [];
      sim.station.monitor.onFinding((f) => found.push(f.detector));
      sim.world.plug();
      await sim.station.tap('CARD');
      for (let i = 0; i < 100 && sim.station.controller.snapshot().status !== 'Charging'; i++) await clock.tickAsync(100);
      await clock.tickAsync(3000);
      sim.meterSlave!.setFault('frozen');
      await clock.tickAsync(15_000);
      assert.deepEqual(found, ['frozen-meter']);
      assert.equal(sim.station.controller.snapshot().status, 'Charging');
    } finally {
      let closed = false;
      const closing = sim.close().finally(() => (closed = true));
      for (let i = 0; i < 200 && !closed; i++) await clock.tickAsync(100);
      await closing;
      clock.restore();
    }
  });
});
