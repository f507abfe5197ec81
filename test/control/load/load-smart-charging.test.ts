import assert from 'node:assert/strict';
import { systemClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/load.js';
import { createSimStation, type SimStation } from '../../../src/commands/sim/sim-station.js';
import { openJournal, type Journal } from '../../../src/journal/journal.js';
import { silentLogger } from '../../../src/logger.js';
import type { OcppClient } from '../../../src/ocpp/client.js';
import { createUplink, uplinkAuthorizer } from '../../../src/wiring/uplink.js';
import { benchConfigInput } from '../../../simulator/bench-config.js';
import { createBenchCsms, type BenchCsms } from '../../../simulator/csms/bench-csms.js';
import { tempStateDir } from '../../journal/support/helpers.js';

async function until(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The composite with OCPP smart charging (issue 18, deliverable 6): a TxDefaultProfile the CSMS sets over a real
 * websocket and the building's fuse both limit the offer; the smaller one wins and is named, either way round.
 */
describe('load management with an OCPP smart-charging profile (bench CSMS on loopback, real journal)', function () {
  this.timeout(60_000);
  let state: ReturnType<typeof tempStateDir>;
  let csms: BenchCsms;
  let journal: Journal;
  let sim: SimStation | null = null;
  let uplink: OcppClient | null = null;

  before(async () => {
    state = tempStateDir('evse-load-sc-');
    csms = await createBenchCsms({ port: 0 });
    journal = await openJournal({ stateDir: state.dir });
  });
  after(async () => {
    await uplink?.stop();
    await sim?.close();
    await journal.close();
    await csms.close();
    state.cleanup();
  });

  it('a 10 A profile under the fuse wins ("external 10 A"); an oven that leaves 8.6 A under the profile wins ("mains L1")', async () => {
    const house = { name: 'test', loadW: [500, 500, 500] as [number, number, number], household: (): readonly [number, number, number] => house.loadW, pv: () => 0 };
    const config = parseConfig({
      ...benchConfigInput,
      control: { pwmChangeMinIntervalS: 0 },
      ocpp: { url: csms.url, chargePointId: 'CP-LOAD' },
      loadManagement: { mode: 'fuse', fuseA: 25, marginA: 2, meter: { driver: 'sim', model: 'sdm630', unitId: 2 } },
    });
    sim = await createSimStation({
      config,
      clock: systemClock,
      logger: silentLogger(),
      recorder: journal,
      reader: journal,
      building: house,
      authorizer: uplinkAuthorizer(() => uplink),
    });
    uplink = await createUplink({ station: sim.station, journal, config, clock: systemClock, logger: silentLogger(), onReset: () => Promise.resolve() });
    uplink.start();
    const client = uplink;
    await until(() => client.registration.isAccepted(), 'registration');
    const offer = () => sim!.station.controller.currentOffer();
    await until(() => offer().limitedBy === 'load', 'the first mains reading');
    // 500 W a phase: the fuse leaves 25 − 2 − 2.2 = 20.8 A.
    assert.ok(offer().amps > 20 && offer().amps < 21, offer().reason);

    const status = await csms.controls.call('CP-LOAD', 'SetChargingProfile', {
      connectorId: 0,
      csChargingProfiles: {
        chargingProfileId: 1,
        stackLevel: 0,
        chargingProfilePurpose: 'TxDefaultProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: { startSchedule: new Date(Date.now() - 60_000).toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] },
      },
    });
    assert.deepEqual(status, { status: 'Accepted' });
    await until(() => offer().reason === 'limited by: external 10 A', 'the profile in force');

    // An oven on L1: 3300 W of household there, 14.3 A: the fuse leaves 8.6 A, under the profile's 10 A.
    house.loadW = [3300, 500, 500];
    await until(() => offer().limitedBy === 'load', 'the fuse under the profile');
    assert.match(offer().reason, /^limited by: mains L1 14\.\d A of 25 A$/);
    assert.ok(offer().amps > 8 && offer().amps < 9, offer().reason);

    // The oven off again: the profile binds once more.
    house.loadW = [500, 500, 500];
    await until(() => offer().reason === 'limited by: external 10 A', 'the profile back in force');
  });
});
