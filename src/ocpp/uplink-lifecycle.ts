/**
 * Subscriptions both OCPP versions' clients make at start alike: the link's refused connection attempts become
 * security events, and the boot's acceptance reports the connectors and wakes the outbox. Each returns its unsubscriber
 * for the client's stop().
 */
import type { OcppConnection } from './connection.js';
import { securityEventOfConnectFailure, type SecurityEvents } from './security-events.js';

/** A connection attempt the CSMS refused (a wrong password, an untrusted certificate) is recorded as its security event. */
export function recordConnectFailures(connection: Pick<OcppConnection, 'onConnectFailure'>, securityEvents: Pick<SecurityEvents, 'record'>): () => void {
  return connection.onConnectFailure((err) => {
    const type = securityEventOfConnectFailure(err);
    if (type) void securityEvents.record(type, (err as Error).message);
  });
}

/**
 * The first Accepted boot of this process reports every connector's status (later ones only what changed); every
 * Accepted boot or reconnect wakes the outbox, which held everything until then.
 */
export class AcceptedBootReport {
  private reportedOnce = false;

  constructor(
    private readonly reportAll: () => Promise<void>,
    private readonly kick: () => void,
  ) {}

  /** Whether the first Accepted boot's full report has gone out. */
  reported(): boolean {
    return this.reportedOnce;
  }

  follow(registration: { onAccepted(listener: () => void): () => void }): () => void {
    return registration.onAccepted(() => {
      if (!this.reportedOnce) {
        this.reportedOnce = true;
        void this.reportAll();
      }
      this.kick();
    });
  }
}
