/**
 * The 2.0.1 authorization cache (AuthCacheCtrlr): what the CSMS said about a token (Authorize, TransactionEvent
 * idTokenInfo), kept in the journal's key-value store so it survives a reboot. FIFO (the Policy the device model
 * reports): at most `maxEntries` tokens, the one written longest ago goes first. An entry expires at the CSMS's
 * cacheExpiryDateTime, else LifeTime seconds after it was written. Disabled (Enabled false): nothing is read or kept.
 */
import type { KeyValueStore } from '../../../journal/ports.js';

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
  private order: Set<string> | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: KeyValueStore,
    private readonly settings: AuthCacheSettings,
    private readonly maxEntries = 1000,
  ) {}

  /** The token's entry (null when unknown, expired-and-dropped never: the caller judges expiry), null while disabled. */
  async get(idToken: string): Promise<CachedToken | null> {
    if (!this.settings.enabled()) return null;
    return asCached(await this.store.get(AUTH_CACHE_201_NAMESPACE, idToken));
  }

  /** Stores what the CSMS said (the whole idTokenInfo that matters here). */
  remember(idToken: string, info: { status: string; cacheExpiryDateTime?: string; groupIdToken?: { idToken: string } }, nowMs: number): Promise<void> {
    return this.serialised(async () => {
      if (!this.settings.enabled()) return;
      const given = info.cacheExpiryDateTime === undefined ? NaN : Date.parse(info.cacheExpiryDateTime);
      const lifeTimeS = this.settings.lifeTimeS();
      const expiresAtMs = Number.isFinite(given) ? given : lifeTimeS > 0 ? nowMs + lifeTimeS * 1000 : null;
      const entry: CachedToken = { status: info.status, expiresAtMs, ...(info.groupIdToken ? { groupIdToken: info.groupIdToken.idToken } : {}) };
      const order = await this.loadedOrder();
      await this.store.set(AUTH_CACHE_201_NAMESPACE, idToken, entry);
      order.delete(idToken);
      order.add(idToken);
      while (order.size > this.maxEntries) {
        const oldest = order.values().next().value as string;
        await this.store.delete(AUTH_CACHE_201_NAMESPACE, oldest);
        order.delete(oldest);
      }
    });
  }

  /** ClearCache, and what Enabled=false does. */
  clear(): Promise<void> {
    return this.serialised(async () => {
      await this.store.clear(AUTH_CACHE_201_NAMESPACE);
      this.order = new Set();
    });
  }

  private async loadedOrder(): Promise<Set<string>> {
    this.order ??= new Set((await this.store.list(AUTH_CACHE_201_NAMESPACE)).keys());
    return this.order;
  }

  private serialised(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => {
      this.order = null;
    });
    return next;
  }
}
