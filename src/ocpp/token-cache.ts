/**
 * The authorization cache both OCPP versions keep (1.6 `authorization-cache.ts`, 2.0.1
 * `v201/authorization/auth-cache.ts` give it their entry shape and their Enabled setting): one entry per token in a
 * namespace of the journal's key-value store, so it survives a reboot. Bounded FIFO: at most `maxEntries` tokens, the
 * one written longest ago goes first (a rewrite counts as new). Disabled: nothing is read or kept. What an entry says
 * (status, expiry) is the version's; the caller judges expiry, so an expired entry still reads back.
 */
import type { KeyValueStore } from '../journal/ports.js';

/**
 * Tokens kept by default. A station's regular drivers are a few hundred at most; 1000 entries of ~100 bytes are
 * nothing on disk, and evicting a token only costs an Authorize (or offline, the unknown-token rule).
 */
export const TOKEN_CACHE_MAX_ENTRIES = 1000;

export interface TokenCacheOptions<Entry> {
  readonly store: KeyValueStore;
  /** The key-value namespace of this version's cache. */
  readonly namespace: string;
  /** Checks a stored value (the journal is external input to this module): null when it is not an entry. */
  readonly parse: (value: unknown) => Entry | null;
  /** The version's Enabled setting, read at every use. */
  readonly enabled: () => boolean;
  readonly maxEntries?: number;
}

export class PersistedTokenCache<Entry extends object> {
  /**
   * Tokens in the order they were written, oldest first; loaded from the store at first use (entries from before a
   * reboot count as older than any written since, in the store's order).
   */
  private order: Set<string> | null = null;
  /** Serialises writes, so the order and the store never disagree. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: TokenCacheOptions<Entry>) {}

  /** The token's entry, or null (also while the cache is disabled). */
  async get(token: string): Promise<Entry | null> {
    const { store, namespace, parse, enabled } = this.options;
    if (!enabled()) return null;
    return parse(await store.get(namespace, token));
  }

  /** Keeps `entry` for `token` as the newest, evicting the oldest beyond the bound; nothing while disabled. */
  put(token: string, entry: Entry): Promise<void> {
    const { store, namespace, enabled } = this.options;
    const maxEntries = this.options.maxEntries ?? TOKEN_CACHE_MAX_ENTRIES;
    return this.serialised(async () => {
      if (!enabled()) return;
      const order = await this.loadedOrder();
      await store.set(namespace, token, { ...entry });
      order.delete(token);
      order.add(token);
      while (order.size > maxEntries) {
        const oldest = order.values().next().value as string;
        await store.delete(namespace, oldest);
        order.delete(oldest);
      }
    });
  }

  /** Empties the cache (ClearCache, and what disabling it does). */
  clear(): Promise<void> {
    return this.serialised(async () => {
      await this.options.store.clear(this.options.namespace);
      this.order = new Set();
    });
  }

  private async loadedOrder(): Promise<Set<string>> {
    this.order ??= new Set((await this.options.store.list(this.options.namespace)).keys());
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
