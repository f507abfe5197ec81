/**
 * The 2.0.1 authorization cache (AuthCacheCtrlr): what the CSMS said about a token (Authorize, TransactionEvent
 * idTokenInfo), on the shared persisted token cache (`../../token-cache.ts`: the journal's key-value store, FIFO, the
 * Policy the device model reports, at most `maxEntries` tokens). What is 2.0.1 here: an entry expires at the CSMS's
 * cacheExpiryDateTime, else LifeTime seconds after it was written; Disabled (Enabled false): nothing is read or kept.
 */
import type { KeyValueStore } from '../../../journal/ports.js';
import { PersistedTokenCache, TOKEN_CACHE_MAX_ENTRIES } from '../../token-cache.js';

export const AUTH_CACHE_201_NAMESPACE = 'ocpp201.authCache';

export interface CachedToken {
  readonly status: string;
  /** Epoch ms after which the entry no longer counts. */
  readonly expiresAtMs: number | null;
  readonly groupIdToken?: string;
}

export interface AuthCacheSettings {
  /** AuthCacheCtrlr.Enabled. */
  enabled(): boolean;
  /** AuthCacheCtrlr.LifeTime, seconds. */
  lifeTimeS(): number;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The stored entry, checked (the journal is external input to this module). */
function asCached(value: unknown): CachedToken | null {
  if (!isObject(value) || typeof value['status'] !== 'string') return null;
  const expires = value['expiresAtMs'];
  if (expires !== null && typeof expires !== 'number') return null;
  const group = value['groupIdToken'];
  return { status: value['status'], expiresAtMs: expires, ...(typeof group === 'string' ? { groupIdToken: group } : {}) };
}

export class AuthCache201 {
  private readonly cache: PersistedTokenCache<CachedToken>;

  constructor(
    store: KeyValueStore,
    private readonly settings: AuthCacheSettings,
    maxEntries = TOKEN_CACHE_MAX_ENTRIES,
  ) {
    this.cache = new PersistedTokenCache({ store, namespace: AUTH_CACHE_201_NAMESPACE, parse: asCached, enabled: () => settings.enabled(), maxEntries });
  }

  /** The token's entry (null when unknown, expired-and-dropped never: the caller judges expiry), null while disabled. */
  get(idToken: string): Promise<CachedToken | null> {
    return this.cache.get(idToken);
  }

  /** Stores what the CSMS said (the whole idTokenInfo that matters here); nothing while disabled. */
  async remember(idToken: string, info: { status: string; cacheExpiryDateTime?: string; groupIdToken?: { idToken: string } }, nowMs: number): Promise<void> {
    const given = info.cacheExpiryDateTime === undefined ? NaN : Date.parse(info.cacheExpiryDateTime);
    const lifeTimeS = this.settings.lifeTimeS();
    const expiresAtMs = Number.isFinite(given) ? given : lifeTimeS > 0 ? nowMs + lifeTimeS * 1000 : null;
    await this.cache.put(idToken, { status: info.status, expiresAtMs, ...(info.groupIdToken ? { groupIdToken: info.groupIdToken.idToken } : {}) });
  }

  /** ClearCache, and what Enabled=false does. */
  clear(): Promise<void> {
    return this.cache.clear();
  }
}
