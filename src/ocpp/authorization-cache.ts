/**
 * The OCPP 1.6 authorization cache: the last idTagInfo the CSMS gave for each card (Authorize, StartTransaction
 * answers), on the shared persisted token cache (`token-cache.ts`: the journal's key-value store, FIFO, at most
 * `maxEntries` cards). What is 1.6 here: the entry is the whole IdTagInfo (expiryDate judged by the authorizer), and
 * AuthorizationCacheEnabled false clears it and stores nothing.
 */
import type { KeyValueStore } from '../journal/ports.js';
import type { ConfigurationKeys } from './config-keys.js';
import { asIdTagInfo, type IdTagInfo } from './id-tag-info.js';
import { PersistedTokenCache, TOKEN_CACHE_MAX_ENTRIES } from './token-cache.js';

export const AUTH_CACHE_NAMESPACE = 'ocpp.authCache';

/** Cards kept by default (see TOKEN_CACHE_MAX_ENTRIES for why this many). */
export const AUTH_CACHE_MAX_ENTRIES = TOKEN_CACHE_MAX_ENTRIES;

export class AuthorizationCache {
  private readonly cache: PersistedTokenCache<IdTagInfo>;

  constructor(
    store: KeyValueStore,
    private readonly keys: ConfigurationKeys,
    maxEntries = AUTH_CACHE_MAX_ENTRIES,
  ) {
    this.cache = new PersistedTokenCache({ store, namespace: AUTH_CACHE_NAMESPACE, parse: asIdTagInfo, enabled: () => this.enabled(), maxEntries });
  }

  private enabled(): boolean {
    return this.keys.bool('AuthorizationCacheEnabled');
  }

  /** The cached idTagInfo of `idTag`, or null (also while the cache is disabled). */
  get(idTag: string): Promise<IdTagInfo | null> {
    return this.cache.get(idTag);
  }

  /** Stores what the CSMS said about a card; nothing while AuthorizationCacheEnabled is false. */
  remember(idTag: string, info: IdTagInfo): Promise<void> {
    return this.cache.put(idTag, info);
  }

  /** ClearCache, and what AuthorizationCacheEnabled=false does. */
  clear(): Promise<void> {
    return this.cache.clear();
  }

  /** Applies AuthorizationCacheEnabled: false clears the cache (call at boot and when the key changes). */
  async applySetting(): Promise<void> {
    if (!this.enabled()) await this.clear();
  }
}
