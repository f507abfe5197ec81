/**
 * A driver's feedback on a session, carried out on the station's thread: checked against the session (it exists, and
 * the EV is still plugged in or it ended less than {@link feedbackWindowMs} ago), stored once per session together
 * with its DataTransfer to the CSMS (one journal transaction, through the outbox, so it survives being offline), and
 * "could not charge" raises an operator alert.
 */
import { EvseError, EvseErrorCode } from '../errors.js';
import type { DriverFeedback, FeedbackForward } from '../journal/page-records.js';
import type { SessionRow } from '../journal/ports.js';
import type { AlertInput } from '../journal/types.js';
import type { Clock } from '../clock.js';
import { refused, type PageAnswer } from './page-requests.js';

/**
 * The DataTransfer that forwards a feedback to the CSMS: vendorId {@link driverFeedbackVendorId}, messageId
 * {@link driverFeedbackMessageId}, `data` the JSON text of `{ transactionId, rating, outcome, problem?, comment?,
 * timestamp }` (timestamp: when the driver gave it, ISO 8601 UTC; transactionId: the session's CSMS transaction).
 */
export const driverFeedbackVendorId = 'org.evse-controller';
export const driverFeedbackMessageId = 'DriverFeedback';

/** How long after a session ended (unplug, else stop) its feedback is taken. */
export const feedbackWindowMs = 2 * 3600_000;

/** The alert code of a driver who could not charge (one per session). */
export const couldNotChargeAlertCode = 'driver-could-not-charge';

export interface FeedbackJournal {
  session(id: number): Promise<SessionRow | null>;
  recordFeedback(sessionId: number, feedback: DriverFeedback, clientAddress: string, forward: FeedbackForward): Promise<number>;
  raiseAlert(alert: AlertInput): Promise<number>;
}

export interface FeedbackDeps {
  readonly journal: FeedbackJournal;
  readonly clock: Clock;
  /** The session whose EV is plugged in now, or null. */
  connectedSessionId(): number | null;
  /** Tells the uplink a message is queued (absent: it finds it at its next poll). */
  readonly outboxChanged?: () => void;
  /** Logs what could not be done after the feedback was stored (the alert). */
  readonly onError?: (message: string) => void;
}

/** The DataTransfer of one feedback. */
export function feedbackForward(feedback: DriverFeedback, atMs: number): FeedbackForward {
  return {
    vendorId: driverFeedbackVendorId,
    messageId: driverFeedbackMessageId,
    data: {
      rating: feedback.rating,
      outcome: feedback.outcome,
      ...(feedback.problem === undefined ? {} : { problem: feedback.problem }),
      ...(feedback.comment === undefined ? {} : { comment: feedback.comment }),
      timestamp: new Date(atMs).toISOString(),
    },
  };
}

/** Why a session takes no feedback (now), or null when it does. */
function outsideWindow(session: SessionRow, connectedId: number | null, nowMs: number): string | null {
  if (connectedId === session.id) return null;
  const endedAtMs = session.unplugAtMs ?? session.stopAtMs;
  if (endedAtMs === null) return `session ${session.id} is still being set up; feedback opens once it runs`;
  if (nowMs - endedAtMs < feedbackWindowMs) return null;
  return `session ${session.id} ended at ${new Date(endedAtMs).toISOString()}; feedback is taken until ${feedbackWindowMs / 3600_000} h after a session`;
}

export async function submitFeedback(deps: FeedbackDeps, sessionId: number, feedback: DriverFeedback, clientAddress: string): Promise<PageAnswer> {
  const { journal, clock } = deps;
  const session = await journal.session(sessionId);
  if (session === null) return refused(404, `no session ${sessionId} in the journal`);
  const closed = outsideWindow(session, deps.connectedSessionId(), clock.nowMs());
  if (closed !== null) return refused(409, closed);
  try {
    await journal.recordFeedback(sessionId, feedback, clientAddress, feedbackForward(feedback, clock.nowMs()));
  } catch (err) {
    if (err instanceof EvseError && err.code === EvseErrorCode.FeedbackExists) {
      return refused(400, `session: session ${sessionId} already has feedback (one per session)`);
    }
    throw err;
  }
  deps.outboxChanged?.();
  if (feedback.outcome === 'could-not-charge') {
    await journal
      .raiseAlert({
        severity: 'warn',
        code: couldNotChargeAlertCode,
        // One alert per session: a repeat (there is none: feedback is once per session) would count on it.
        dedupKey: `${couldNotChargeAlertCode}:${sessionId}`,
        audience: 'operator',
        message: `A driver reports that they could not charge (session ${sessionId}${feedback.problem ? `, problem: ${feedback.problem}` : ''}).`,
        detail: { sessionId, rating: feedback.rating, problem: feedback.problem ?? null, comment: feedback.comment ?? null, clientAddress },
      })
      .catch((err: unknown) => deps.onError?.(`could not raise the could-not-charge alert of session ${sessionId}: ${(err as Error).message}`));
  }
  return { ok: true, value: { sessionId, stored: true } };
}
