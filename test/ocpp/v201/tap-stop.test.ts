import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/load.js';
import { createSimStation, type SimStation } from '../../../src/commands/sim/sim-station.js';
import { openJournal, type Journal } from '../../../src/journal/journal.js';
import { silentLogger } from '../../../src/logger.js';
import type { Ocpp201Client } from '../../../src/ocpp/v201/client.js';
import { createStationUplink, uplinkAuthorizer, uplinkStopAuthorizer, type StationUplink } from '../../../src/wiring/uplink.js';
import { benchConfigInput } from '../../../simulator/bench-config.js';
import { createBenchCsms, type BenchCsms } from '../../../simulator/csms/bench-csms.js';
import { waitFor } from './rig.js';

/**
 * C09 / C16 from a card tapped during a session, on the real station (simulated hardware, real SQLite journal) with its
 * uplink against the bench CSMS on loopback (strict schemas): over 2.0.1 the CSMS's groupIdToken decides, over 1.6
 * the parentIdTag.
 */

interface Bench {
  csms: BenchCsms;
  journal: Journal;
  sim: SimStation;
  uplink: StationUplink | null;
  dir: string;
}

const GROUPS: Record<string, string> = { CARD_A: 'FLEET-1', CARD_B: 'FLEET-1', CARD_D: 'FLEET-1', CARD_C: 'FLEET-2', MASTER: 'MASTERS' };

async function bench(version: '1.6' | '2.0.1', id: string): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), 'evse-tap-stop-'));
  const csms = await createBenchCsms({ port: 0 });
  const journal = await openJournal({ stateDir: dir });
  const config = parseConfig({
    ...benchConfigInput,
    ocpp: {
      url: csms.url,
      chargePointId: id,
      version,
      reconnectInitialS: 0.05,
      reconnectMaxS: 0.2,
      ...(version === '2.0.1' ? { initialKeys: { 'AuthCtrlr/MasterPassGroupId': 'MASTERS', 'AuthCtrlr/AuthorizeRemoteStart': 'false', 'OCPPCommCtrlr/HeartbeatInterval': '0' } } : {}),
    },
  });
  const b: Bench = { csms, journal, dir, uplink: null, sim: undefined as unknown as SimStation };
  b.sim = await createSimStation({
    config,
    clock: systemClock,
    logger: silentLogger(),
    recorder: journal,
    reader: journal,
    meterPath: 'direct',
    authorizer: uplinkAuthorizer(() => b.uplink),
    stopAuthorizer: uplinkStopAuthorizer(() => b.uplink),
  });
  b.uplink = await createStationUplink({ station: b.sim.station, journal, config, clock: systemClock, logger: silentLogger(), onReset: () => Promise.resolve() });
  b.uplink.start();
  await waitFor(() => csms.callsOf('BootNotification').length > 0, 10_000, 'BootNotification');
  return b;
}

async function close(b: Bench): Promise<void> {
  await b.sim.close();
  await b.uplink?.stop();
  await b.journal.close();
  await b.csms.close();
  rmSync(b.dir, { recursive: true, force: true });
}

/** A session of `card`: plugged in, tapped, charging. Returns its session id. */
async function charge(b: Bench, card: string): Promise<number> {
  b.sim.world.plug();
  await waitFor(async () => (await b.sim.station.tap(card)) === 'started', 15_000, `a tap of ${card} that starts`);
  await waitFor(() => b.sim.station.controller.activeSessionId() !== null, 15_000, 'the session');
  return b.sim.station.controller.activeSessionId()!;
}

async function unplugged(b: Bench): Promise<void> {
  await waitFor(() => b.sim.station.controller.snapshot().session === 'none', 15_000, 'the stop');
  b.sim.world.unplug();
  await waitFor(() => b.sim.station.controller.snapshot().status === 'Available', 15_000, 'Available');
}

const token = (idToken: string) => ({ idToken, type: 'ISO14443' });
const info201 = (idToken: string) => ({ status: 'Accepted', ...(GROUPS[idToken] ? { groupIdToken: { idToken: GROUPS[idToken], type: 'Central' } } : {}) });

describe('a card tapped during a session (C09 GroupId, C16 master pass, 1.6 parentIdTag)', function () {
  this.timeout(90_000);

  describe('over 2.0.1', function () {
    let b: Bench;
    /** The Authorize of this card waits until the test releases it. */
    let gate: { card: string; reached: boolean; release: () => void } | null = null;
    before(async () => {
      b = await bench('2.0.1', 'CP-TAP201');
      b.csms.controls.respondWith('Authorize', async (p) => {
        const card = (p['idToken'] as { idToken: string }).idToken;
        const g = gate;
        if (g?.card === card) {
          await new Promise<void>((resolve) => {
            g.release = resolve;
            g.reached = true;
          });
        }
        return { idTokenInfo: info201(card) };
      });
      b.csms.controls.respondWith('TransactionEvent', (p) => (p['idToken'] ? { idTokenInfo: info201((p['idToken'] as { idToken: string }).idToken) } : {}));
    });
    after(() => close(b));

    function ended(): Record<string, unknown>[] {
      return b.csms.callsOf('TransactionEvent').filter((e) => e['eventType'] === 'Ended');
    }

    it('a card of another group is ignored (the driver hears so); one of the same group stops it with its idToken in the Ended', async () => {
      const sessionId = await charge(b, 'CARD_A');
      const asked = b.csms.callsOf('Authorize').length;
      assert.equal(await b.sim.station.tap('CARD_C'), 'ignored');
      assert.equal(b.csms.callsOf('Authorize').length, asked + 1, 'the CSMS was asked about the other card');
      assert.equal(b.sim.station.controller.activeSessionId(), sessionId, 'still running');
      assert.equal(await b.sim.station.tap('CARD_B'), 'stopped');
      await waitFor(() => ended().length === 1, 15_000, 'the Ended');
      const e = ended()[0]!;
      assert.equal(e['triggerReason'], 'StopAuthorized');
      assert.deepEqual((e['transactionInfo'] as { stoppedReason: string }).stoppedReason, 'Local');
      assert.deepEqual(e['idToken'], token('CARD_B'));
      await unplugged(b);
    });

    it('a master pass stops the session (MasterPass) and never starts one', async () => {
      assert.equal(await b.sim.station.tap('MASTER'), 'rejected', 'no session: a master pass starts nothing');
      await charge(b, 'CARD_A');
      assert.equal(await b.sim.station.tap('MASTER'), 'stopped');
      await waitFor(() => ended().length === 2, 15_000, 'the Ended');
      const e = ended()[1]!;
      assert.equal(e['triggerReason'], 'StopAuthorized');
      assert.equal((e['transactionInfo'] as { stoppedReason: string }).stoppedReason, 'MasterPass');
      assert.deepEqual(e['idToken'], token('MASTER'));
      await unplugged(b);
    });

    it('offline, the cache decides: a card of the group known from before stops it', async () => {
      const sessionId = await charge(b, 'CARD_A');
      // CARD_B's group was cached by its Authorize of the first test.
      await b.csms.controls.goDown();
      await waitFor(() => !(b.uplink as Ocpp201Client).connection.isOpen(), 10_000, 'the link down');
      assert.equal(await b.sim.station.tap('CARD_C'), 'ignored');
      assert.equal(b.sim.station.controller.activeSessionId(), sessionId);
      assert.equal(await b.sim.station.tap('CARD_B'), 'stopped');
      // The stop is journaled (the contactor opened) before the link comes back.
      await waitFor(() => b.sim.station.controller.snapshot().session === 'none', 15_000, 'the stop committed');
      await b.csms.controls.comeBack();
      await waitFor(() => ended().length === 3, 20_000, 'the Ended, after the link came back');
      assert.deepEqual(ended()[2]!['idToken'], token('CARD_B'));
      assert.equal(ended()[2]!['offline'], true);
      await unplugged(b);
    });

    it('race: the session ends while the CSMS is asked; the late answer stops nothing (not the next session either)', async () => {
      const first = await charge(b, 'CARD_A');
      const g = { card: 'CARD_B', reached: false, release: () => undefined };
      gate = g;
      const late = b.sim.station.tap('CARD_B');
      await waitFor(() => g.reached, 5_000, 'the Authorize to be held');
      // The starting card stops it meanwhile, the EV leaves, the CSMS starts another session (the station's own calls
      // wait behind the held Authorize: ocpp-rpc sends one at a time).
      assert.equal(await b.sim.station.tap('CARD_A'), 'stopped');
      await unplugged(b);
      b.sim.world.plug();
      assert.deepEqual(await b.csms.controls.call('CP-TAP201', 'RequestStartTransaction', { idToken: { idToken: 'CARD_D', type: 'Central' }, remoteStartId: 7 }), { status: 'Accepted' });
      await waitFor(() => b.sim.station.controller.activeSessionId() !== null, 15_000, 'the remote session');
      const second = b.sim.station.controller.activeSessionId()!;
      assert.notEqual(second, first);
      gate = null;
      g.release();
      assert.equal(await late, 'ignored');
      assert.equal(b.sim.station.controller.activeSessionId(), second, 'the next session runs on');
      assert.equal((await b.journal.session(first))?.stopReason, 'Local');
      assert.equal(await b.sim.station.tap('CARD_D'), 'stopped');
      await unplugged(b);
    });

    it('F01 with a TxProfile: the pilot offers the profile\'s limit to the remote session', async () => {
      b.sim.world.plug();
      const chargingProfile = {
        id: 41,
        stackLevel: 0,
        chargingProfilePurpose: 'TxProfile',
        chargingProfileKind: 'Relative',
        chargingSchedule: [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 7 }] }],
      };
      const answer = await b.csms.controls.call('CP-TAP201', 'RequestStartTransaction', { idToken: { idToken: 'CARD_E', type: 'Central' }, remoteStartId: 8, chargingProfile });
      assert.deepEqual(answer, { status: 'Accepted' });
      await waitFor(() => b.sim.station.controller.snapshot().status === 'Charging', 15_000, 'Charging');
      await waitFor(() => b.sim.station.controller.snapshot().offeredA === 7, 15_000, 'the pilot offering 7 A');
      assert.equal(await b.sim.station.tap('CARD_E'), 'stopped');
      await unplugged(b);
    });
  });

  describe('over 1.6', function () {
    let b: Bench;
    const PARENTS: Record<string, string> = { CARD_A: 'FLEET-1', CARD_B: 'FLEET-1', CARD_C: 'FLEET-2' };
    const info16 = (idTag: string) => ({ status: 'Accepted', ...(PARENTS[idTag] ? { parentIdTag: PARENTS[idTag] } : {}) });
    before(async () => {
      b = await bench('1.6', 'CP-TAP16');
      b.csms.controls.respondWith('Authorize', (p) => ({ idTagInfo: info16(p['idTag'] as string) }));
      b.csms.controls.respondWith('StartTransaction', (p) => ({ transactionId: 4711, idTagInfo: info16(p['idTag'] as string) }));
    });
    after(() => close(b));

    it('a different idTag with the same parentIdTag stops the transaction; another parent or none is ignored', async () => {
      const sessionId = await charge(b, 'CARD_A');
      assert.equal(await b.sim.station.tap('CARD_C'), 'ignored');
      assert.equal(await b.sim.station.tap('NO_PARENT'), 'ignored');
      assert.equal(b.sim.station.controller.activeSessionId(), sessionId);
      assert.equal(await b.sim.station.tap('CARD_B'), 'stopped');
      await waitFor(() => b.csms.callsOf('StopTransaction').length === 1, 15_000, 'StopTransaction');
      const stop = b.csms.callsOf('StopTransaction')[0]!;
      assert.equal(stop['idTag'], 'CARD_B');
      assert.equal(stop['reason'], 'Local');
    });
  });
});
