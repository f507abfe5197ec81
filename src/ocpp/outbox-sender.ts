/**
 * Delivers the journal's outbox to the CSMS: strictly in order, one call in flight, a message marked delivered only
 * after the CSMS answered. A network failure (not connected, socket lost, no answer) never counts as an attempt and
 * never drops anything: the sender waits for the link. A CALLERROR (or an answer that breaks the schema) is an attempt:
 * retried after TransactionMessageRetryInterval × attempts, and after TransactionMessageAttempts kept as a dead letter
 * with an alert. StopTransaction and MeterValues get the CSMS transactionId at send time, from the journal; a
 * placeholder never goes on the wire.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import type { DeliveryAnswer, OutboxMessage, OutboxStore } from '../journal/ports.js';
import { rpcErrorCodeOf } from './rpc.js';

/** What the sender needs of the link. */
export interface OutboxLink {
  isOpen(): boolean;
  call<T = Record<string, unknown>>(method: string, params: Record<string, unknown>): Promise<T>;
}

/** What the sender needs of the configuration keys. */
export interface OutboxRetryPolicy {
  /** TransactionMessageAttempts (≥ 1). */
  attempts(): number;
  /** TransactionMessageRetryInterval, seconds. */
  retryIntervalS(): number;
}

/** A message given up on: the station raises an alert (the row stays in the journal). */
export interface DeadLetter {
  readonly message: OutboxMessage;
  readonly error: string;
}

export interface OutboxSenderOptions {
  readonly store: OutboxStore;
  readonly link: OutboxLink;
  readonly policy: OutboxRetryPolicy;
  readonly clock: Clock;
  readonly logger: Logger;
  /** False while BootNotification is not Accepted: nothing but the boot leaves then. */
  readonly mayTransmit: () => boolean;
  readonly onDeadLetter?: (dead: DeadLetter) => void;
  /** After a StartTransaction.conf: the station applies StopTransactionOnInvalidId when the status is not Accepted. */
  readonly onStartAnswered?: (sessionId: number, transactionId: number, idTagStatus: string) => void;
  /** Completes a message's params at send time beyond the transactionId (StopTransaction's transactionData). */
  readonly completeParams?: (message: OutboxMessage, params: Record<string, unknown>) => Promise<Record<string, unknown>>;
  /** Idle poll, ms: how often an empty outbox is looked at again without a kick (the journal may be written by another thread). */
  readonly idlePollMs?: number;
}

/** Methods whose payload must carry the CSMS transactionId of their session. */
const NEEDS_TRANSACTION_ID = new Set(['StopTransaction', 'MeterValues', 'DataTransfer']);

/**
 * A queued DataTransfer keeps vendorId and messageId beside its fields (so clock corrections reach its timestamp);
 * on the wire the fields, with the transactionId, become the JSON text of `data`.
 */
function dataTransferParams(params: Record<string, unknown>): Record<string, unknown> {
  const { vendorId, messageId, ...fields } = params;
  return { vendorId, ...(messageId !== undefined ? { messageId } : {}), data: JSON.stringify(fields) };
}

/** The outbox delivery loop. */
export class OutboxSender {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private timer: TimerHandle | null = null;
  private delivered = 0;
  private inFlight: OutboxMessage | null = null;

  constructor(private readonly options: OutboxSenderOptions) {}

  /** Starts the loop (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run().catch((err: unknown) => {
      this.options.logger.error({ error: (err as Error).message }, 'outbox sender stopped on an error');
      this.running = false;
    });
  }

  /** Stops after the call in flight settles. */
  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
    this.loop = null;
  }

  /** Wakes the loop: a message was enqueued, the link opened, or registration was accepted. */
  kick(): void {
    const wake = this.wake;
    this.wake = null;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = null;
    wake?.();
  }

  /** Messages delivered since start. */
  deliveredCount(): number {
    return this.delivered;
  }

  /** The message being sent right now, if any. */
  messageInFlight(): OutboxMessage | null {
    return this.inFlight;
  }

  private sleep(ms: number | null): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      if (ms !== null) {
        this.timer = this.options.clock.setTimeout(() => {
          this.timer = null;
          if (this.wake === resolve) this.wake = null;
          resolve();
        }, Math.max(0, ms));
      }
    });
  }

  private async run(): Promise<void> {
    const { store, link, clock } = this.options;
    const idlePollMs = this.options.idlePollMs ?? 1000;
    while (this.running) {
      if (!link.isOpen() || !this.options.mayTransmit()) {
        await this.sleep(idlePollMs);
        continue;
      }
      const head = await store.head();
      if (!head) {
        await this.sleep(idlePollMs);
        continue;
      }
      const waitMs = head.nextAttemptAtMs - clock.nowMs();
      if (waitMs > 0) {
        await this.sleep(Math.min(waitMs, idlePollMs * 60));
        continue;
      }
      await this.deliver(head);
    }
  }

  private async deliver(message: OutboxMessage): Promise<void> {
    const { store, link, logger } = this.options;
    let params: Record<string, unknown> = { ...message.payload };
    if (NEEDS_TRANSACTION_ID.has(message.kind) && message.sessionId !== null) {
      const transactionId = await store.transactionIdFor(message.sessionId);
      if (transactionId === null) {
        // In-order delivery means the session's StartTransaction came first; without its id it was dead-lettered
        // (or never journaled). Never invent one: count the attempt, so the message ends as a dead letter too.
        await this.fail(message, `no CSMS transactionId for session ${message.sessionId} (its StartTransaction was not answered)`);
        return;
      }
      params = { ...params, transactionId };
    }
    if (message.kind === 'DataTransfer') params = dataTransferParams(params);
    if (this.options.completeParams) params = await this.options.completeParams(message, params);
    this.inFlight = message;
    let answer: Record<string, unknown>;
    try {
      answer = await link.call<Record<string, unknown>>(message.kind, params);
    } catch (err) {
      this.inFlight = null;
      const code = rpcErrorCodeOf(err);
      if (code === null) {
        // Network: the message stays at the head, untouched, until the link is back.
        logger.info({ seq: message.seq, kind: message.kind, error: (err as Error).message }, 'outbox delivery interrupted; will resend');
        // Wait for a kick (link back) or the idle poll, so a link that fails fast cannot spin this loop.
        await this.sleep(this.options.idlePollMs ?? 1000);
        return;
      }
      await this.fail(message, `${code}: ${(err as Error).message}`);
      return;
    }
    this.inFlight = null;
    const delivery: DeliveryAnswer = deliveryAnswer(message, answer);
    await store.markDelivered(message.seq, delivery);
    this.delivered += 1;
    if (message.kind === 'StartTransaction' && message.sessionId !== null && delivery.transactionId !== undefined) {
      this.options.onStartAnswered?.(message.sessionId, delivery.transactionId, delivery.idTagStatus ?? 'Accepted');
    }
  }

  private async fail(message: OutboxMessage, error: string): Promise<void> {
    const { store, policy, clock, logger } = this.options;
    const attempts = message.attempts + 1;
    if (attempts >= policy.attempts()) {
      await store.markDead(message.seq, error);
      logger.error({ seq: message.seq, kind: message.kind, sessionId: message.sessionId, attempts, error }, 'outbox message dead-lettered');
      this.options.onDeadLetter?.({ message, error });
      return;
    }
    const retryAt = clock.nowMs() + policy.retryIntervalS() * 1000 * attempts;
    await store.markFailed(message.seq, error, retryAt);
    logger.warn({ seq: message.seq, kind: message.kind, attempts, retryAt, error }, 'outbox message refused; will retry');
  }
}

function deliveryAnswer(message: OutboxMessage, answer: Record<string, unknown>): DeliveryAnswer {
  const idTagInfo = answer['idTagInfo'] as { status?: unknown } | undefined;
  const idTagStatus = typeof idTagInfo?.status === 'string' ? idTagInfo.status : undefined;
  const transactionId = message.kind === 'StartTransaction' && typeof answer['transactionId'] === 'number' ? answer['transactionId'] : undefined;
  return {
    ...(transactionId !== undefined ? { transactionId } : {}),
    ...(idTagStatus !== undefined ? { idTagStatus } : {}),
    raw: answer,
  };
}
