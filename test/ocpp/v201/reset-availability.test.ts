import assert from 'node:assert/strict';
import { Rig201, sleep, waitFor } from './rig.js';

describe('OCPP 2.0.1 Reset (B11–B12) and ChangeAvailability (G03–G04) through the charge-point port', function () {
  this.timeout(20_000);
  let rig: Rig201 | null = null;
  afterEach(async () => {
    await rig?.close();
    rig = null;
  });

  const requests = (r: Rig201, what: string): unknown[] => r.station.requests.filter((q) => q.what === what).map((q) => q.detail);

  it('Reset Immediate of the station: Accepted, then the port resets (Hard) and the next boot says RemoteReset, the one after PowerUp', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    r.station.startSession('TAG-1');
    assert.deepEqual(await r.call('Reset', { type: 'Immediate' }), { status: 'Accepted' });
    await waitFor(() => requests(r, 'reset').length === 1, 2000, 'the reset');
    assert.deepEqual(requests(r, 'reset'), ['Hard']);
    assert.deepEqual(requests(r, 'stopSession'), ['HardReset'], 'the running session ended with the reset');
    await r.csms.waitFor(() => r.csms.callsOf('SecurityEventNotification').some((e) => e['type'] === 'ResetOrReboot'), 3000, 'ResetOrReboot');
    await r.restart();
    await r.waitRegistered();
    assert.deepEqual(r.csms.callsOf('BootNotification').map((b) => b['reason']), ['PowerUp', 'RemoteReset']);
    await r.restart();
    await r.waitRegistered();
    assert.equal(r.csms.callsOf('BootNotification').at(-1)?.['reason'], 'PowerUp');
  });

  it('Reset OnIdle: Accepted and reset (Soft) when idle; Scheduled while a session runs, reset only after it ended', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    r.station.startSession('TAG-1');
    assert.deepEqual(await r.call('Reset', { type: 'OnIdle' }), { status: 'Scheduled' });
    r.station.setStatus(1, 'SuspendedEV');
    await sleep(200);
    assert.deepEqual(requests(r, 'reset'), [], 'no reset while the session runs');
    assert.deepEqual(requests(r, 'stopSession'), [], 'the session is not stopped by an OnIdle reset');
    r.station.stopSession('Local');
    await waitFor(() => requests(r, 'reset').length === 1, 2000, 'the reset after the session');
    assert.deepEqual(requests(r, 'reset'), ['Soft']);

    r.station.requests.length = 0;
    assert.deepEqual(await r.call('Reset', { type: 'OnIdle' }), { status: 'Accepted' });
    await waitFor(() => requests(r, 'reset').length === 1, 2000, 'the idle reset');
    assert.deepEqual(requests(r, 'reset'), ['Soft']);
  });

  it('a scheduled OnIdle reset is forgotten when the uplink stops (nothing restarts the station after that)', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    r.station.startSession('TAG-1');
    assert.deepEqual(await r.call('Reset', { type: 'OnIdle' }), { status: 'Scheduled' });
    await r.client.stop();
    r.station.stopSession('Local');
    await sleep(200);
    assert.deepEqual(requests(r, 'reset'), []);
  });

  it('Reset of EVSE 1: Immediate ends its session only; OnIdle is Scheduled; another EVSE is Rejected', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    r.station.startSession('TAG-1');
    assert.deepEqual(await r.call('Reset', { type: 'OnIdle', evseId: 1 }), { status: 'Scheduled' });
    await sleep(100);
    assert.deepEqual(requests(r, 'stopSession'), []);
    assert.deepEqual(await r.call('Reset', { type: 'Immediate', evseId: 1 }), { status: 'Accepted' });
    await waitFor(() => requests(r, 'stopSession').length === 1, 2000, 'the session stopped');
    assert.deepEqual(requests(r, 'stopSession'), ['HardReset']);
    assert.deepEqual(requests(r, 'reset'), [], 'the station itself does not restart');
    const other = (await r.call('Reset', { type: 'Immediate', evseId: 2 })) as { status: string; statusInfo?: { reasonCode: string } };
    assert.equal(other.status, 'Rejected');
    assert.equal(other.statusInfo?.reasonCode, 'UnknownEvse');
    assert.deepEqual(await r.call('Reset', { type: 'Immediate', evseId: 1 }), { status: 'Accepted' }, 'idle EVSE: nothing to end');
    await sleep(100);
    assert.equal(requests(r, 'stopSession').length, 1);
  });

  it('ChangeAvailability of the station, EVSE 1 and connector 1/1 goes to the port; Scheduled passes through; unknown ones Rejected', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    assert.deepEqual(await r.call('ChangeAvailability', { operationalStatus: 'Inoperative' }), { status: 'Accepted' });
    r.station.availabilityAnswer = 'Scheduled';
    assert.deepEqual(await r.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } }), { status: 'Scheduled' });
    r.station.availabilityAnswer = 'Accepted';
    assert.deepEqual(await r.call('ChangeAvailability', { operationalStatus: 'Operative', evse: { id: 1, connectorId: 1 } }), { status: 'Accepted' });
    for (const evse of [{ id: 2 }, { id: 1, connectorId: 2 }, { id: 0, connectorId: 1 }]) {
      const answer = (await r.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse })) as { status: string };
      assert.equal(answer.status, 'Rejected', JSON.stringify(evse));
    }
    assert.deepEqual(requests(r, 'changeAvailability'), [false, false, true], 'only the known targets reached the port');
  });

  it('the status change that follows is reported: Unavailable, then Available', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    await r.csms.waitFor(() => r.csms.callsOf('StatusNotification').length === 1, 3000, 'first status');
    await r.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } });
    r.station.setStatus(1, 'Unavailable');
    await r.call('ChangeAvailability', { operationalStatus: 'Operative', evse: { id: 1 } });
    r.station.setStatus(1, 'Available');
    await r.csms.waitFor(() => r.csms.callsOf('StatusNotification').length === 3, 3000, 'two more statuses');
    assert.deepEqual(r.csms.callsOf('StatusNotification').map((s) => s['connectorStatus']), ['Available', 'Unavailable', 'Available']);
  });
});
