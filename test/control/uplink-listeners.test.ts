import assert from 'node:assert/strict';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { createSimStation, type SimStation } from '../../src/commands/sim/sim-station.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import { silentLogger } from '../../src/logger.js';
import type { OcppClient } from '../../src/ocpp/client.js';
import type { Station } from '../../src/wiring/station.js';
import { createUplink, uplinkAuthorizer } from '../../src/wiring/uplink.js';
import { benchConfigInput } from '../../simulator/bench-config.js';
import { createBenchCsms, type BenchCsms } from '../../simulator/csms/bench-csms.js';
import { tempStateDir } from '../journal/support/helpers.js';

async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The station, with the unplug subscriptions counted (the controller counts its own listeners). */
function countingUnplugs(station: Station): { station: Station; unplugListeners: () => number } {
  let active = 0;
  return {
    station: {
      ...station,
      onUnplug: (listener) => {
        active += 1;
        const off = station.onUnplug(listener);
        let removed = false;
        return () => {
          if (!removed) active -= 1;
          removed = true;
          off();
        };
      },
    },
    unplugListeners: () => active,
  };
}

describe('the uplink leaves no listener behind on the station', function () {
  this.timeout(120_000);
  let state: ReturnType<typeof tempStateDir>;
  let csms: BenchCsms;
  let journal: Journal;
  let sim: SimStation;

  before(async () => {
    state = tempStateDir('evse-uplink-listeners-');
    csms = await createBenchCsms({ port: 0 });
    journal = await openJournal({ stateDir: state.dir });
  });
  after(async () => {
    await sim.close();
    await journal.close();
    await csms.close();
    state.cleanup();
  });

  it('creating, starting (through registration) and stopping the uplink 20 times leaves every listener count as it was', async () => {
    const config = parseConfig({ ...benchConfigInput, ocpp: { url: csms.url, chargePointId: 'CP-LISTEN' } });
    let uplink: OcppClient | null = null;
    sim = await createSimStation({
      config,
      clock: systemClock,
      logger: silentLogger(),
      recorder: journal,
      reader: journal,
      meterPath: 'direct',
      authorizer: uplinkAuthorizer(() => uplink),
    });
    const counted = countingUnplugs(sim.station);
    const counts = (): unknown => ({ ...sim.station.controller.listenerCounts(), unplugs: counted.unplugListeners() });
    const before = counts();
    for (let i = 0; i < 20; i++) {
      uplink = await createUplink({ station: counted.station, journal, config, clock: systemClock, logger: silentLogger(), onReset: () => Promise.resolve() });
      uplink.start();
      const booted = csms.callsOf('BootNotification').length;
      await until(() => uplink!.registration.isAccepted() || csms.callsOf('BootNotification').length > booted, `registration #${i}`);
      assert.notDeepEqual(counts(), before, 'a running uplink listens');
      await uplink.stop();
      assert.deepEqual(counts(), before, `after stop #${i + 1}`);
    }
    // One uplink stopped and started again listens again, and leaves nothing behind once more.
    uplink = await createUplink({ station: counted.station, journal, config, clock: systemClock, logger: silentLogger(), onReset: () => Promise.resolve() });
    uplink.start();
    await uplink.stop();
    uplink.start();
    assert.notDeepEqual(counts(), before);
    await uplink.stop();
    assert.deepEqual(counts(), before);
  });

  it('the port still reports the running session and status changes while the uplink runs', async () => {
    const config = parseConfig({ ...benchConfigInput, ocpp: { url: csms.url, chargePointId: 'CP-LISTEN2' } });
    let uplink: OcppClient | null = null;
    await sim.close();
    sim = await createSimStation({
      config,
      clock: systemClock,
      logger: silentLogger(),
      recorder: journal,
      reader: journal,
      meterPath: 'direct',
      authorizer: uplinkAuthorizer(() => uplink),
    });
    uplink = await createUplink({ station: sim.station, journal, config, clock: systemClock, logger: silentLogger(), onReset: () => Promise.resolve() });
    uplink.start();
    try {
      await until(() => uplink.registration.isAccepted(), 'registration');
      const statuses = (): unknown[] => csms.callsOf('StatusNotification').filter((p) => p['connectorId'] === 1).map((p) => p['status']);
      sim.world.plug();
      await until(async () => (await sim.station.tap('SIMCARD01')) === 'started', 'an accepted tap');
      await until(() => statuses().includes('Charging'), 'StatusNotification Charging');
      const sessionId = sim.station.controller.activeSessionId();
      await until(async () => sessionId !== null && (await journal.transactionIdFor(sessionId)) !== null, 'StartTransaction.conf');
      await sim.station.tap('SIMCARD01');
      await until(() => csms.callsOf('StopTransaction').length > 0, 'StopTransaction');
    } finally {
      await uplink.stop();
    }
  });
});
