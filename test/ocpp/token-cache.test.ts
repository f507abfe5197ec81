import assert from 'node:assert/strict';
import sinon from 'sinon';
import { openJournal } from '../../src/journal/journal.js';
import type { KeyValueStore } from '../../src/journal/ports.js';
import { AUTH_CACHE_201_NAMESPACE, AuthCache201 } from '../../src/ocpp/v201/authorization/auth-cache.js';
import { AUTH_CACHE_NAMESPACE, AuthorizationCache } from '../../src/ocpp/authorization-cache.js';
import { ConfigurationKeys } from '../../src/ocpp/config-keys.js';
import { PersistedTokenCache, TOKEN_CACHE_MAX_ENTRIES } from '../../src/ocpp/token-cache.js';
import { manualClock, tempStateDir } from '../journal/support/helpers.js';
import { MemoryKeyValueStore } from './support/memory-kv.js';

interface Entry {
  readonly status: string;
}

const NS = 'test.tokenCache';
const asEntry = (v: unknown): Entry | null =>
  typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)['status'] === 'string' ? { status: (v as Record<string, string>)['status'] as string } : null;

function cacheOn(store: KeyValueStore, maxEntries?: number, enabled = () => true): PersistedTokenCache<Entry> {
  return new PersistedTokenCache<Entry>({ store, namespace: NS, parse: asEntry, enabled, ...(maxEntries !== undefined ? { maxEntries } : {}) });
}

/** A store whose writes fail while `failing` is set, as a journal whose worker refuses a commit. */
class FailingKeyValueStore extends MemoryKeyValueStore {
  failing = false;
  override set(namespace: string, key: string, value: unknown): Promise<void> {
    if (this.failing) return Promise.reject(new Error('SQLITE_BUSY'));
    return super.set(namespace, key, value);
  }
}

describe('ocpp/token-cache (the persisted authorization cache shared by 1.6 and 2.0.1)', () => {
  it('is bounded FIFO: the token written longest ago goes first, a rewrite counts as new', async () => {
    const kv = new MemoryKeyValueStore();
    const cache = cacheOn(kv, 3);
    for (const t of ['A', 'B', 'C']) await cache.put(t, { status: t });
    await cache.put('A', { status: 'A2' });
    await cache.put('D', { status: 'D' });
    assert.deepEqual([...(await kv.list(NS)).keys()].sort(), ['A', 'C', 'D'], 'B was the oldest once A was rewritten');
    assert.deepEqual(await cache.get('A'), { status: 'A2' });
    assert.equal(await cache.get('B'), null);
    assert.equal(TOKEN_CACHE_MAX_ENTRIES, 1000);
  });

  it('keeps the bound when writes overlap (not awaited one by one)', async () => {
    const kv = new MemoryKeyValueStore();
    const cache = cacheOn(kv, 10);
    await Promise.all(Array.from({ length: 50 }, (_, i) => cache.put(`T${i}`, { status: 'Accepted' })));
    assert.deepEqual([...(await kv.list(NS)).keys()].sort(), Array.from({ length: 10 }, (_, i) => `T${40 + i}`).sort());
  });

  it('disabled: reads nothing and keeps nothing (emptying it is the version’s call)', async () => {
    const kv = new MemoryKeyValueStore();
    let enabled = true;
    const cache = cacheOn(kv, 5, () => enabled);
    await cache.put('KEPT', { status: 'Accepted' });
    enabled = false;
    assert.equal(await cache.get('KEPT'), null);
    await cache.put('NEW', { status: 'Accepted' });
    assert.deepEqual([...(await kv.list(NS)).keys()], ['KEPT']);
    await cache.clear();
    assert.equal((await kv.list(NS)).size, 0);
  });

  it('a stored value that is not an entry reads as unknown', async () => {
    const kv = new MemoryKeyValueStore();
    await kv.set(NS, 'BROKEN', { state: 'Accepted' });
    assert.equal(await cacheOn(kv).get('BROKEN'), null);
  });

  it('a failed write is its caller’s alone: later writes go on and the bound still holds', async () => {
    const kv = new FailingKeyValueStore();
    const cache = cacheOn(kv, 3);
    for (const t of ['A', 'B', 'C']) await cache.put(t, { status: t });
    kv.failing = true;
    await assert.rejects(cache.put('X', { status: 'X' }), /SQLITE_BUSY/);
    kv.failing = false;
    await cache.put('D', { status: 'D' });
    await cache.put('E', { status: 'E' });
    assert.deepEqual([...(await kv.list(NS)).keys()].sort(), ['C', 'D', 'E']);
  });

  it('on the real SQLite journal: entries and their order survive a reopen; older ones go first after it', async function () {
    this.timeout(20_000);
    const state = tempStateDir('evse-token-cache-');
    const clock = manualClock();
    try {
      const first = await openJournal({ stateDir: state.dir, clock });
      const before = cacheOn(first, 4);
      for (let i = 0; i < 6; i++) await before.put(`OLD-${i}`, { status: 'Accepted' });
      await first.close();

      const second = await openJournal({ stateDir: state.dir, clock });
      const after = cacheOn(second, 4);
      assert.deepEqual(await after.get('OLD-5'), { status: 'Accepted' }, 'read back after the reopen');
      assert.equal(await after.get('OLD-1'), null, 'evicted before the reopen');
      await after.put('NEW-0', { status: 'Blocked' });
      await after.put('NEW-1', { status: 'Blocked' });
      assert.deepEqual([...(await second.list(NS)).keys()].sort(), ['NEW-0', 'NEW-1', 'OLD-4', 'OLD-5']);
      await second.close();
    } finally {
      state.cleanup();
    }
  });

  describe('expiry (each version’s entry on the shared cache; the authorizer judges it)', () => {
    let fake: sinon.SinonFakeTimers;
    beforeEach(() => {
      fake = sinon.useFakeTimers({ now: Date.UTC(2026, 5, 1, 12, 0, 0) });
    });
    afterEach(() => fake.restore());

    it('2.0.1: the CSMS’s cacheExpiryDateTime, else LifeTime after the write, else never; an expired entry still reads back, after a reload too', async () => {
      const kv = new MemoryKeyValueStore();
      let lifeTimeS = 600;
      const cache = new AuthCache201(kv, { enabled: () => true, lifeTimeS: () => lifeTimeS }, 2);
      await cache.remember('GIVEN', { status: 'Accepted', cacheExpiryDateTime: '2026-06-01T12:00:30.000Z' }, Date.now());
      await cache.remember('LIFETIME', { status: 'Accepted', groupIdToken: { idToken: 'FLEET' } }, Date.now());
      await fake.tickAsync(3_600_000);
      const reloaded = new AuthCache201(kv, { enabled: () => true, lifeTimeS: () => lifeTimeS }, 2);
      assert.deepEqual(await reloaded.get('GIVEN'), { status: 'Accepted', expiresAtMs: Date.UTC(2026, 5, 1, 12, 0, 30) });
      assert.deepEqual(await reloaded.get('LIFETIME'), { status: 'Accepted', expiresAtMs: Date.UTC(2026, 5, 1, 12, 10, 0), groupIdToken: 'FLEET' });
      assert.ok(((await reloaded.get('LIFETIME'))?.expiresAtMs ?? Infinity) < Date.now(), 'expired by now, still there for the authorizer to call Expired');
      lifeTimeS = 0;
      await reloaded.remember('FOREVER', { status: 'Accepted', cacheExpiryDateTime: 'not a date' }, Date.now());
      assert.deepEqual(await reloaded.get('FOREVER'), { status: 'Accepted', expiresAtMs: null });
      assert.deepEqual([...(await kv.list(AUTH_CACHE_201_NAMESPACE)).keys()].sort(), ['FOREVER', 'LIFETIME'], 'the bound holds across the reload');
    });

    it('1.6: the whole idTagInfo with its expiryDate round-trips; AuthorizationCacheEnabled=false empties it', async () => {
      const kv = new MemoryKeyValueStore();
      const keys = await ConfigurationKeys.load(kv, {});
      const cache = new AuthorizationCache(kv, keys, 2);
      const info = { status: 'Accepted' as const, expiryDate: '2026-06-01T12:30:00.000Z', parentIdTag: 'PARENT' };
      await cache.remember('CARD', info);
      await fake.tickAsync(3_600_000);
      assert.deepEqual(await new AuthorizationCache(kv, keys, 2).get('CARD'), info);
      await keys.change('AuthorizationCacheEnabled', 'false');
      await cache.applySetting();
      assert.equal((await kv.list(AUTH_CACHE_NAMESPACE)).size, 0);
    });
  });
});
