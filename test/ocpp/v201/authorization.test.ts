import assert from 'node:assert/strict';
import { systemClock } from '../../../src/clock.js';
import { silentLogger } from '../../../src/logger.js';
import { AuthCache201 } from '../../../src/ocpp/v201/authorization/auth-cache.js';
import { Authorizer201, type AuthorizerSettings } from '../../../src/ocpp/v201/authorization/authorizer.js';
import { createRPCError } from '../../../src/ocpp/rpc.js';
import { FakeStation } from '../support/fake-station.js';
import { MemoryKeyValueStore } from '../support/memory-kv.js';
import { MemoryOutboxStore } from '../support/memory-outbox.js';
import { assertSchema } from './schemas.js';

interface IdTokenInfo {
  status: string;
  cacheExpiryDateTime?: string;
  groupIdToken?: { idToken: string; type: string };
}

/** A CSMS link that answers Authorize from a table (schema-checked both ways), can be down, or refuse. */
class FakeLink {
  open = true;
  refuse = false;
  readonly asked: string[] = [];
  constructor(readonly answers: Record<string, IdTokenInfo>) {}
  isOpen(): boolean {
    return this.open;
  }
  call<T>(method: string, params: Record<string, unknown>): Promise<T> {
    assertSchema(method, 'req', params);
    if (!this.open) return Promise.reject(new Error('not connected'));
    const token = (params['idToken'] as { idToken: string }).idToken;
    this.asked.push(token);
    if (this.refuse) return Promise.reject(createRPCError('InternalError', 'refused'));
    const answer = { idTokenInfo: this.answers[token] ?? { status: 'Invalid' } };
    assertSchema(method, 'conf', answer);
    return Promise.resolve(answer as T);
  }
}

function setup(settings: Partial<AuthorizerSettings> = {}, cacheEnabled = true, lifeTimeS = 3600) {
  const link = new FakeLink({
    CARD_A: { status: 'Accepted', groupIdToken: { idToken: 'FLEET-1', type: 'Central' } },
    CARD_B: { status: 'Accepted', groupIdToken: { idToken: 'FLEET-1', type: 'Central' } },
    CARD_C: { status: 'Accepted', groupIdToken: { idToken: 'FLEET-2', type: 'Central' } },
    SHORT: { status: 'Accepted', cacheExpiryDateTime: new Date(Date.now() - 1000).toISOString() },
    BROKE: { status: 'NoCredit' },
    MASTER: { status: 'Accepted', groupIdToken: { idToken: 'MASTERS', type: 'Central' } },
  });
  const kv = new MemoryKeyValueStore();
  const station = new FakeStation(new MemoryOutboxStore());
  const masterStops: number[] = [];
  const authorizer = new Authorizer201({
    link,
    mayTransmit: () => true,
    cache: new AuthCache201(kv, { enabled: () => cacheEnabled, lifeTimeS: () => lifeTimeS }),
    settings: {
      enabled: () => true,
      localPreAuthorize: () => false,
      localAuthorizeOffline: () => true,
      offlineTxForUnknownIdEnabled: () => false,
      masterPassGroupId: () => 'MASTERS',
      ...settings,
    },
    port: station,
    clock: systemClock,
    logger: silentLogger(),
    onMasterPassStop: (id) => masterStops.push(id),
  });
  return { link, kv, station, authorizer, masterStops };
}

describe('OCPP 2.0.1 authorization (C01, C09, C16)', function () {
  it('C01 online: asks the CSMS with the token type, caches the answer; other 2.0.1 statuses read as Invalid', async function () {
    const { link, authorizer } = setup();
    assert.deepEqual(await authorizer.authorize('CARD_A'), { status: 'Accepted', csmsStatus: 'Accepted', groupIdToken: 'FLEET-1', source: 'csms' });
    assert.deepEqual(await authorizer.authorize('BROKE'), { status: 'Invalid', csmsStatus: 'NoCredit', source: 'csms' });
    assert.deepEqual(link.asked, ['CARD_A', 'BROKE']);
    link.open = false;
    assert.deepEqual(await authorizer.authorize('CARD_A'), { status: 'Accepted', csmsStatus: 'Accepted', groupIdToken: 'FLEET-1', source: 'cache' }, 'offline: LocalAuthorizeOffline');
    assert.equal((await authorizer.authorize('NEVER_SEEN')).status, 'Invalid');
  });

  it('C01 offline rules: LocalAuthorizeOffline off refuses a cached card; OfflineTxForUnknownIdEnabled accepts an unknown one; expiry', async function () {
    const strict = setup({ localAuthorizeOffline: () => false });
    await strict.authorizer.authorize('CARD_A');
    strict.link.open = false;
    assert.equal((await strict.authorizer.authorize('CARD_A')).status, 'Invalid');
    const lenient = setup({ offlineTxForUnknownIdEnabled: () => true });
    lenient.link.open = false;
    assert.deepEqual(await lenient.authorizer.authorize('NEVER_SEEN'), { status: 'Accepted', source: 'offline-unknown' });
    const expiring = setup();
    await expiring.authorizer.authorize('SHORT');
    expiring.link.open = false;
    assert.equal((await expiring.authorizer.authorize('SHORT')).status, 'Expired', 'the CSMS cacheExpiryDateTime passed');
    // A CALLERROR counts as "cannot answer": decided from the cache.
    const refusing = setup();
    await refusing.authorizer.authorize('CARD_A');
    refusing.link.refuse = true;
    assert.equal((await refusing.authorizer.authorize('CARD_A')).source, 'cache');
  });

  it('C01 LocalPreAuthorize: a cached Accepted card starts without asking; the cache disabled keeps nothing', async function () {
    const pre = setup({ localPreAuthorize: () => true });
    await pre.authorizer.authorize('CARD_A');
    await pre.authorizer.authorize('CARD_A');
    assert.deepEqual(pre.link.asked, ['CARD_A']);
    const off = setup({}, false);
    await off.authorizer.authorize('CARD_A');
    assert.equal(off.kv.data.get('ocpp201.authCache')?.size ?? 0, 0);
    off.link.open = false;
    assert.equal((await off.authorizer.authorize('CARD_A')).status, 'Invalid');
  });

  it('C09 GroupId: another card of the same group may stop the transaction, one of another group may not', async function () {
    const { authorizer } = setup();
    await authorizer.authorize('CARD_A');
    assert.equal(await authorizer.mayStop('card_a', 'CARD_A'), true, 'idToken is case-insensitive');
    assert.equal(await authorizer.mayStop('CARD_B', 'CARD_A'), true);
    assert.equal(await authorizer.mayStop('CARD_C', 'CARD_A'), false);
    assert.equal(await authorizer.mayStop('CARD_B', null), false);
  });

  it('C16 master pass: stops the running transaction (marked MasterPass) and never starts one', async function () {
    const { authorizer, station, masterStops } = setup();
    assert.deepEqual(await authorizer.authorize('MASTER'), { status: 'Invalid', groupIdToken: 'MASTERS', source: 'master-pass' });
    assert.deepEqual(masterStops, [], 'nothing to stop');
    const sessionId = station.startSession('CARD_A');
    assert.equal((await authorizer.authorize('MASTER')).status, 'Invalid');
    assert.deepEqual(masterStops, [sessionId]);
    assert.equal(station.activeSession(), null);
    assert.deepEqual(station.requests.filter((r) => r.what === 'stopSession').map((r) => r.detail), ['Local']);
  });

  it('C09 / C16 stopDecision: stops nothing itself; a master pass marks the running session; a refused or ungrouped card is no', async function () {
    const { authorizer, station, masterStops } = setup();
    const sessionId = station.startSession('CARD_A');
    await authorizer.authorize('CARD_A');
    assert.equal(await authorizer.stopDecision('CARD_B', 'CARD_A'), 'stop');
    assert.equal(await authorizer.stopDecision('CARD_C', 'CARD_A'), 'no');
    assert.equal(await authorizer.stopDecision('BROKE', 'CARD_A'), 'no');
    assert.equal(await authorizer.stopDecision('NEVER_SEEN', 'CARD_A'), 'no', 'no group at all');
    assert.equal(await authorizer.stopDecision('MASTER', 'CARD_A'), 'master-pass');
    assert.deepEqual(masterStops, [sessionId]);
    assert.equal(station.activeSession()?.sessionId, sessionId, 'the caller stops it, not the authorizer');
    assert.equal(await authorizer.stopDecision('MASTER', null), 'master-pass', 'a free-vend session too');
  });
});
