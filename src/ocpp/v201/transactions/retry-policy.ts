/**
 * OCPPCommCtrlr's MessageAttempts and MessageAttemptInterval (instance TransactionEvent) as the shared OutboxSender's
 * retry policy: a TransactionEvent the CSMS refuses (CALLERROR, or an answer breaking the schema) is retried after
 * MessageAttemptInterval × attempts seconds and set aside as a dead letter after MessageAttempts. A network failure
 * is never an attempt (the sender waits for the link), as in 1.6.
 */
import type { OutboxRetryPolicy } from '../../outbox-sender.js';

/** Read through the device model (values persist in the journal); read at every failure, so a SetVariables applies at once. */
export interface MessageAttemptSettings {
  /** OCPPCommCtrlr.MessageAttempts[TransactionEvent]. */
  messageAttempts(): number;
  /** OCPPCommCtrlr.MessageAttemptInterval[TransactionEvent], seconds. */
  messageAttemptIntervalS(): number;
}

/** 2.0.1 allows MessageAttempts = 0 ("do not retry"): the first refusal is then final, like 1 attempt. */
export function transactionEventRetryPolicy(settings: MessageAttemptSettings): OutboxRetryPolicy {
  return {
    attempts: () => Math.max(1, Math.trunc(settings.messageAttempts())),
    retryIntervalS: () => Math.max(0, settings.messageAttemptIntervalS()),
  };
}
