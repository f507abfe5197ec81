import assert from 'node:assert/strict';
import sinon from 'sinon';
import { systemClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/logger.js';
import { MemoryRecorder } from '../../../src/session/memory-recorder.js';
import { createSimStation, type SimStation } from '../../../src/commands/sim/sim-station.js';
import type { BuildingProfile } from '../../../simulator/building.js';
import { EvseError } from '../../../src/errors.js';
import { sessionsReport } from '../../../src/billing/reports.js';
import { requireHardwareConfig } from '../../../src/wiring/run-station.js';
import { testGpioConfig } from '../../hal/gpio/support/config.js';

/** A building whose household the test switches: per phase W, no PV. */
function switchableHouse(): BuildingProfile & { loadW: [number, number, number] } {
  const house = {
    name: 'test',
    loadW: [500, 500, 500] as [number, number, number],
    household: () => house.loadW,
    pv: () => 0,
  };
  return house;
}

const fuseConfig = (over: Record<string, unknown> = {}) =>
  parseConfig({
    control: { freeVend: true },
    loadManagement: { mode: 'fuse', fuseA: 25, marginA: 2, meter: { driver: 'sim', model: 'sdm630', unitId: 2 }, ...over },
  });

describe('load management on the simulated station (real Modbus drivers, two meters on one virtual line)', function () {
  this.timeout(60_000);
  let clock: sinon.SinonFakeTimers;
  let sim: SimStation | null = null;

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.parse('2026-06-01T08:00:00Z'), shouldAdvanceTime: false });
  });
  afterEach(async () => {
    const closing = sim?.close();
    for (let i = 0; i < 100 && closing; i++) await clock.tickAsync(100);
    await closing;
    sim = null;
    clock.restore();
  });

  let recorder = new MemoryRecorder();
  async function start(house: BuildingProfile, config = fuseConfig()): Promise<SimStation> {
    recorder = new MemoryRecorder();
    sim = await createSimStation({ config, clock: systemClock, logger: silentLogger(), recorder, building: house });
    return sim;
  }
  const seconds = async (s: number): Promise<void> => {
    for (let i = 0; i < s * 10; i++) await clock.tickAsync(100);
  };

  it('an oven switched on while the EV charges: the offer drops at the next reading, naming the phase, and comes back', async () => {
    const house = switchableHouse();
    const { station, world } = await start(house);
    world.plug();
    await seconds(20);
    assert.equal(station.controller.snapshot().status, 'Charging');
    // 500 W per phase: room 25 − 2 − 2.2 = 20.8 A; the simulated EV takes 16 A.
    assert.ok(station.controller.currentOffer().amps >= 16, station.controller.currentOffer().reason);

    house.loadW = [500 + 3500, 500, 500];
    await seconds(3);
    const offer = station.controller.currentOffer();
    // L1: 4000 W = 17.4 A of household: room 25 − 2 − 17.4 = 5.6 A → below 6 A: charging pauses.
    assert.equal(offer.limitedBy, 'load');
    assert.match(offer.reason, /^limited by: mains L1 \d+\.\d A of 25 A$/);
    assert.ok(offer.amps < 6, offer.reason);

    house.loadW = [500 + 1500, 500, 500];
    await seconds(15);
    const back = station.controller.currentOffer();
    // L1: 2000 W = 8.7 A: room 14.3 A.
    assert.ok(back.amps >= 14 && back.amps < 14.5, back.reason);
    assert.equal(station.controller.snapshot().status, 'Charging');
  });

  it('the mains meter lost: the safe current with the mains-meter-lost fault, charging goes on; back: the fault clears', async () => {
    const house = switchableHouse();
    const s = await start(house);
    s.world.plug();
    await seconds(20);
    s.mainsSlave?.setFault('no-answer');
    await seconds(10);
    assert.deepEqual(s.station.controller.currentOffer().reason, 'limited by: mains meter lost: safe current 6 A');
    assert.ok(s.station.controller.faults.isActive('mains-meter-lost'));
    assert.equal(s.station.controller.snapshot().status, 'Charging', 'a lost mains meter slows charging, it does not stop it');
    s.mainsSlave?.setFault(null);
    await seconds(10);
    assert.ok(!s.station.controller.faults.isActive('mains-meter-lost'));
    assert.match(s.station.controller.currentOffer().reason, /mains L\d/);
  });

  it('the composite takes the smallest: a smart-charging limit under the fuse wins; the fuse under it wins', async () => {
    const house = switchableHouse();
    const { station, world } = await start(house);
    world.plug();
    await seconds(20);
    station.controller.setExternalLimit(10);
    await seconds(2);
    assert.equal(station.controller.currentOffer().reason, 'limited by: external 10 A');
    house.loadW = [500 + 2800, 500, 500];
    await seconds(3);
    // L1: 3300 W = 14.3 A of household: room 8.6 A, under the profile's 10 A.
    const offer = station.controller.currentOffer();
    assert.equal(offer.limitedBy, 'load');
    assert.ok(offer.amps > 8 && offer.amps < 9, offer.reason);
  });
});

describe('load management in the sessions report', function () {
  this.timeout(60_000);

  it('a session journals where its energy came from (solar, grid) and the minutes the fuse held it back', async () => {
    const clock = sinon.useFakeTimers({ now: Date.parse('2026-06-01T10:00:00Z'), shouldAdvanceTime: false });
    const recorder = new MemoryRecorder();
    // 6 kW of PV, 300 W of household per phase: 5.1 kW of surplus, under the 11 kW the EV takes on a 25 A fuse with
    // the household's 1.3 A: the EV at 16 A takes all the surplus and the rest from the grid.
    const house: BuildingProfile = { name: 'test', household: () => [300, 300, 300], pv: () => 6000 };
    const config = fuseConfig({ pvInstalled: true });
    const sim = await createSimStation({ config, clock: systemClock, logger: silentLogger(), recorder, building: house });
    try {
      sim.world.plug();
      for (let i = 0; i < 20 * 60 * 10; i++) await clock.tickAsync(100);
      sim.station.controller.stop('Local');
      for (let i = 0; i < 50; i++) await clock.tickAsync(100);
      const session = recorder.sessions[0];
      assert.ok(session?.stop, 'the session stopped');
      const summaries = session.events.filter((e) => e.kind === 'load-summary');
      // Every 5 minutes while it runs, and once at the stop.
      assert.ok(summaries.length >= 4, `${summaries.length} load summaries`);
      const last = summaries[summaries.length - 1]?.detail;
      const energyWh = session.stop.meterStopWh - session.start.meterStartWh;
      const solarWh = Number(last?.['solarWh']);
      const gridWh = Number(last?.['gridWh']);
      // About 20 min × 5.1 kW from the surplus and 20 min × 5.9 kW from the grid.
      assert.ok(Math.abs(solarWh + gridWh - energyWh) < energyWh * 0.05, `solar ${solarWh} + grid ${gridWh} vs ${energyWh} Wh metered`);
      assert.ok(solarWh > 1500 && solarWh < 1900, `solar ${solarWh} Wh`);
      assert.equal(last?.['fuseLimitedS'], 0, 'the EV never reached the fuse');
    } finally {
      const closing = sim.close();
      for (let i = 0; i < 100; i++) await clock.tickAsync(100);
      await closing;
      clock.restore();
    }
  });

  it('the sessions report shows solar and grid energy and fuse minutes when a session has them, and no such columns otherwise', () => {
    const base = { timeline: { connectedMs: 0 } as never, cost: { time: { chargingMs: 0 }, idle: { idleMs: 0 }, energyWh: 1000, currency: 'EUR', totalMinor: 0, minorUnits: 2 } as never, register: null as never, stationTimeZone: null };
    const session = (id: number) => ({ id, connectorId: 1, idTag: null, startAtMs: id * 1000, stopAtMs: null, stopReason: null, clockTrusted: true }) as never;
    const without = sessionsReport([{ ...base, session: session(1), load: null }], 'UTC');
    assert.ok(!('solarWh' in (without[0] ?? {})));
    const withLoad = sessionsReport([{ ...base, session: session(1), load: null }, { ...base, session: session(2), load: { solarWh: 700, gridWh: 300, fuseLimitedS: 170 } }], 'UTC');
    assert.deepEqual([withLoad[0]?.solarWh, withLoad[1]?.solarWh, withLoad[1]?.gridWh, withLoad[1]?.fuseLimitedMinutes], [null, 700, 300, 3]);
  });
});

describe('loadManagement config: bad input refused naming the field', () => {
  const refused = (input: Record<string, unknown>, field: RegExp): void => {
    assert.throws(() => parseConfig(input), (err: unknown) => err instanceof EvseError && field.test(err.message));
  };
  it('a fuse below 6 A, a margin leaving less than 6 A, a safe current above the fuse', () => {
    refused({ loadManagement: { mode: 'fuse', fuseA: 5 } }, /loadManagement\.fuseA/);
    refused({ loadManagement: { mode: 'fuse', fuseA: 10, marginA: 5 } }, /loadManagement\.marginA/);
    refused({ loadManagement: { mode: 'fuse', fuseA: 10, marginA: 0, fallbackA: 16 } }, /loadManagement\.fallbackA/);
  });
  it('the same unit id for both meters on one port, or other line settings on a shared port', () => {
    const ev = { driver: 'modbus', port: '/dev/ttyUSB0', model: 'sdm630', unitId: 1 };
    refused({ meter: ev, loadManagement: { meter: { ...ev } } }, /loadManagement\.meter\.unitId/);
    refused({ meter: ev, loadManagement: { meter: { ...ev, unitId: 2, baudRate: 19_200 } } }, /loadManagement\.meter\.baudRate/);
    // Its own port: any unit id.
    assert.equal(parseConfig({ meter: ev, loadManagement: { meter: { ...ev, port: '/dev/ttyUSB1' } } }).loadManagement?.meter.unitId, 1);
    refused({ loadManagement: { meter: { driver: 'sim', unitId: 1 } } }, /loadManagement\.meter\.unitId/);
  });
  it('evse run refuses the simulated building: the mains meter must be a real one', () => {
    const config = parseConfig({
      gpio: testGpioConfig('/sys'),
      meter: { driver: 'modbus', port: '/dev/ttyUSB0', model: 'sdm630' },
      loadManagement: { mode: 'fuse', meter: { driver: 'sim', unitId: 2 } },
    });
    assert.throws(() => requireHardwareConfig(config, 'evse.json'), /evse\.json: loadManagement\.meter\.driver/);
  });

  it('solar thresholds in the wrong order, or a solar mode without PV', () => {
    refused({ loadManagement: { mode: 'solar', pvInstalled: true, solar: { startSurplusW: 2000, stopSurplusW: 3000 } } }, /loadManagement\.solar\.stopSurplusW/);
    refused({ loadManagement: { mode: 'solar' } }, /loadManagement\.pvInstalled/);
  });
});
