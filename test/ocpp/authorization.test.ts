import assert from 'node:assert/strict';
import { AUTH_CACHE_NAMESPACE } from '../../src/ocpp/authorizer.js';
import { Rig, waitUntil } from './support/harness.js';

describe('authorization on loopback', function () {
  this.timeout(20_000);
  let rig: Rig;
  const call = (method: string, params: Record<string, unknown>): Promise<unknown> => rig.csms.controls.call('CP1', method, params);
  const change = (key: string, value: string): Promise<unknown> => call('ChangeConfiguration', { key, value });

  beforeEach(async () => {
    rig = await Rig.create();
    await rig.waitRegistered();
  });
  afterEach(async () => {
    await rig.close();
  });

  it('online: asks the CSMS (Authorize.req), passes parentIdTag, and caches the answer', async () => {
    rig.csms.controls.respondWith('Authorize', (p) => ({ idTagInfo: { status: 'Accepted', parentIdTag: `GROUP-${String(p['idTag'])}` } }));
    assert.deepEqual(await rig.client.authorizer.authorize('CARD-1'), { status: 'Accepted', source: 'csms', parentIdTag: 'GROUP-CARD-1' });
    rig.csms.controls.respondWith('Authorize', null);
    rig.csms.answers.rejectedIdTags.add('CARD-2');
    assert.equal((await rig.client.authorizer.authorize('CARD-2')).status, 'Blocked');
    assert.equal(rig.csms.callsOf('Authorize').length, 2);
    assert.deepEqual(await rig.kv.get(AUTH_CACHE_NAMESPACE, 'CARD-1'), { status: 'Accepted', parentIdTag: 'GROUP-CARD-1' });
  });

  it('offline: cache (LocalAuthorizeOffline), expiry, unknown ids per AllowOfflineTxForUnknownId', async () => {
    await rig.client.authorizer.authorize('CARD-1');
    await rig.kv.set(AUTH_CACHE_NAMESPACE, 'OLD', { status: 'Accepted', expiryDate: '2001-01-01T00:00:00Z' });
    await rig.csms.controls.goDown();
    await waitUntil(() => !rig.client.connection.isOpen(), 2000, 'offline');
    assert.deepEqual(await rig.client.authorizer.authorize('CARD-1'), { status: 'Accepted', source: 'cache' });
    assert.equal((await rig.client.authorizer.authorize('OLD')).status, 'Expired');
    assert.deepEqual(await rig.client.authorizer.authorize('STRANGER'), { status: 'Invalid', source: 'offline-unknown' });
    assert.equal(await rig.client.keys.change('AllowOfflineTxForUnknownId', 'true'), 'Accepted');
    assert.deepEqual(await rig.client.authorizer.authorize('STRANGER'), { status: 'Accepted', source: 'offline-unknown' });
    assert.equal(await rig.client.keys.change('LocalAuthorizeOffline', 'false'), 'Accepted');
    assert.equal((await rig.client.authorizer.authorize('CARD-1')).status, 'Invalid', 'a known card counts as unknown when LocalAuthorizeOffline is off');
  });

  it('SendLocalList full and differential, GetLocalListVersion, VersionMismatch; the list wins over the cache', async () => {
    const full = {
      listVersion: 3,
      updateType: 'Full',
      localAuthorizationList: [
        { idTag: 'L-1', idTagInfo: { status: 'Accepted', parentIdTag: 'FLEET' } },
        { idTag: 'L-2', idTagInfo: { status: 'Blocked' } },
      ],
    };
    assert.deepEqual(await call('SendLocalList', full), { status: 'Accepted' });
    assert.deepEqual(await call('GetLocalListVersion', {}), { listVersion: 3 });
    assert.deepEqual(await call('SendLocalList', { listVersion: 3, updateType: 'Differential', localAuthorizationList: [] }), { status: 'VersionMismatch' });
    assert.deepEqual(
      await call('SendLocalList', { listVersion: 4, updateType: 'Differential', localAuthorizationList: [{ idTag: 'L-2' }, { idTag: 'L-3', idTagInfo: { status: 'Accepted' } }] }),
      { status: 'Accepted' },
    );
    await rig.kv.set(AUTH_CACHE_NAMESPACE, 'L-1', { status: 'Blocked' });
    await change('LocalPreAuthorize', 'true');
    const before = rig.csms.callsOf('Authorize').length;
    assert.deepEqual(await rig.client.authorizer.authorize('L-1'), { status: 'Accepted', source: 'local-list', parentIdTag: 'FLEET' });
    assert.equal(rig.csms.callsOf('Authorize').length, before, 'LocalPreAuthorize: no Authorize.req for a locally accepted tag');
    await rig.csms.controls.goDown();
    await waitUntil(() => !rig.client.connection.isOpen(), 2000, 'offline');
    assert.equal((await rig.client.authorizer.authorize('L-2')).status, 'Invalid', 'removed by the differential update');
    assert.equal((await rig.client.authorizer.authorize('L-3')).status, 'Accepted');
  });

  it('LocalAuthListEnabled false: SendLocalList NotSupported, version -1', async () => {
    await change('LocalAuthListEnabled', 'false');
    assert.deepEqual(await call('SendLocalList', { listVersion: 1, updateType: 'Full' }), { status: 'NotSupported' });
    assert.deepEqual(await call('GetLocalListVersion', {}), { listVersion: -1 });
  });

  it('a StartTransaction.conf with Invalid stops the session (StopTransactionOnInvalidId)', async () => {
    rig.csms.answers.unknownIdTags.add('BAD-CARD');
    rig.station.startSession('BAD-CARD');
    await waitUntil(() => rig.station.requests.some((r) => r.what === 'stopSession' && r.detail === 'DeAuthorized'), 3000, 'DeAuthorized stop');
    await rig.waitDrained();
    assert.equal(rig.csms.callsOf('StopTransaction')[0]?.['reason'], 'DeAuthorized');
  });

  it('MaxEnergyOnInvalidId: with StopTransactionOnInvalidId off, charging stops once that much energy was delivered', async () => {
    await change('StopTransactionOnInvalidId', 'false');
    await change('MaxEnergyOnInvalidId', '500');
    rig.csms.answers.unknownIdTags.add('BAD-CARD');
    rig.station.startSession('BAD-CARD');
    await rig.waitDrained();
    rig.station.meter(300);
    assert.ok(!rig.station.requests.some((r) => r.what === 'stopSession'));
    rig.station.meter(250);
    assert.deepEqual(rig.station.requests.at(-1), { what: 'stopSession', detail: 'DeAuthorized' });
  });

  it('free vend authorizes without asking anyone', async () => {
    await rig.close();
    rig = await Rig.create({ client: { freeVend: true } });
    assert.deepEqual(await rig.client.authorizer.authorize('ANY'), { status: 'Accepted', source: 'free-vend' });
  });
});
