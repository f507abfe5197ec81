/**
 * What the station page writes into the journal: drivers' feedback on their sessions and the operator's actions
 * (src/web/feedback*, src/web/operator). Plain data: it crosses to the journal worker and back.
 */

export const feedbackOutcomes = ['charged', 'charged-with-problem', 'could-not-charge'] as const;
export type FeedbackOutcome = (typeof feedbackOutcomes)[number];
export const feedbackProblems = ['connector', 'payment', 'slow', 'display', 'other'] as const;
export type FeedbackProblem = (typeof feedbackProblems)[number];

/** What a driver said about a session (validated at the page's edge). */
export interface DriverFeedback {
  readonly rating: 1 | 2 | 3 | 4 | 5;
  readonly outcome: FeedbackOutcome;
  readonly problem?: FeedbackProblem;
  readonly comment?: string;
}

/** One stored feedback: once per session. */
export interface FeedbackRow extends DriverFeedback {
  readonly sessionId: number;
  readonly atMs: number;
  /** The address the browser's request came from (the station's LAN). */
  readonly clientAddress: string;
}

/** The DataTransfer that forwards a feedback to the CSMS (through the outbox, on the session's lane). */
export interface FeedbackForward {
  readonly vendorId: string;
  readonly messageId: string;
  /** The fields that become the JSON text of `data` (the outbox adds the transactionId at send time). */
  readonly data: Readonly<Record<string, string | number>>;
}

/** One operator action as journaled: what, with which arguments, what came of it, when and from where. */
export interface OperatorActionInput {
  readonly action: string;
  readonly args: Readonly<Record<string, unknown>> | null;
  readonly ok: boolean;
  /** What came of it, in a few words or as JSON text ('Accepted', '2 faults reset', 'ALERT_NOT_FOUND: …'). */
  readonly result: string;
  readonly clientAddress: string;
}

export interface OperatorActionRow extends OperatorActionInput {
  readonly id: number;
  readonly atMs: number;
}
