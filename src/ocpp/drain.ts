/**
 * The end of a scenario run (`evse sim`): wait until the outbox is empty and nothing is in flight, or say what is
 * still undelivered after the drain timeout.
 */
import type { Clock } from '../clock.js';
import type { OutboxStore } from '../journal/ports.js';
import type { UplinkStatus } from './client.js';
import type { OutboxSender } from './outbox-sender.js';

/** What draining needs of an uplink (1.6 or 2.0.1). */
export interface DrainableUplink {
  status(): Promise<UplinkStatus>;
  readonly sender: Pick<OutboxSender, 'messageInFlight'>;
}

export interface DrainResult {
  readonly drained: boolean;
  /** Undelivered, non-dead messages left. */
  readonly undelivered: number;
  /** The oldest undelivered message, if any. */
  readonly head: { readonly seq: number; readonly kind: string; readonly sessionId: number | null; readonly attempts: number } | null;
  readonly connected: boolean;
  readonly registration: string;
  readonly deadLetters: number;
}

/** Resolves once the outbox is drained (drained: true) or after `timeoutMs` (drained: false, with what is left). */
export async function waitForOutboxDrain(client: DrainableUplink, outbox: OutboxStore, timeoutMs: number, clock: Clock, pollMs = 50): Promise<DrainResult> {
  const deadline = clock.monotonicMs() + timeoutMs;
  for (;;) {
    const status = await client.status();
    const inFlight = client.sender.messageInFlight();
    if (status.outboxDepth === 0 && inFlight === null) {
      return { drained: true, undelivered: 0, head: null, connected: status.connected, registration: status.registration, deadLetters: status.deadLetters };
    }
    if (clock.monotonicMs() >= deadline) {
      const head = await outbox.head();
      return {
        drained: false,
        undelivered: status.outboxDepth,
        head: head ? { seq: head.seq, kind: head.kind, sessionId: head.sessionId, attempts: head.attempts } : null,
        connected: status.connected,
        registration: status.registration,
        deadLetters: status.deadLetters,
      };
    }
    await new Promise<void>((resolve) => clock.setTimeout(resolve, pollMs));
  }
}

/** One line for the operator: what is still undelivered and why it may be stuck. */
export function describeDrain(result: DrainResult): string {
  const dead = result.deadLetters > 0 ? `, ${result.deadLetters} dead letter(s)` : '';
  if (result.drained) return `outbox drained${dead}`;
  const head = result.head
    ? `oldest: #${result.head.seq} ${result.head.kind}${result.head.sessionId !== null ? ` of session ${result.head.sessionId}` : ''} after ${result.head.attempts} failed attempt(s)`
    : 'a message in flight';
  const link = result.connected ? `connected, registration ${result.registration}` : 'not connected to the CSMS';
  return `${result.undelivered} message(s) undelivered (${head}); ${link}${dead}`;
}
