/**
 * Views of the journal's outbox for the 2.0.1 client. The outbox is shared with 1.6 and the journal fills its
 * transaction lane with 1.6 StartTransaction / StopTransaction rows; until the 2.0.1 transaction module says it
 * delivers a kind (`deliver`), a head of another kind is not handed to the sender: that lane waits, in order, and
 * nothing 1.6-shaped goes on a 2.0.1 link.
 */
import type { OutboxKind, OutboxLane, OutboxStore } from '../../journal/ports.js';

/** Every method of `outbox` bound to it, with `overrides` in place. */
function delegate(outbox: OutboxStore, overrides: Partial<OutboxStore>): OutboxStore {
  return {
    head: (lane) => outbox.head(lane),
    markDelivered: (seq, answer) => outbox.markDelivered(seq, answer),
    markFailed: (seq, error, at) => outbox.markFailed(seq, error, at),
    markDead: (seq, error) => outbox.markDead(seq, error),
    drop: (seq, reason) => outbox.drop(seq, reason),
    transactionIdFor: (sessionId) => outbox.transactionIdFor(sessionId),
    depth: () => outbox.depth(),
    enqueue: (kind, sessionId, payload) => outbox.enqueue(kind, sessionId, payload),
    ...overrides,
  };
}

/** The outbox as the 2.0.1 sender sees it: only heads of the kinds in `deliverable`. */
export function deliverableOutbox(outbox: OutboxStore, deliverable: ReadonlySet<OutboxKind>): OutboxStore {
  return delegate(outbox, {
    head: async (lane?: OutboxLane) => {
      const head = await outbox.head(lane);
      return head !== null && deliverable.has(head.kind) ? head : null;
    },
  });
}

const RENAMED_SECURITY_EVENTS: Readonly<Record<string, string>> = {
  FailedToAuthenticateAtCentralSystem: 'FailedToAuthenticateAtCsms',
  InvalidCentralSystemCertificate: 'InvalidCsmsCertificate',
};

/**
 * The outbox with the security events the shared SecurityEvents journals (1.6 whitepaper names) renamed to their
 * OCPP 2.0.1 names (Part 2, appendix "Security events") as they are queued; the others are named the same in both.
 */
export function securityEventOutbox201(outbox: OutboxStore): OutboxStore {
  return delegate(outbox, {
    enqueue: (kind, sessionId, payload) => {
      const type = payload['type'];
      const renamed = kind === 'SecurityEventNotification' && typeof type === 'string' ? RENAMED_SECURITY_EVENTS[type] : undefined;
      return outbox.enqueue(kind, sessionId, renamed ? { ...payload, type: renamed } : payload);
    },
  });
}
