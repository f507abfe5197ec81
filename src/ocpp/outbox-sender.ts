/**
 * Delivers the journal's outbox to the CSMS in two lanes, each with one call in flight and a message marked
 * delivered only after the CSMS answered:
 * - the transaction lane (StartTransaction, StopTransaction, and every message of a session) strictly in seq order;
 * - the optional lane (StatusNotification, SecurityEventNotification, DataTransfer and MeterValues of no session) in
 *   its own order with its own retries, so a refused optional message never holds a transaction message behind it.
 * A network failure (not connected, socket lost, no answer from a silent CSMS) never counts as an attempt and never
 * drops anything: the lane waits for the link. An optional message the CSMS leaves unanswered while it goes on sending
 * other frames is an attempt (a transaction message is resent: it must arrive). A CALLERROR (or an answer that breaks the schema) is an attempt: retried after
 * TransactionMessageRetryInterval × attempts, and after TransactionMessageAttempts kept as a dead letter with an alert;
 * a dead StartTransaction takes its session's later messages with it at once (one alert). An optional message the
 * CSMS does not implement (NotImplemented / NotSupported) is dropped quietly and that kind is not sent to this CSMS
 * again. StopTransaction, MeterValues and a session's DataTransfer get the CSMS transactionId at send time, from the
 * journal; a placeholder never goes on the wire. A journal that fails a step is retried with back-off (see LaneRunner).
 */
import type { Clock } from '../clock.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { optionalKinds, type DeliveryAnswer, type OutboxLane, type OutboxMessage, type OutboxStore } from '../journal/ports.js';
import { CsmsSupport, meansUnsupported } from './csms-support.js';
import { defaultStoreRetry, LaneRunner, type LaneStep, type StoreFailure, type StoreRecovery, type StoreRetry } from './outbox-lane.js';
import { rpcErrorCodeOf } from './rpc.js';

export type { StoreFailure, StoreRecovery, StoreRetry } from './outbox-lane.js';

/** What the sender needs of the link. */
export interface OutboxLink {
  isOpen(): boolean;
  call<T = Record<string, unknown>>(method: string, params: Record<string, unknown>): Promise<T>;
}

/**
 * How queued messages go on the wire when the uplink speaks another protocol than 1.6 (OCPP 2.0.1 sends Start, Stop
 * and a session's MeterValues as TransactionEvent under the station's own transactionId). Without it, the 1.6 path.
 */
export interface OutboxWire {
  /** The call for a queued message, with everything filled in at send time; a string says why it cannot leave (an attempt). */
  render(message: OutboxMessage): Promise<{ readonly method: string; readonly params: Record<string, unknown> } | string>;
  /** What to journal of the CSMS's answer, or why it is refused (an attempt, never stored). */
  answer(message: OutboxMessage, answer: unknown): DeliveryAnswer | string;
  /** After the answer was journaled. */
  answered?(message: OutboxMessage, delivery: DeliveryAnswer): void;
  /**
   * A dead StartTransaction leaves its session's later messages pending (2.0.1: they need no id from the CSMS).
   * Absent or false: they follow it into the dead letters (1.6).
   */
  readonly keepsFollowersOfDeadStart?: boolean;
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
  readonly lane: OutboxLane;
  /** Seqs of the session's later messages that followed a dead StartTransaction into the dead letters. */
  readonly followers: readonly number[];
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
  /** The journal failed a delivery step (once per outage and lane); the lane retries with back-off. */
  readonly onStoreError?: (failure: StoreFailure) => void;
  /** The journal serves the lane again after an outage. */
  readonly onStoreRecovered?: (recovery: StoreRecovery) => void;
  /** Back-off after a failed journal step (default 1 s doubling to 60 s). */
  readonly storeRetry?: StoreRetry;
  /** What this CSMS does not implement (default: remembered for this process only). */
  readonly csmsSupport?: CsmsSupport;
  /** After a StartTransaction.conf: the station applies StopTransactionOnInvalidId when the status is not Accepted. */
  readonly onStartAnswered?: (sessionId: number, transactionId: number, idTagStatus: string) => void;
  /** Completes a message's params at send time beyond the transactionId (StopTransaction's transactionData). */
  readonly completeParams?: (message: OutboxMessage, params: Record<string, unknown>) => Promise<Record<string, unknown>>;
  /** Idle poll, ms: how often an empty outbox is looked at again without a kick (the journal may be written by another thread). */
  readonly idlePollMs?: number;
  /** Another protocol's rendering (OCPP 2.0.1); absent: OCPP 1.6. */
  readonly wire?: OutboxWire;
}

/** Methods whose payload must carry the CSMS transactionId of their session. */
const NEEDS_TRANSACTION_ID = new Set(['StopTransaction', 'MeterValues', 'DataTransfer']);

/**
 * A queued DataTransfer keeps vendorId and messageId beside its fields (so clock corrections reach its timestamp);
 * on the wire the fields, with the transactionId, become the JSON text of `data`.
 */
export function dataTransferParams(params: Record<string, unknown>): Record<string, unknown> {
  const { vendorId, messageId, ...fields } = params;
  return { vendorId, ...(messageId !== undefined ? { messageId } : {}), data: JSON.stringify(fields) };
}

/** One lane's state beside its loop. */
interface LaneState {
  readonly name: OutboxLane;
  readonly runner: LaneRunner;
  inFlight: OutboxMessage | null;
  /** The CSMS answered but the journal did not take the delivery yet: committed before anything else, never resent. */
  unrecorded: { readonly message: OutboxMessage; readonly delivery: DeliveryAnswer } | null;
}

/** The outbox delivery loops. */
export class OutboxSender {
  private delivered = 0;
  private readonly lanes: readonly LaneState[];
  private readonly support: Promise<CsmsSupport>;
  private wire: OutboxWire | undefined;

  constructor(private readonly options: OutboxSenderOptions) {
    this.wire = options.wire;
    this.support = options.csmsSupport ? Promise.resolve(options.csmsSupport) : CsmsSupport.load(null, '', options.logger);
    this.lanes = (['transaction', 'optional'] as const).map((name) => {
      const lane: LaneState = {
        name,
        inFlight: null,
        unrecorded: null,
        runner: new LaneRunner({
          lane: name,
          clock: options.clock,
          logger: options.logger,
          storeRetry: options.storeRetry ?? defaultStoreRetry,
          step: () => this.step(lane),
          ...(options.onStoreError ? { onStoreError: options.onStoreError } : {}),
          ...(options.onStoreRecovered ? { onStoreRecovered: options.onStoreRecovered } : {}),
        }),
      };
      return lane;
    });
  }

  /** Starts both lanes (idempotent). */
  start(): void {
    for (const lane of this.lanes) lane.runner.start();
  }

  /** Stops after the calls in flight settle. */
  async stop(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.runner.stop()));
  }

  /** Wakes the lanes: a message was enqueued, the link opened, or registration was accepted. */
  kick(): void {
    for (const lane of this.lanes) lane.runner.kick();
  }

  /**
   * From now on messages go on the wire through `wire` (the 2.0.1 transaction module installs its rendering on the
   * client's sender). A message already in flight finishes as it was sent.
   */
  useWire(wire: OutboxWire): void {
    this.wire = wire;
  }

  /** Messages delivered since start. */
  deliveredCount(): number {
    return this.delivered;
  }

  /** A message being sent (or answered but not yet journaled) right now, if any; the transaction lane's first. */
  messageInFlight(): OutboxMessage | null {
    for (const lane of this.lanes) {
      const message = lane.inFlight ?? lane.unrecorded?.message ?? null;
      if (message) return message;
    }
    return null;
  }

  private get idlePollMs(): number {
    return this.options.idlePollMs ?? 1000;
  }

  /** One delivery step of a lane; a rejection is a journal failure (the lane backs off). */
  private async step(lane: LaneState): Promise<LaneStep> {
    const { store, link, clock } = this.options;
    if (lane.unrecorded) {
      await this.record(lane);
      return { waitMs: 0, usedStore: true };
    }
    if (!link.isOpen() || !this.options.mayTransmit()) return { waitMs: this.idlePollMs, usedStore: false };
    const head = await store.head(lane.name);
    if (!head) return { waitMs: this.idlePollMs, usedStore: true };
    if (optionalKinds.has(head.kind) && (await this.support).isUnsupported(head.kind)) {
      await store.drop(head.seq, 'the CSMS does not implement it');
      this.options.logger.info({ seq: head.seq, kind: head.kind }, 'optional message not sent: the CSMS does not implement it');
      return { waitMs: 0, usedStore: true };
    }
    const waitMs = head.nextAttemptAtMs - clock.nowMs();
    if (waitMs > 0) return { waitMs: Math.min(waitMs, this.idlePollMs * 60), usedStore: true };
    return { waitMs: await this.deliver(lane, head), usedStore: true };
  }

  /** Sends one message; resolves with how long the lane should wait before its next step. */
  private async deliver(lane: LaneState, message: OutboxMessage): Promise<number> {
    const { link, logger } = this.options;
    const wire = this.wire;
    const call = wire ? await wire.render(message) : await this.render16(lane, message);
    if (call === null) return 0;
    if (typeof call === 'string') {
      await this.fail(lane, message, call);
      return 0;
    }
    lane.inFlight = message;
    let answer: unknown;
    try {
      answer = await link.call<unknown>(call.method, call.params);
    } catch (err) {
      lane.inFlight = null;
      const code = rpcErrorCodeOf(err);
      if (lane.name === 'optional' && err instanceof EvseError && err.code === EvseErrorCode.OcppUnanswered) {
        // The CSMS is talking but leaves this optional message unanswered: a refusal by silence. Counted as an attempt
        // (retried after the interval, a dead letter after the attempts), or it would be resent for ever and hold the
        // optional messages behind it, and the link's one call in flight, a MessageTimeout each time.
        await this.fail(lane, message, `no answer within MessageTimeout while the CSMS went on sending: ${err.message}`);
        return 0;
      }
      if (code === null) {
        // Network: the message stays at the head, untouched, until the link is back.
        logger.info({ seq: message.seq, kind: message.kind, error: (err as Error).message }, 'outbox delivery interrupted; will resend');
        // Wait for a kick (link back) or the idle poll, so a link that fails fast cannot spin this loop.
        return this.idlePollMs;
      }
      if (meansUnsupported(code) && optionalKinds.has(message.kind)) {
        await (await this.support).remember(message.kind, code);
        await this.options.store.drop(message.seq, `${code}: ${(err as Error).message}`);
        logger.info({ seq: message.seq, kind: message.kind, code }, 'optional message dropped: the CSMS does not implement it');
        return 0;
      }
      await this.fail(lane, message, `${code}: ${(err as Error).message}`);
      return 0;
    }
    lane.inFlight = null;
    const delivery = wire ? wire.answer(message, answer) : deliveryAnswer(message, answer);
    if (typeof delivery === 'string') {
      // Strict mode on the link already refuses such answers; this guards any other link. Never store an invented id.
      await this.fail(lane, message, delivery);
      return 0;
    }
    lane.unrecorded = { message, delivery };
    await this.record(lane);
    return 0;
  }

  /** The OCPP 1.6 call of a message (the CSMS transactionId filled in); null when the attempt was already counted. */
  private async render16(lane: LaneState, message: OutboxMessage): Promise<{ method: string; params: Record<string, unknown> } | null> {
    const { store } = this.options;
    let params: Record<string, unknown> = { ...message.payload };
    if (NEEDS_TRANSACTION_ID.has(message.kind) && message.sessionId !== null) {
      const transactionId = await store.transactionIdFor(message.sessionId);
      if (transactionId === null) {
        // In-order delivery means the session's StartTransaction came first; without its id it was dead-lettered
        // (or never journaled). Never invent one: count the attempt, so the message ends as a dead letter too.
        await this.fail(lane, message, `no CSMS transactionId for session ${message.sessionId} (its StartTransaction was not answered)`);
        return null;
      }
      params = { ...params, transactionId };
    }
    if (message.kind === 'DataTransfer') params = dataTransferParams(params);
    if (this.options.completeParams) params = await this.options.completeParams(message, params);
    return { method: message.kind, params };
  }

  /** Journals the answer the CSMS gave (retried by the lane until the journal takes it; never resent meanwhile). */
  private async record(lane: LaneState): Promise<void> {
    const pending = lane.unrecorded;
    if (!pending) return;
    const { message, delivery } = pending;
    await this.options.store.markDelivered(message.seq, delivery);
    lane.unrecorded = null;
    this.delivered += 1;
    if (message.kind === 'StartTransaction' && message.sessionId !== null && delivery.transactionId !== undefined) {
      this.options.onStartAnswered?.(message.sessionId, delivery.transactionId, delivery.idTagStatus ?? 'Accepted');
    }
    this.wire?.answered?.(message, delivery);
  }

  private async fail(lane: LaneState, message: OutboxMessage, error: string): Promise<void> {
    const { store, policy, clock, logger } = this.options;
    const attempts = message.attempts + 1;
    if (attempts >= policy.attempts()) {
      const { followers } =
        this.wire?.keepsFollowersOfDeadStart === true
          ? await store.markDead(message.seq, error, { keepFollowers: true })
          : await store.markDead(message.seq, error);
      logger.error(
        { seq: message.seq, kind: message.kind, sessionId: message.sessionId, attempts, error, followers },
        'outbox message dead-lettered',
      );
      this.options.onDeadLetter?.({ message, error, lane: lane.name, followers });
      return;
    }
    const retryAt = clock.nowMs() + policy.retryIntervalS() * 1000 * attempts;
    await store.markFailed(message.seq, error, retryAt);
    logger.warn({ seq: message.seq, kind: message.kind, attempts, retryAt, error }, 'outbox message refused; will retry');
  }
}

/** The answer to journal, or why it cannot be taken (a StartTransaction.conf without an integer transactionId). */
function deliveryAnswer(message: OutboxMessage, answer: unknown): DeliveryAnswer | string {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) {
    return `FormationViolation: the answer to ${message.kind} is not an object (${JSON.stringify(answer) ?? 'nothing'})`;
  }
  const idTagInfo = (answer as Record<string, unknown>)['idTagInfo'] as { status?: unknown } | undefined;
  const idTagStatus = typeof idTagInfo?.status === 'string' ? idTagInfo.status : undefined;
  let transactionId: number | undefined;
  if (message.kind === 'StartTransaction' && message.sessionId !== null) {
    const given: unknown = (answer as Record<string, unknown>)['transactionId'];
    if (typeof given !== 'number' || !Number.isSafeInteger(given)) {
      return `TypeConstraintViolation: StartTransaction.conf needs an integer transactionId (got ${JSON.stringify(given) ?? 'nothing'})`;
    }
    transactionId = given;
  }
  return {
    ...(transactionId !== undefined ? { transactionId } : {}),
    ...(idTagStatus !== undefined ? { idTagStatus } : {}),
    raw: answer,
  };
}
