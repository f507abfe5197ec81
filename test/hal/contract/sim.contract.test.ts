import assert from 'node:assert/strict';
import { systemClock } from '../../../hal/base/clock.js';
import { defaultSimContactorTiming } from '../../../simulator/sim-contactor.js';
import { SIM_NEGATIVE_LEVEL_SETTLE_MS } from '../../../simulator/sim-pilot.js';
import { createVirtualModbusMeter } from '../../../simulator/modbus/virtual-meter.js';
import { SimWorld } from '../../../simulator/world.js';
import { contractTiming, describeHardwareContract, type HardwareUnderTest } from './hardware-contract.js';

/** An EV that never moves S2 by itself within a test: the test closes it. */
const evProfile = { maxCurrentA: 16, phases: 3, batteryWh: 60_000, startSocPercent: 20, targetSocPercent: 80, reactionMs: 3_600_000 } as const;

describe('simulator hardware timing matches the contract timing', () => {
  it('SimWorld builds its contactor and pilot with the same timing as the board side', () => {
    // SimWorld constructs its SimContactor with the defaults; the board side's GPIO config uses contractTiming.
    assert.equal(defaultSimContactorTiming.feedbackMs, contractTiming.feedbackMs);
    assert.equal(defaultSimContactorTiming.minCloseIntervalMs, contractTiming.minCloseIntervalMs);
    assert.equal(SIM_NEGATIVE_LEVEL_SETTLE_MS, contractTiming.negativeLevelSettleMs);
  });
});

describeHardwareContract('simulator (SimWorld, real time)', async () => {
  const world = new SimWorld(systemClock, evProfile);
  world.start();
  // The real Modbus driver over a virtual RTU line, as `evse sim` reads the model.
  const virtual = await createVirtualModbusMeter(() => world.electrical.sample(Date.now()), { model: 'sdm630' });
  const hw: HardwareUnderTest = {
    pilot: world.pilot,
    contactor: world.contactor,
    inputs: world.inputs,
    meter: virtual.meter,
    world: {
      plugEv: () => {
        world.plug();
        return Promise.resolve();
      },
      closeS2: () => {
        world.ev.s2Closed = true;
        world.pilot.refresh();
        return Promise.resolve();
      },
      openS2For: (ms) => {
        world.ev.s2Closed = false;
        world.pilot.refresh();
        return new Promise((resolve) =>
          setTimeout(() => {
            world.ev.s2Closed = true;
            world.pilot.refresh();
            resolve();
          }, ms),
        );
      },
      removeDiode: () => {
        world.inject('missing-diode');
        return Promise.resolve();
      },
      contactorFault: (kind, active) => {
        world.inject(kind === 'welded' ? 'welded-contactor' : 'contactor-fails-to-close', active);
        return Promise.resolve();
      },
      tripRcd: () => {
        world.inject('rcd-trip');
        return Promise.resolve();
      },
      pressEmergencyStop: () => {
        world.inject('emergency-stop');
        return Promise.resolve();
      },
    },
    dispose: async () => {
      world.stop();
      await virtual.close();
      await world.contactor.dispose();
      await world.pilot.close();
      await world.inputs.dispose();
    },
  };
  return hw;
});
