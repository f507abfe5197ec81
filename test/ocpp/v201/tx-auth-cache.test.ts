import assert from 'node:assert/strict';
import { AUTH_CACHE_201_NAMESPACE } from '../../../src/ocpp/v201/authorization/auth-cache.js';
import { waitFor } from './rig.js';
import { BenchRig } from './support/bench-rig.js';

/**
 * C10-ish: a TransactionEvent answer's idTokenInfo is the CSMS's newest word on the token the event carried, and the
 * auth cache keeps it; a card tap's token is ISO14443 even when a remote start once gave the same string another type.
 * Real journal, bench CSMS on loopback in strict 2.0.1.
 */
describe('OCPP 2.0.1 TransactionEvent answers and the auth cache; token types', function () {
  let rig: BenchRig;
  afterEach(async function () {
    await rig.close();
  });

  it('the idTokenInfo of a Started answer replaces what Authorize said: offline, the card is now refused', async function () {
    rig = await BenchRig.create({ config: { initialKeys: { 'TxCtrlr/StopTxOnInvalidId': 'false' } } });
    await rig.waitRegistered();
    // Authorize accepts the card (cached Accepted); the Started's answer then blocks it and names its group.
    assert.deepEqual(await rig.client.authorize('CARD_T'), { status: 'Accepted' });
    rig.csms.controls.respondWith('TransactionEvent', (p) =>
      p['eventType'] === 'Started' ? { idTokenInfo: { status: 'Blocked', groupIdToken: { idToken: 'FLEET-7', type: 'Central' } } } : {},
    );
    rig.station.plugIn();
    rig.station.authorizeStart('CARD_T', 'local');
    await rig.waitEvents(1);
    await waitFor(async () => ((await rig.journal.get(AUTH_CACHE_201_NAMESPACE, 'CARD_T')) as { status?: string } | undefined)?.status === 'Blocked', 3000, 'the cache updated');
    assert.equal(((await rig.journal.get(AUTH_CACHE_201_NAMESPACE, 'CARD_T')) as { groupIdToken?: string }).groupIdToken, 'FLEET-7');
    await rig.csms.controls.goDown();
    await waitFor(() => !rig.client.connection.isOpen(), 3000, 'link down');
    assert.deepEqual(await rig.client.authorize('CARD_T'), { status: 'Blocked' }, 'offline the cache has the Started answer');
  });

  it('an Ended answer is cached under the card that stopped; a remote start keeps its token type (Central), the same string tapped later is ISO14443', async function () {
    rig = await BenchRig.create({ config: { initialKeys: { 'AuthCtrlr/AuthorizeRemoteStart': 'false' } } });
    await rig.waitRegistered();
    rig.csms.controls.respondWith('TransactionEvent', (p) =>
      p['eventType'] === 'Ended' ? { idTokenInfo: { status: 'Accepted', groupIdToken: { idToken: 'FLEET-8', type: 'Central' } } } : {},
    );
    const ended = () => rig.events().filter((e) => e.eventType === 'Ended');
    rig.station.plugIn();
    assert.deepEqual(await rig.call('RequestStartTransaction', { remoteStartId: 9, idToken: { idToken: 'SAME-1', type: 'Central' } }), { status: 'Accepted' });
    const [remote] = await rig.waitEvents(1);
    assert.deepEqual(remote?.idToken, { idToken: 'SAME-1', type: 'Central' });
    rig.station.tapStop('SAME-1');
    await waitFor(() => ended().length === 1, 4000, 'Ended');
    assert.deepEqual(ended()[0]?.idToken, { idToken: 'SAME-1', type: 'Central' }, 'the remote session ends under its own type');
    await rig.station.committed();
    const before = rig.events().length;
    rig.station.unplug();
    rig.station.plugIn();
    rig.station.authorizeStart('SAME-1', 'local');
    await rig.waitEvents(before + 1);
    const started = rig.events().slice(before).find((e) => e.eventType === 'Started');
    assert.deepEqual(started?.idToken, { idToken: 'SAME-1', type: 'ISO14443' });
    // Another card stops the card session: the Ended's answer is about that card.
    rig.station.tapStop('CARD_U');
    await waitFor(async () => (await rig.journal.get(AUTH_CACHE_201_NAMESPACE, 'CARD_U')) !== undefined, 3000, 'the stopping card cached');
    assert.deepEqual(ended()[1]?.idToken, { idToken: 'CARD_U', type: 'ISO14443' });
    assert.equal(((await rig.journal.get(AUTH_CACHE_201_NAMESPACE, 'CARD_U')) as { groupIdToken?: string }).groupIdToken, 'FLEET-8');
    assert.equal(((await rig.journal.get(AUTH_CACHE_201_NAMESPACE, 'SAME-1')) as { groupIdToken?: string }).groupIdToken, 'FLEET-8', 'the first Ended was about SAME-1');
  });
});
