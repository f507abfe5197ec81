import assert from 'node:assert/strict';
import { RESERVATIONS_NAMESPACE } from '../../src/ocpp/reservations.js';
import { Rig, waitUntil } from './support/harness.js';

describe('reservations on loopback', function () {
  this.timeout(20_000);
  let rig: Rig;
  const call = (method: string, params: Record<string, unknown>): Promise<unknown> => rig.csms.controls.call('CP1', method, params);
  const inMs = (ms: number): string => new Date(Date.now() + ms).toISOString();

  beforeEach(async () => {
    rig = await Rig.create();
    await rig.waitRegistered();
  });
  afterEach(async () => {
    await rig.close();
  });

  it('ReserveNow shows Reserved; only the reserved tag or its parent may start; the start uses it up', async () => {
    rig.csms.controls.respondWith('Authorize', (p) => ({ idTagInfo: { status: 'Accepted', parentIdTag: p['idTag'] === 'SIBLING' ? 'FAMILY' : 'OTHER' } }));
    assert.deepEqual(await call('ReserveNow', { connectorId: 1, expiryDate: inMs(60_000), idTag: 'OWNER', parentIdTag: 'FAMILY', reservationId: 5 }), { status: 'Accepted' });
    assert.equal(rig.station.connectorStatus(1).status, 'Reserved');
    await rig.waitDrained();
    assert.ok(rig.csms.callsOf('StatusNotification').some((s) => s['status'] === 'Reserved'));
    assert.deepEqual(await rig.client.authorizer.authorize('STRANGER'), { status: 'Invalid', source: 'reserved' });
    assert.equal((await rig.client.authorizer.authorize('SIBLING')).reservationId, 5, 'same parentIdTag');
    assert.equal((await rig.client.authorizer.authorize('OWNER')).reservationId, 5);
    assert.deepEqual(await call('ReserveNow', { connectorId: 1, expiryDate: inMs(60_000), idTag: 'X', reservationId: 6 }), { status: 'Occupied' });
    rig.station.startSession('OWNER');
    await waitUntil(() => rig.client.reservations.held() === null, 2000, 'reservation used');
    assert.equal((await rig.kv.list(RESERVATIONS_NAMESPACE)).size, 0);
  });

  it('expires at its expiryDate; CancelReservation only for the held id', async () => {
    assert.deepEqual(await call('ReserveNow', { connectorId: 1, expiryDate: inMs(300), idTag: 'OWNER', reservationId: 1 }), { status: 'Accepted' });
    await waitUntil(() => rig.station.connectorStatus(1).status === 'Available', 2000, 'expiry');
    assert.deepEqual(await call('ReserveNow', { connectorId: 1, expiryDate: inMs(60_000), idTag: 'OWNER', reservationId: 2 }), { status: 'Accepted' });
    assert.deepEqual(await call('CancelReservation', { reservationId: 3 }), { status: 'Rejected' });
    assert.deepEqual(await call('CancelReservation', { reservationId: 2 }), { status: 'Accepted' });
    assert.equal(rig.station.reservation, null);
  });

  it('refuses a faulted, unavailable or occupied connector, connector 0, and a past expiry', async () => {
    const req = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ connectorId: 1, expiryDate: inMs(60_000), idTag: 'T', reservationId: 9, ...over });
    assert.deepEqual(await call('ReserveNow', req({ connectorId: 0 })), { status: 'Rejected' });
    assert.deepEqual(await call('ReserveNow', req({ expiryDate: inMs(-1000) })), { status: 'Rejected' });
    rig.station.setStatus(1, 'Faulted', { errorCode: 'GroundFailure' });
    assert.deepEqual(await call('ReserveNow', req()), { status: 'Faulted' });
    rig.station.setStatus(1, 'Unavailable');
    assert.deepEqual(await call('ReserveNow', req()), { status: 'Unavailable' });
    rig.station.setStatus(1, 'Charging');
    assert.deepEqual(await call('ReserveNow', req()), { status: 'Occupied' });
    assert.equal(rig.station.reservation, null);
  });

  it('a reservation survives a reboot', async () => {
    await call('ReserveNow', { connectorId: 1, expiryDate: inMs(60_000), idTag: 'OWNER', reservationId: 4 });
    await rig.reboot();
    assert.equal(rig.client.reservations.held()?.reservationId, 4);
  });
});
