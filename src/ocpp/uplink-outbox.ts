/**
 * What both OCPP versions' clients wire alike around the journal's outbox: the client options for its delivery
 * (dead letters, the journal's outages, the idle poll), the count of dead letters the status reports, and the truth
 * the station shows about its uplink. The version gives the rest of the sender (store view, link, retry policy).
 */
import type { OutboxStore } from '../journal/ports.js';
import type { RegistrationStatus } from './boot-loop.js';
import type { OcppConnection } from './connection.js';
import type { DeadLetter, OutboxSenderOptions, StoreFailure, StoreRecovery, StoreRetry } from './outbox-sender.js';

/** The client options of outbox delivery, the same in both versions. */
export interface UplinkOutboxOptions {
  /** A message given up on after its attempts: raise an alert. */
  readonly onDeadLetter?: (dead: DeadLetter) => void;
  /** The journal failed the outbox (once per outage): raise an alert; delivery retries with back-off. */
  readonly onOutboxStoreError?: (failure: StoreFailure) => void;
  /** The journal serves the outbox again after such an outage. */
  readonly onOutboxStoreRecovered?: (recovery: StoreRecovery) => void;
  /** Back-off of the outbox after a journal failure (default 1 s doubling to 60 s; tests shorten it). */
  readonly outboxStoreRetry?: StoreRetry;
  /** Outbox idle poll, ms (default 1000). */
  readonly outboxPollMs?: number;
}

/** Dead letters since start; a dead message's followers (the rest of its session) count too. */
export class DeadLetterTally {
  private count = 0;

  constructor(private readonly onDeadLetter?: (dead: DeadLetter) => void) {}

  readonly record = (dead: DeadLetter): void => {
    this.count += 1 + dead.followers.length;
    this.onDeadLetter?.(dead);
  };

  total(): number {
    return this.count;
  }
}

/**
 * The sender options both versions set from their client options: nothing leaves before the boot is Accepted, dead
 * letters are counted (and passed on), the journal's outages go to the client's hooks.
 */
export function sharedSenderOptions(
  options: UplinkOutboxOptions,
  deadLetters: DeadLetterTally,
  registration: { isAccepted(): boolean },
): Pick<OutboxSenderOptions, 'mayTransmit' | 'onDeadLetter' | 'onStoreError' | 'onStoreRecovered' | 'storeRetry' | 'idlePollMs'> {
  return {
    mayTransmit: () => registration.isAccepted(),
    onDeadLetter: deadLetters.record,
    ...(options.onOutboxStoreError ? { onStoreError: options.onOutboxStoreError } : {}),
    ...(options.onOutboxStoreRecovered ? { onStoreRecovered: options.onOutboxStoreRecovered } : {}),
    ...(options.outboxStoreRetry ? { storeRetry: options.outboxStoreRetry } : {}),
    ...(options.outboxPollMs !== undefined ? { idlePollMs: options.outboxPollMs } : {}),
  };
}

/** What the station reports about its uplink: the truth, never an optimistic guess. */
export interface UplinkStatus {
  /** A websocket is open right now. */
  readonly connected: boolean;
  readonly registration: RegistrationStatus;
  /** Wall time the CSMS last sent anything, or null. */
  readonly lastAnswerAtMs: number | null;
  readonly connectedSinceMs: number | null;
  /** Undelivered, non-dead outbox messages. */
  readonly outboxDepth: number;
  /** Dead letters since start. */
  readonly deadLetters: number;
}

/** The uplink's status now (the outbox depth read from the journal). */
export async function uplinkStatus(
  connection: Pick<OcppConnection, 'isOpen' | 'lastAnswerAtMs' | 'connectedSinceMs'>,
  registration: { status(): RegistrationStatus },
  outbox: Pick<OutboxStore, 'depth'>,
  deadLetters: DeadLetterTally,
): Promise<UplinkStatus> {
  return {
    connected: connection.isOpen(),
    registration: registration.status(),
    lastAnswerAtMs: connection.lastAnswerAtMs(),
    connectedSinceMs: connection.connectedSinceMs(),
    outboxDepth: await outbox.depth(),
    deadLetters: deadLetters.total(),
  };
}
