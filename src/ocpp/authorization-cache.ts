/**
 * The OCPP 1.6 authorization cache: the last idTagInfo the CSMS gave for each card (Authorize, StartTransaction
 * answers), in the journal's key-value store so it survives a reboot. Bounded: AuthorizationCacheEnabled false clears
 * it and stores nothing; at most `maxEntries` cards are kept, the one written longest ago goes first.
 */
import type { KeyValueStore } from '../journal/ports.js';
import type { ConfigurationKeys } from './config-keys.js';
import { asIdTagInfo, type IdTagInfo } from './id-tag-info.js';

export const AUTH_CACHE_NAMESPACE = 'ocpp.authCache';

/**
 * Cards kept by default. A station's regular drivers are a few hundred at most; 1000 entries of ~100 bytes are
 * nothing on disk, and evicting a card only costs an Authorize.req (or offline, the AllowOfflineTxForUnknownId rule).
 */
export const AUTH_CACHE_MAX_ENTRIES = 1000;

export class AuthorizationCache {
  /**
   * Cards in the order they were written, oldest first; loaded from the store at first use (entries from before a
   * reboot count as older than any written since, in the store's order).
   */
  private order: Set<string> | null = null;
  /** Serialises writes, so the order and the store never disagree. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: KeyValueStore,
    private readonly keys: ConfigurationKeys,
    private readonly maxEntries = AUTH_CACHE_MAX_ENTRIES,
  ) {}

  private enabled(): boolean {
    return this.keys.bool('AuthorizationCacheEnabled');
  }

  /** The cached idTagInfo of `idTag`, or null (also while the cache is disabled). */
  async get(idTag: string): Promise<IdTagInfo | null> {
    if (!this.enabled()) return null;
    return asIdTagInfo(await this.store.get(AUTH_CACHE_NAMESPACE, idTag));
  }

  /** Stores what the CSMS said about a card; nothing while AuthorizationCacheEnabled is false. */
  remember(idTag: string, info: IdTagInfo): Promise<void> {
    return this.serialised(async () => {
      if (!this.enabled()) return;
      const order = await this.loadedOrder();
      await this.store.set(AUTH_CACHE_NAMESPACE, idTag, { ...info });
      order.delete(idTag);
      order.add(idTag);
      while (order.size > this.maxEntries) {
        const oldest = order.values().next().value as string;
        await this.store.delete(AUTH_CACHE_NAMESPACE, oldest);
        order.delete(oldest);
      }
    });
  }

  /** ClearCache, and what AuthorizationCacheEnabled=false does. */
  clear(): Promise<void> {
    return this.serialised(async () => {
      await this.store.clear(AUTH_CACHE_NAMESPACE);
      this.order = new Set();
    });
  }

  /** Applies AuthorizationCacheEnabled: false clears the cache (call at boot and when the key changes). */
  async applySetting(): Promise<void> {
    if (!this.enabled()) await this.clear();
  }

  private async loadedOrder(): Promise<Set<string>> {
    this.order ??= new Set((await this.store.list(AUTH_CACHE_NAMESPACE)).keys());
    return this.order;
  }

  private serialised(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work);
    // A failed write does not block the ones after it; its caller sees the failure. The order is reloaded then.
    this.queue = next.catch(() => {
      this.order = null;
    });
    return next;
  }
}
