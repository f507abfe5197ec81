/**
 * C01 / C09 / C16 authorization in OCPP 2.0.1, on the AuthCtrlr / AuthCacheCtrlr variables:
 * - C01: a presented token (ISO14443 for a card) is authorized by the CSMS (Authorize) when online, or from the
 *   cache: first when LocalPreAuthorize holds and the cache says Accepted, else when offline and LocalAuthorizeOffline;
 *   an unknown token offline is Accepted only with OfflineTxForUnknownIdEnabled. AuthCtrlr.Enabled false: every
 *   token is Accepted without asking.
 * - C09 GroupId: a token other than the one that started the transaction may stop it when the CSMS gives both the
 *   same groupIdToken (`mayStop`).
 * - C16 master pass: a token whose groupIdToken is AuthCtrlr.MasterPassGroupId stops the running transaction
 *   (stoppedReason MasterPass) and can never start one.
 */
import type { Clock } from '../../../clock.js';
import type { Logger } from '../../../logger.js';
import type { ChargePointPort } from '../../charge-point-port.js';
import { rpcErrorCodeOf } from '../../rpc.js';
import type { IdTokenKind } from '../transactions/types.js';
import type { AuthCache201 } from './auth-cache.js';

/** The statuses the station's tap understands; other 2.0.1 statuses (NoCredit, NotAtThisTime …) read as Invalid. */
export type StationAuthorizationStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';

/** What a token presented during a transaction does to it (C09 / C16). */
export type StopDecision = 'stop' | 'master-pass' | 'no';

export interface Authorization201 {
  readonly status: StationAuthorizationStatus;
  /** The CSMS's status as it said it (NoCredit …), for the log and the display. */
  readonly csmsStatus?: string;
  readonly groupIdToken?: string;
  readonly source: 'disabled' | 'csms' | 'cache' | 'offline-unknown' | 'master-pass';
}

export interface AuthorizerSettings {
  enabled(): boolean;
  localPreAuthorize(): boolean;
  localAuthorizeOffline(): boolean;
  offlineTxForUnknownIdEnabled(): boolean;
  /** AuthCtrlr.MasterPassGroupId ('' = none). */
  masterPassGroupId(): string;
}

export interface Authorizer201Options {
  readonly link: { isOpen(): boolean; call<T = Record<string, unknown>>(method: string, params: Record<string, unknown>): Promise<T> };
  /** False while the boot is not Accepted (nothing but the boot may leave): the token is judged offline. */
  readonly mayTransmit: () => boolean;
  readonly cache: AuthCache201;
  readonly settings: AuthorizerSettings;
  readonly port: ChargePointPort;
  readonly clock: Clock;
  readonly logger: Logger;
  /** C16: the running session is being stopped by a master pass (its Ended says MasterPass). */
  readonly onMasterPassStop: (sessionId: number) => void;
}

const STATION_STATUSES: ReadonlySet<string> = new Set(['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx']);

interface IdTokenInfo {
  readonly status: string;
  readonly cacheExpiryDateTime?: string;
  readonly groupIdToken?: { readonly idToken: string; readonly type: string };
}

export class Authorizer201 {
  constructor(private readonly options: Authorizer201Options) {}

  /**
   * A presented token: may it start? A master pass stops the running transaction (C16) and never starts one. Never
   * throws for a network failure.
   */
  async authorize(idToken: string, type: IdTokenKind = 'ISO14443'): Promise<Authorization201> {
    const { settings, port, logger } = this.options;
    if (!settings.enabled()) return { status: 'Accepted', source: 'disabled' };
    const decision = await this.decide(idToken, type);
    const master = settings.masterPassGroupId();
    if (master !== '' && decision.groupIdToken === master && decision.status === 'Accepted') {
      const session = port.activeSession();
      if (session) {
        this.options.onMasterPassStop(session.sessionId);
        port.stopSession('Local');
        logger.info({ sessionId: session.sessionId }, 'master pass: transaction stopped');
      }
      return { status: 'Invalid', groupIdToken: master, source: 'master-pass' };
    }
    return decision;
  }

  /**
   * C09: may `idToken` stop the transaction `startedBy` started? The same token always may; another one when both
   * belong to the same group (the CSMS's groupIdToken, asked or cached). A master pass reads as no here.
   */
  async mayStop(idToken: string, startedBy: string | null): Promise<boolean> {
    return (await this.stopDecision(idToken, startedBy)) === 'stop';
  }

  /**
   * A token presented while a transaction runs (C09 / C16), without stopping anything: 'stop' for the starting token
   * or one of its group (both Accepted with the same groupIdToken), 'master-pass' for an Accepted token of
   * AuthCtrlr.MasterPassGroupId (the running session is marked so its Ended says MasterPass: the caller stops it next),
   * else 'no'. Asks the CSMS when online (Authorize), else the cache under the offline rules. Never throws for a
   * network failure.
   */
  async stopDecision(idToken: string, startedBy: string | null): Promise<StopDecision> {
    if (startedBy !== null && idToken.toLowerCase() === startedBy.toLowerCase()) return 'stop';
    const { settings, port } = this.options;
    // AuthCtrlr.Enabled false: no token is known, so none but the starting one may stop.
    if (!settings.enabled()) return 'no';
    const presented = await this.decide(idToken, 'ISO14443');
    if (presented.status !== 'Accepted' || presented.groupIdToken === undefined) return 'no';
    const master = settings.masterPassGroupId();
    if (master !== '' && presented.groupIdToken === master) {
      const session = port.activeSession();
      if (session) this.options.onMasterPassStop(session.sessionId);
      return 'master-pass';
    }
    if (startedBy === null) return 'no';
    return presented.groupIdToken === (await this.groupOf(startedBy)) ? 'stop' : 'no';
  }

  private async groupOf(idToken: string): Promise<string | undefined> {
    return (await this.options.cache.get(idToken))?.groupIdToken;
  }

  private async decide(idToken: string, type: IdTokenKind): Promise<Authorization201> {
    const { settings, link, cache, clock } = this.options;
    const cached = await cache.get(idToken);
    const local = cached ? this.judge(cached) : null;
    const online = link.isOpen() && this.options.mayTransmit();
    if (online) {
      if (settings.localPreAuthorize() && local?.status === 'Accepted') return local;
      try {
        const conf = await link.call<{ idTokenInfo: IdTokenInfo }>('Authorize', { idToken: { idToken, type } });
        const info = conf.idTokenInfo;
        await cache.remember(idToken, info, clock.nowMs()).catch((err: unknown) => {
          this.options.logger.warn({ error: (err as Error).message }, 'could not cache an authorization');
        });
        return {
          status: STATION_STATUSES.has(info.status) ? (info.status as StationAuthorizationStatus) : 'Invalid',
          csmsStatus: info.status,
          ...(info.groupIdToken ? { groupIdToken: info.groupIdToken.idToken } : {}),
          source: 'csms',
        };
      } catch (err) {
        // A CALLERROR is the CSMS's word that it cannot answer: decide locally, as offline.
        if (rpcErrorCodeOf(err) !== null) this.options.logger.warn({ error: (err as Error).message }, 'Authorize refused by the CSMS; deciding locally');
      }
    }
    if (local && (settings.localAuthorizeOffline() || local.status !== 'Accepted')) return local;
    if (!local && settings.offlineTxForUnknownIdEnabled()) return { status: 'Accepted', source: 'offline-unknown' };
    return { status: 'Invalid', source: 'offline-unknown' };
  }

  private judge(entry: { status: string; expiresAtMs: number | null; groupIdToken?: string }): Authorization201 {
    const expired = entry.expiresAtMs !== null && entry.expiresAtMs <= this.options.clock.nowMs();
    const status = entry.status === 'Accepted' && expired ? 'Expired' : STATION_STATUSES.has(entry.status) ? (entry.status as StationAuthorizationStatus) : 'Invalid';
    return { status, csmsStatus: entry.status, ...(entry.groupIdToken !== undefined ? { groupIdToken: entry.groupIdToken } : {}), source: 'cache' };
  }
}
