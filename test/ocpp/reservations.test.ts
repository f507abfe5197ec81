import assert from 'node:assert/strict';
import { RESERVATIONS_NAMESPACE } from '../../src/ocpp/reservations.js';
import { JumpingClock } from '../support/jumping-clock.js';
import { Rig, sleep, waitUntil } from './support/harness.js';

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

describe('a ReserveNow expiryDate far ahead (issue 17: beyond the 2^31−1 ms a host timer takes) is kept to the minute', function () {
  this.timeout(20_000);
  const MINUTE = 60_000;
  const DAY = 24 * 3600_000;
  let rig: Rig;
  let clock: JumpingClock;
  beforeEach(async () => {
    clock = new JumpingClock();
    rig = await Rig.create({ client: { clock } });
    await rig.waitRegistered();
  });
  afterEach(async () => {
    await rig.close();
    clock.close();
  });

  for (const [label, aheadMs] of [['25 days', 25 * DAY], ['1 year', 365 * DAY], ['10 years', 3652 * DAY]] as const) {
    it(`${label} ahead: held until a minute before, expired within a minute after`, async () => {
      const date = clock.nowMs() + aheadMs;
      const reply = await rig.csms.controls.call('CP1', 'ReserveNow', { connectorId: 1, expiryDate: new Date(date).toISOString(), idTag: 'OWNER', reservationId: 7 });
      assert.deepEqual(reply, { status: 'Accepted' });
      await sleep(150); // several ticks of the reservation check
      assert.equal(rig.client.reservations.held()?.reservationId, 7, 'not expired at once');
      clock.jump(date - MINUTE - clock.nowMs());
      await sleep(150);
      assert.equal(rig.client.reservations.held()?.reservationId, 7, 'not a minute early');
      assert.equal(rig.station.connectorStatus(1).status, 'Reserved');
      clock.jump(2 * MINUTE);
      await waitUntil(() => rig.client.reservations.held() === null, 2000, 'expiry');
      assert.equal(rig.station.connectorStatus(1).status, 'Available');
      assert.deepEqual(clock.overflowed, [], 'no host timer was asked for more than 2^31−1 ms');
    });
  }
});
