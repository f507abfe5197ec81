/**
 * The station's side of the page's changing requests: a driver's feedback and the operator's actions, each carried
 * out only when the composition root wired it (no journal: no feedback; no password hash: no operator).
 */
import { submitFeedback, type FeedbackDeps } from './feedback-service.js';
import { operatorAction, type OperatorActionDeps } from './operator/actions.js';
import { refused, type PageRequestHandler } from './page-requests.js';

export interface PageActions {
  readonly feedback: FeedbackDeps | null;
  readonly operator: OperatorActionDeps | null;
  readonly onError?: (message: string) => void;
}

/** The handler the worker's requests are relayed to; never rejects. */
export function pageRequestHandler(actions: PageActions): PageRequestHandler {
  return async (request) => {
    try {
      if (request.kind === 'feedback') {
        if (actions.feedback === null) return refused(503, 'no journal: this station does not keep feedback');
        return await submitFeedback(actions.feedback, request.sessionId, request.feedback, request.clientAddress);
      }
      if (actions.operator === null) return refused(503, 'no operator actions on this station');
      return await operatorAction(actions.operator, request.request, request.clientAddress);
    } catch (err) {
      actions.onError?.(`page request ${request.kind} failed: ${(err as Error).message}`);
      return refused(500, 'internal error (see the station log)');
    }
  };
}
