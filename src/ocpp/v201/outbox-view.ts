/**
 * Views of the journal's outbox for the 2.0.1 client. The outbox is shared with 1.6 and the journal fills its
 * transaction lane with 1.6 StartTransaction / StopTransaction rows. Until the 2.0.1 transaction module says it
 * delivers a kind, a transaction-lane head of another kind is not handed to the sender: that lane waits, in order.
 * The optional lane never waits on a kind nobody sends (a 1.6 DataTransfer left from before a version switch would
 * hold StatusNotification and security events forever): the link refuses it like a malformed message, so it ends
 * as a dead letter (with its alert) after MessageAttempts. Nothing 1.6-shaped goes on a 2.0.1 link either way.
 */
import type { OutboxKind, OutboxLane, OutboxStore } from '../../journal/ports.js';
import type { OutboxLink } from '../outbox-sender.js';
import { createRPCError } from '../rpc.js';

/** Every method of `outbox` bound to it, with `overrides` in place. */
function delegate(outbox: OutboxStore, overrides: Partial<OutboxStore>): OutboxStore {
  return {
    head: (lane) => outbox.head(lane),
    markDelivered: (seq, answer) => outbox.markDelivered(seq, answer),
    markFailed: (seq, error, at) => outbox.markFailed(seq, error, at),
    markDead: (seq, error, options) => outbox.markDead(seq, error, options),
    drop: (seq, reason) => outbox.drop(seq, reason),
    transactionIdFor: (sessionId) => outbox.transactionIdFor(sessionId),
    depth: () => outbox.depth(),
    enqueue: (kind, sessionId, payload) => outbox.enqueue(kind, sessionId, payload),
    ...overrides,
  };
}

/** The outbox as the 2.0.1 sender sees it: the transaction lane only up to its first head of a kind not in `deliverable`. */
export function deliverableOutbox(outbox: OutboxStore, deliverable: ReadonlySet<OutboxKind>): OutboxStore {
  return delegate(outbox, {
    head: async (lane?: OutboxLane) => {
      const head = await outbox.head(lane);
      return head !== null && lane === 'transaction' && !deliverable.has(head.kind) ? null : head;
    },
  });
}

/** The link as the 2.0.1 sender sees it: a kind not in `deliverable` is refused (FormatViolation) without being sent. */
export function deliverableLink(link: OutboxLink, deliverable: ReadonlySet<string>): OutboxLink {
  return {
    isOpen: () => link.isOpen(),
    call: <T>(method: string, params: Record<string, unknown>): Promise<T> =>
      deliverable.has(method)
        ? link.call<T>(method, params)
        : Promise.reject(createRPCError('FormatViolation', `${method} from the outbox is not a message this OCPP 2.0.1 station sends`)),
  };
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
