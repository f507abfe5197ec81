/**
 * The alerts the outbox raises in the journal: a dead letter (one per message given up on; one per session when its
 * StartTransaction takes the session's later messages with it), and the journal failing the outbox itself (one alert
 * per lane, counted while it stays open). A recovery is a second, informational alert rather than a cleared one.
 */
import type { Journal } from '../journal/journal.js';
import type { AlertInput } from '../journal/types.js';
import type { Logger } from '../logger.js';
import type { DeadLetter, StoreFailure, StoreRecovery } from '../ocpp/outbox-sender.js';

export interface OutboxAlerts {
  readonly onDeadLetter: (dead: DeadLetter) => void;
  readonly onOutboxStoreError: (failure: StoreFailure) => void;
  readonly onOutboxStoreRecovered: (recovery: StoreRecovery) => void;
}

/** A dead letter's alert text: a StartTransaction names its session and what followed it. */
export function deadLetterMessage(dead: DeadLetter): string {
  const { message, error, followers } = dead;
  if (message.kind === 'StartTransaction' && message.sessionId !== null) {
    const after = followers.length === 0 ? '' : `; its ${followers.length} later message(s) were set aside with it`;
    return `The StartTransaction of session ${message.sessionId} (#${message.seq}) was given up after the configured attempts: ${error}. The session's MeterValues and StopTransaction cannot be delivered without its transactionId${after}.`;
  }
  return `${message.kind} #${message.seq} was given up after the configured attempts: ${error}`;
}

/** Alerts held while the journal cannot take them (a journal failure of the outbox is the usual reason). */
const maxUnwritten = 100;

export function outboxAlerts(journal: Pick<Journal, 'raiseAlert'>, logger: Logger): OutboxAlerts {
  // An alert the journal refused is kept and written, in order, with the next one (a failure's alert then lands
  // together with its recovery's); one write at a time, so none is written twice.
  const unwritten: AlertInput[] = [];
  let writing: Promise<void> = Promise.resolve();
  const flush = async (): Promise<void> => {
    for (let next = unwritten[0]; next; next = unwritten[0]) {
      await journal.raiseAlert(next);
      unwritten.shift();
    }
  };
  const raise = (what: string, alert: AlertInput): void => {
    unwritten.push(alert);
    if (unwritten.length > maxUnwritten) unwritten.shift();
    writing = writing.then(flush).catch((err: unknown) => {
      logger.error({ err: (err as Error).message, held: unwritten.length }, `could not journal the ${what} alert yet; kept for the next one`);
    });
  };
  return {
    onDeadLetter: (dead) =>
      raise('dead-letter', {
        severity: dead.lane === 'transaction' ? 'critical' : 'warn',
        code: 'outbox-dead-letter',
        message: deadLetterMessage(dead),
        // Each message given up on is its own alert, not a repeat of the one before.
        dedupKey: `outbox-dead-letter:${dead.message.seq}`,
        detail: {
          seq: dead.message.seq,
          kind: dead.message.kind,
          sessionId: dead.message.sessionId,
          followers: dead.followers.length,
          followerSeqs: dead.followers.join(','),
        },
      }),
    onOutboxStoreError: (failure) =>
      raise('outbox-store', {
        severity: 'critical',
        code: 'outbox-store-failed',
        dedupKey: `outbox-store-failed:${failure.lane}`,
        message: `The journal failed the ${failure.lane} outbox lane (${failure.error}); delivery to the CSMS pauses and retries in ${Math.round(failure.retryInMs / 1000)} s, backing off.`,
        detail: { lane: failure.lane, error: failure.error },
      }),
    onOutboxStoreRecovered: (recovery) =>
      raise('outbox-store recovery', {
        severity: 'info',
        code: 'outbox-store-recovered',
        dedupKey: `outbox-store-recovered:${recovery.lane}`,
        message: `The journal serves the ${recovery.lane} outbox lane again after ${recovery.failures} failed step(s) over ${Math.round(recovery.outageMs / 1000)} s; delivery resumed.`,
        detail: { lane: recovery.lane, failures: recovery.failures, outageMs: recovery.outageMs },
      }),
  };
}
