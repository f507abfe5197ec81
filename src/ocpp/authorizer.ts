/**
 * Authorization of an id tag (an RFID tap): the local authorization list, the authorization cache and Authorize.req,
 * with the 1.6 rules LocalPreAuthorize, LocalAuthorizeOffline and AllowOfflineTxForUnknownId. The local list wins over
 * the cache. Both live in the journal's key-value store, so they survive a reboot.
 */
import type { Clock } from '../clock.js';
import type { KeyValueStore } from '../journal/ports.js';
import type { Logger } from '../logger.js';
import type { ConfigurationKeys } from './config-keys.js';
import { rpcErrorCodeOf } from './rpc.js';

export const LOCAL_LIST_NAMESPACE = 'ocpp.localList';
export const LOCAL_LIST_META_NAMESPACE = 'ocpp.localListMeta';
export const AUTH_CACHE_NAMESPACE = 'ocpp.authCache';

export type AuthorizationStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';

/** OCPP 1.6 IdTagInfo. */
export interface IdTagInfo {
  readonly status: AuthorizationStatus;
  /** ISO-8601. */
  readonly expiryDate?: string;
  readonly parentIdTag?: string;
}

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
}

const AUTH_STATUSES: readonly string[] = ['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx'];

/** Parses a stored or received IdTagInfo; null when it is not one. */
export function asIdTagInfo(value: unknown): IdTagInfo | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v['status'] !== 'string' || !AUTH_STATUSES.includes(v['status'])) return null;
  return {
    status: v['status'] as AuthorizationStatus,
    ...(typeof v['expiryDate'] === 'string' ? { expiryDate: v['expiryDate'] } : {}),
    ...(typeof v['parentIdTag'] === 'string' ? { parentIdTag: v['parentIdTag'] } : {}),
  };
}

/** The station's authorization decisions. The station calls {@link Authorizer.authorize} on a tap. */
export class Authorizer {
  constructor(private readonly options: AuthorizerOptions) {}

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

  /** Stores what a StartTransaction.conf / StopTransaction.conf said about a tag (the cache follows every answer). */
  async remember(idTag: string, info: IdTagInfo): Promise<void> {
    if (!this.options.keys.bool('AuthorizationCacheEnabled')) return;
    await this.options.store.set(AUTH_CACHE_NAMESPACE, idTag, { ...info });
  }

  /** ClearCache. */
  async clearCache(): Promise<void> {
    await this.options.store.clear(AUTH_CACHE_NAMESPACE);
  }

  /** The local list's verdict, else the cache's; expiry applied. Null when neither knows the tag. */
  private async localDecision(idTag: string): Promise<AuthorizationResult | null> {
    const { keys, store } = this.options;
    if (keys.bool('LocalAuthListEnabled')) {
      const info = asIdTagInfo(await store.get(LOCAL_LIST_NAMESPACE, idTag));
      if (info) return this.judge(info, 'local-list');
    }
    if (keys.bool('AuthorizationCacheEnabled')) {
      const info = asIdTagInfo(await store.get(AUTH_CACHE_NAMESPACE, idTag));
      if (info) return this.judge(info, 'cache');
    }
    return null;
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
