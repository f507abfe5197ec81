/**
 * SecurityEventNotification (OCPP 1.6 security whitepaper): security-relevant events are journaled in the outbox
 * and delivered like any other message, so one that happens offline (a refused login, an untrusted CSMS certificate)
 * still reaches the CSMS. Repeats of a connection-failure event are suppressed until the link works again, so a CSMS
 * that refuses the station for days does not fill the journal.
 */
import type { OutboxKind, OutboxStore } from '../journal/ports.js';
import type { Logger } from '../logger.js';

export type SecurityEventType =
  | 'StartupOfTheDevice'
  | 'ResetOrReboot'
  | 'FailedToAuthenticateAtCentralSystem'
  | 'InvalidCentralSystemCertificate'
  | 'ReconfigurationOfSecurityParameters'
  | 'SettingSystemTime';

const ONCE_PER_OUTAGE: ReadonlySet<SecurityEventType> = new Set(['FailedToAuthenticateAtCentralSystem', 'InvalidCentralSystemCertificate']);
/** Events that happen on every normal boot or reset: reported to the CSMS, but no warning in the station's log. */
const ROUTINE: ReadonlySet<SecurityEventType> = new Set(['StartupOfTheDevice', 'ResetOrReboot', 'SettingSystemTime']);

/** TLS error codes of Node that mean "the CSMS's certificate is not trusted". */
const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The security event a failed connection attempt stands for, or null for an ordinary network failure. */
export function securityEventOfConnectFailure(err: unknown): SecurityEventType | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CERTIFICATE_ERRORS.has(code)) return 'InvalidCentralSystemCertificate';
  // ocpp-rpc's UnexpectedHttpResponse carries the HTTP status as a number (and the response itself): decided on
  // those, never on the message text.
  const status = (err as { response?: { statusCode?: unknown } } | null)?.response?.statusCode;
  if (code === 401 || code === 403 || status === 401 || status === 403) return 'FailedToAuthenticateAtCentralSystem';
  return null;
}

export class SecurityEvents {
  private readonly suppressed = new Set<SecurityEventType>();

  constructor(
    private readonly options: {
      outbox: OutboxStore;
      logger: Logger;
      nowMs: () => number;
      onEnqueued: () => void;
      /** True when the CSMS said it does not implement a kind: the event is logged here only, not journaled for it. */
      unsupported?: (kind: OutboxKind) => boolean;
    },
  ) {}

  /** Journals one event (techInfo: at most 255 characters, never a secret). */
  async record(type: SecurityEventType, techInfo?: string): Promise<void> {
    if (ONCE_PER_OUTAGE.has(type)) {
      if (this.suppressed.has(type)) return;
      this.suppressed.add(type);
    }
    this.options.logger[ROUTINE.has(type) ? 'info' : 'warn']({ type, techInfo }, 'security event');
    if (this.options.unsupported?.('SecurityEventNotification') === true) return;
    try {
      await this.options.outbox.enqueue('SecurityEventNotification', null, {
        type,
        timestamp: new Date(this.options.nowMs()).toISOString(),
        ...(techInfo ? { techInfo: techInfo.slice(0, 255) } : {}),
      });
      this.options.onEnqueued();
    } catch (err) {
      this.options.logger.error({ type, error: (err as Error).message }, 'could not journal a security event');
    }
  }

  /** The link works again: the next connection failure is worth reporting. */
  connected(): void {
    this.suppressed.clear();
  }
}
