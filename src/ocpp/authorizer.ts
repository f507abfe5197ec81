/**
 * Authorization of an id tag (an RFID tap): the local authorization list, the authorization cache and Authorize.req,
 * with the 1.6 rules LocalPreAuthorize, LocalAuthorizeOffline and AllowOfflineTxForUnknownId. The local list wins over
 * the cache. Both live in the journal's key-value store, so they survive a reboot.
 */
import type { Clock } from '../clock.js';
import type { KeyValueStore } from '../journal/ports.js';
import type { Logger } from '../logger.js';
import type { ConfigurationKeys } from './config-keys.js';
import { AuthorizationCache } from './authorization-cache.js';
import { asIdTagInfo, type AuthorizationStatus, type IdTagInfo } from './id-tag-info.js';
import { rpcErrorCodeOf } from './rpc.js';

export const LOCAL_LIST_NAMESPACE = 'ocpp.localList';
export const LOCAL_LIST_META_NAMESPACE = 'ocpp.localListMeta';
export { AUTH_CACHE_NAMESPACE } from './authorization-cache.js';
export { asIdTagInfo, type AuthorizationStatus, type IdTagInfo } from './id-tag-info.js';

export interface AuthorizationResult {
  readonly status: AuthorizationStatus;
  readonly parentIdTag?: string;
  /** Where the decision came from (for the session timeline and tests); 'reserved': the connector is reserved for another tag. */
  readonly source: 'free-vend' | 'local-list' | 'cache' | 'csms' | 'offline-unknown' | 'reserved';
  /** The reservation this start consumes (pass it to SessionRecorder.startSession). */
  readonly reservationId?: number;
}

/** What the authorizer needs of the reservations. */
export interface ReservationClaims {
  claim(idTag: string, parentIdTag: string | undefined): { readonly reservationId: number } | null | 'reserved-for-another';
}

export interface AuthorizerOptions {
  readonly link: { isOpen(): boolean; call<T = Record<string, unknown>>(method: string, params: Record<string, unknown>): Promise<T> };
  readonly keys: ConfigurationKeys;
  readonly store: KeyValueStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Charge without authorization (config `control.freeVend`). */
  readonly freeVend: boolean;
  readonly reservations?: ReservationClaims;
  /** Cards the authorization cache keeps (default AUTH_CACHE_MAX_ENTRIES). */
  readonly cacheMaxEntries?: number;
}

/** The station's authorization decisions. The station calls {@link Authorizer.authorize} on a tap. */
export class Authorizer {
  private readonly cache: AuthorizationCache;

  constructor(private readonly options: AuthorizerOptions) {
    this.cache = new AuthorizationCache(options.store, options.keys, options.cacheMaxEntries);
  }

  /**
   * Decides whether `idTag` may start (or stop) a session. Never throws for a network failure. While the connector is
   * reserved, only the reserved tag or one with the reservation's parentIdTag is Accepted (with the reservationId).
   */
  async authorize(idTag: string): Promise<AuthorizationResult> {
    const result = await this.decide(idTag);
    const reservations = this.options.reservations;
    if (result.status !== 'Accepted' || !reservations) return result;
    const claim = reservations.claim(idTag, result.parentIdTag);
    if (claim === 'reserved-for-another') return { status: 'Invalid', source: 'reserved' };
    return claim ? { ...result, reservationId: claim.reservationId } : result;
  }

  private async decide(idTag: string): Promise<AuthorizationResult> {
    const { keys, link, freeVend } = this.options;
    if (freeVend) return { status: 'Accepted', source: 'free-vend' };
    const local = await this.localDecision(idTag);
    if (link.isOpen()) {
      if (keys.bool('LocalPreAuthorize') && local?.status === 'Accepted') return local;
      try {
        const conf = await link.call<{ idTagInfo: unknown }>('Authorize', { idTag });
        const info = asIdTagInfo(conf.idTagInfo);
        if (info) {
          await this.remember(idTag, info);
          return withParent({ status: info.status, source: 'csms' }, info.parentIdTag);
        }
      } catch (err) {
        if (rpcErrorCodeOf(err) !== null) this.options.logger.warn({ error: (err as Error).message }, 'Authorize refused by the CSMS; deciding locally');
      }
    }
    if (keys.bool('LocalAuthorizeOffline') && local) return local;
    if (local && local.status !== 'Accepted') return local;
    if (keys.bool('AllowOfflineTxForUnknownId') && !local) return { status: 'Accepted', source: 'offline-unknown' };
    return { status: 'Invalid', source: 'offline-unknown' };
  }

  /**
   * Stores what an answer of the CSMS said about a tag, whole (status, expiry, parent). The caller names the tag the
   * answer was about: for a StartTransaction.conf, the tag of the session it answers, not the one charging now.
   */
  remember(idTag: string, info: IdTagInfo): Promise<void> {
    return this.cache.remember(idTag, info);
  }

  /**
   * The parentIdTag the station already knows for `idTag` (local list, else cache; expiry not applied), without asking
   * the CSMS: a running session's starter, whose StartTransaction.conf or Authorize.conf was remembered.
   */
  async knownParentIdTag(idTag: string): Promise<string | undefined> {
    return (await this.localDecision(idTag))?.parentIdTag;
  }

  /** ClearCache. */
  clearCache(): Promise<void> {
    return this.cache.clear();
  }

  /** AuthorizationCacheEnabled false: the cache is emptied (at boot and whenever the key changes). */
  applyCacheSetting(): Promise<void> {
    return this.cache.applySetting();
  }

  /** The local list's verdict, else the cache's; expiry applied. Null when neither knows the tag. */
  private async localDecision(idTag: string): Promise<AuthorizationResult | null> {
    const { keys, store } = this.options;
    if (keys.bool('LocalAuthListEnabled')) {
      const info = asIdTagInfo(await store.get(LOCAL_LIST_NAMESPACE, idTag));
      if (info) return this.judge(info, 'local-list');
    }
    const cached = await this.cache.get(idTag);
    return cached ? this.judge(cached, 'cache') : null;
  }

  private judge(info: IdTagInfo, source: 'local-list' | 'cache'): AuthorizationResult {
    const expired = info.expiryDate !== undefined && Date.parse(info.expiryDate) <= this.options.clock.nowMs();
    const status: AuthorizationStatus = info.status === 'Accepted' && expired ? 'Expired' : info.status;
    return withParent({ status, source }, info.parentIdTag);
  }
}

function withParent(result: AuthorizationResult, parentIdTag: string | undefined): AuthorizationResult {
  return parentIdTag ? { ...result, parentIdTag } : result;
}
