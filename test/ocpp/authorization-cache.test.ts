import assert from 'node:assert/strict';
import { createBenchCsms, type BenchCsms } from '../../simulator/csms/bench-csms.js';
import { systemClock } from '../../src/clock.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import { silentLogger } from '../../src/logger.js';
import { AUTH_CACHE_MAX_ENTRIES, AuthorizationCache } from '../../src/ocpp/authorization-cache.js';
import { AUTH_CACHE_NAMESPACE } from '../../src/ocpp/authorizer.js';
import type { ActiveSession } from '../../src/ocpp/charge-point-port.js';
import { createOcppClient, type OcppClient } from '../../src/ocpp/client.js';
import { ConfigurationKeys } from '../../src/ocpp/config-keys.js';
import { sessionStart, tempStateDir } from '../journal/support/helpers.js';
import { FakeStation } from './support/fake-station.js';
import { fastConfig, sleep, STATION, waitUntil } from './support/harness.js';
import { MemoryKeyValueStore } from './support/memory-kv.js';
import { MemoryOutboxStore } from './support/memory-outbox.js';

/** The station as the uplink sees it, with the running session set by the test (the journal plays the rest). */
class RunningSession extends FakeStation {
  running: ActiveSession | null = null;
  override activeSession(): ActiveSession | null {
    return this.running;
  }
}

describe('authorization cache', function () {
  this.timeout(30_000);

  describe('StartTransaction answers on loopback, real SQLite journal', () => {
    let state: ReturnType<typeof tempStateDir>;
    let journal: Journal;
    let csms: BenchCsms;
    let client: OcppClient | null = null;

    beforeEach(async () => {
      state = tempStateDir();
      journal = await openJournal({ stateDir: state.dir, clock: systemClock });
      csms = await createBenchCsms({ port: 0 });
    });
    afterEach(async () => {
      await client?.stop();
      client = null;
      await csms.close();
      await journal.close();
      state.cleanup();
    });

    it("a backlog Start (card A) answered while card B charges: the cache holds A with that answer's status, expiry and parent; B is untouched", async () => {
      // Offline: session A started and stopped, session B running. Both Starts wait in the outbox.
      const now = Date.now();
      const a = await journal.startSession(sessionStart(now - 3_600_000, 1_000, 'CARD-A'));
      await journal.stopSession(a, { stopAtMs: now - 1_800_000, meterStopWh: 4_000, reason: 'Local' });
      const b = await journal.startSession(sessionStart(now - 60_000, 4_000, 'CARD-B'));
      const bBefore = { status: 'Accepted', expiryDate: '2031-01-01T00:00:00.000Z', parentIdTag: 'FLEET-B' };
      await journal.set(AUTH_CACHE_NAMESPACE, 'CARD-B', bBefore);

      const aInfo = { status: 'Blocked', expiryDate: '2027-06-30T12:00:00.000Z', parentIdTag: 'FLEET-A' };
      let releaseB: () => void = () => undefined;
      const bGate = new Promise<void>((resolve) => {
        releaseB = resolve;
      });
      csms.controls.respondWith('StartTransaction', async (p) => {
        if (p['idTag'] === 'CARD-A') return { transactionId: 500, idTagInfo: aInfo };
        // B's own answer is held: while it is outstanding, nothing may have touched B's entry.
        await bGate;
        return { transactionId: 501, idTagInfo: { status: 'Accepted' } };
      });

      const station = new RunningSession(new MemoryOutboxStore());
      station.running = { sessionId: b, idTag: 'CARD-B', startAtMs: now - 60_000, meterStartWh: 4_000 };
      client = await createOcppClient({
        config: fastConfig(csms.url),
        station: STATION,
        port: station,
        outbox: journal,
        kv: journal,
        clock: systemClock,
        logger: silentLogger(),
        sessionIdTag: async (sessionId) => (await journal.session(sessionId))?.idTag ?? null,
        outboxPollMs: 20,
        meterTickMs: 50,
      });
      client.start();

      // A's Start is delivered (its transactionId is journaled) and B's is in flight, held by the CSMS.
      let aDelivered = false;
      const deadline = Date.now() + 10_000;
      while (!aDelivered && Date.now() < deadline) {
        aDelivered = (await journal.transactionIdFor(a)) === 500;
        await sleep(10);
      }
      assert.ok(aDelivered, "A's StartTransaction was answered");
      let cachedA: unknown;
      for (let i = 0; i < 100 && cachedA === undefined; i++) {
        cachedA = await journal.get(AUTH_CACHE_NAMESPACE, 'CARD-A');
        if (cachedA === undefined) await sleep(10);
      }
      assert.deepEqual(cachedA, aInfo, "card A cached with its own answer's idTagInfo, whole");
      assert.deepEqual(await journal.get(AUTH_CACHE_NAMESPACE, 'CARD-B'), bBefore, "B's entry untouched by A's answer");

      releaseB();
      await waitUntil(() => csms.callsOf('StartTransaction').length === 2, 5_000, "B's StartTransaction");
      let cachedB: unknown = bBefore;
      for (let i = 0; i < 200 && JSON.stringify(cachedB) === JSON.stringify(bBefore); i++) {
        cachedB = await journal.get(AUTH_CACHE_NAMESPACE, 'CARD-B');
        await sleep(10);
      }
      assert.deepEqual(cachedB, { status: 'Accepted' }, "B's own answer replaces B's entry");
      assert.deepEqual(await journal.get(AUTH_CACHE_NAMESPACE, 'CARD-A'), aInfo);
    });

    it("a StopTransaction.conf updates the card that stopped (the idTag of that request) with its whole idTagInfo", async () => {
      const now = Date.now();
      const a = await journal.startSession(sessionStart(now - 3_600_000, 1_000, 'CARD-A'));
      await journal.stopSession(a, { stopAtMs: now - 1_800_000, meterStopWh: 4_000, reason: 'Local', stopIdTag: 'CARD-A' });
      csms.controls.respondWith('StartTransaction', () => ({ transactionId: 900, idTagInfo: { status: 'Accepted' } }));
      const stopInfo = { status: 'Expired', expiryDate: '2026-01-01T00:00:00.000Z', parentIdTag: 'FLEET-A' };
      csms.controls.respondWith('StopTransaction', () => ({ idTagInfo: stopInfo }));
      client = await createOcppClient({
        config: fastConfig(csms.url),
        station: STATION,
        port: new RunningSession(new MemoryOutboxStore()),
        outbox: journal,
        kv: journal,
        clock: systemClock,
        logger: silentLogger(),
        sessionIdTag: async (sessionId) => (await journal.session(sessionId))?.idTag ?? null,
        outboxPollMs: 20,
      });
      client.start();
      await waitUntil(() => csms.callsOf('StopTransaction').length === 1, 5_000, 'StopTransaction');
      let cached: unknown;
      for (let i = 0; i < 100 && JSON.stringify(cached) !== JSON.stringify(stopInfo); i++) {
        cached = await journal.get(AUTH_CACHE_NAMESPACE, 'CARD-A');
        await sleep(10);
      }
      assert.deepEqual(cached, stopInfo);
    });

    it('a free-vend session (no card in the journal) caches nothing', async () => {
      const now = Date.now();
      await journal.startSession(sessionStart(now - 60_000, 1_000, null));
      csms.controls.respondWith('StartTransaction', () => ({ transactionId: 7, idTagInfo: { status: 'Accepted' } }));
      client = await createOcppClient({
        config: { ...fastConfig(csms.url), freeVendIdTag: 'FREEVEND' },
        station: STATION,
        port: new RunningSession(new MemoryOutboxStore()),
        outbox: journal,
        kv: journal,
        clock: systemClock,
        logger: silentLogger(),
        sessionIdTag: async (sessionId) => (await journal.session(sessionId))?.idTag ?? null,
        outboxPollMs: 20,
      });
      client.start();
      await waitUntil(() => csms.callsOf('StartTransaction').length === 1, 5_000, 'StartTransaction');
      await sleep(100);
      assert.deepEqual([...(await journal.list(AUTH_CACHE_NAMESPACE)).keys()], []);
    });
  });

  describe('bounds', () => {
    it(`keeps at most ${AUTH_CACHE_MAX_ENTRIES} cards by default; the one written longest ago goes first, a rewrite counts as new`, async () => {
      const kv = new MemoryKeyValueStore();
      const keys = await ConfigurationKeys.load(kv, {});
      const cache = new AuthorizationCache(kv, keys);
      const cards = 3 * AUTH_CACHE_MAX_ENTRIES;
      for (let i = 0; i < cards; i++) {
        await cache.remember(`CARD-${i}`, { status: 'Accepted' });
        // CARD-0 is rewritten every 100 cards: always recent, never evicted.
        if (i % 100 === 99) await cache.remember('CARD-0', { status: 'Accepted', parentIdTag: 'KEPT' });
        if (i % 50 !== 0) continue;
        const size = (await kv.list(AUTH_CACHE_NAMESPACE)).size;
        assert.ok(size <= AUTH_CACHE_MAX_ENTRIES, `size ${size} after ${i + 1} cards`);
      }
      const kept = await kv.list(AUTH_CACHE_NAMESPACE);
      assert.equal(kept.size, AUTH_CACHE_MAX_ENTRIES);
      assert.ok(kept.has(`CARD-${cards - 1}`));
      assert.ok(!kept.has(`CARD-${cards - AUTH_CACHE_MAX_ENTRIES}`), 'an old card went out');
      assert.deepEqual(kept.get('CARD-0'), { status: 'Accepted', parentIdTag: 'KEPT' });
    });

    it('entries from before a reboot are evicted first, and the bound holds across it', async () => {
      const kv = new MemoryKeyValueStore();
      const keys = await ConfigurationKeys.load(kv, {});
      const before = new AuthorizationCache(kv, keys, 5);
      for (let i = 0; i < 5; i++) await before.remember(`OLD-${i}`, { status: 'Accepted' });
      const after = new AuthorizationCache(kv, keys, 5);
      for (let i = 0; i < 3; i++) await after.remember(`NEW-${i}`, { status: 'Blocked' });
      const kept = [...(await kv.list(AUTH_CACHE_NAMESPACE)).keys()].sort();
      assert.deepEqual(kept, ['NEW-0', 'NEW-1', 'NEW-2', 'OLD-3', 'OLD-4']);
    });

    it('AuthorizationCacheEnabled=false (ChangeConfiguration on loopback) clears the cache and stores nothing after', async () => {
      const csms = await createBenchCsms({ port: 0 });
      const kv = new MemoryKeyValueStore();
      const client = await createOcppClient({
        config: fastConfig(csms.url),
        station: STATION,
        port: new FakeStation(new MemoryOutboxStore()),
        outbox: new MemoryOutboxStore(),
        kv,
        clock: systemClock,
        logger: silentLogger(),
        outboxPollMs: 20,
      });
      try {
        client.start();
        await waitUntil(() => client.registration.isAccepted() && client.connection.isOpen(), 5_000, 'registration');
        await client.authorizer.authorize('CARD-1');
        assert.notEqual(await kv.get(AUTH_CACHE_NAMESPACE, 'CARD-1'), undefined);
        assert.deepEqual(await csms.controls.call('CP1', 'ChangeConfiguration', { key: 'AuthorizationCacheEnabled', value: 'false' }), { status: 'Accepted' });
        let size = 1;
        for (let i = 0; i < 100 && size > 0; i++) {
          size = (await kv.list(AUTH_CACHE_NAMESPACE)).size;
          if (size > 0) await sleep(10);
        }
        assert.equal(size, 0, 'cleared when the key went false');
        await client.authorizer.authorize('CARD-2');
        await client.authorizer.remember('CARD-3', { status: 'Accepted' });
        assert.equal((await kv.list(AUTH_CACHE_NAMESPACE)).size, 0, 'nothing stored while disabled');
      } finally {
        await client.stop();
        await csms.close();
      }
    });

    it('a cache left on disk while the key is false is cleared at boot', async () => {
      const kv = new MemoryKeyValueStore();
      await kv.set(AUTH_CACHE_NAMESPACE, 'STALE', { status: 'Accepted' });
      const csms = await createBenchCsms({ port: 0 });
      const client = await createOcppClient({
        config: fastConfig(csms.url, { initialKeys: { AuthorizationCacheEnabled: 'false' } }),
        station: STATION,
        port: new FakeStation(new MemoryOutboxStore()),
        outbox: new MemoryOutboxStore(),
        kv,
        clock: systemClock,
        logger: silentLogger(),
      });
      await csms.close();
      assert.equal(client.keys.bool('AuthorizationCacheEnabled'), false);
      assert.equal((await kv.list(AUTH_CACHE_NAMESPACE)).size, 0);
    });
  });
});
