/**
 * `POST /api/sessions/:id/feedback`: a driver's rating of a session, from the page's form (src/web/feedback-form.ts).
 * Checked here at the edge (zod, strict, 4 KiB at most), carried out on the station's thread (feedback-service.ts).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { feedbackOutcomes, feedbackProblems, type DriverFeedback } from '../journal/page-records.js';
import { parseOr400 } from './app.js';
import { feedbackFormScript, feedbackFormStyle } from './feedback-form.js';
import type { PageRequestHandler } from './page-requests.js';

/** Bodies above this answer 413: a feedback is a few hundred bytes. */
export const feedbackBodyLimitBytes = 4096;
export const feedbackCommentMaxChars = 500;

export const feedbackBody = z
  .object({
    rating: z.number().int('must be a whole number from 1 to 5').min(1, 'must be a whole number from 1 to 5').max(5, 'must be a whole number from 1 to 5'),
    outcome: z.enum(feedbackOutcomes),
    problem: z.enum(feedbackProblems).optional(),
    comment: z.string().max(feedbackCommentMaxChars, `must be at most ${feedbackCommentMaxChars} characters`).optional(),
  })
  .strict();

const feedbackParams = z
  .object({
    id: z
      .string()
      .regex(/^[1-9]\d{0,14}$/, 'must be a session number')
      .transform(Number),
  })
  .strict();

/**
 * Registers the feedback route (only when the station keeps a journal: without one there is nowhere to keep it) and
 * `/feedback.js` and `/feedback.css`, the form's script and styles (always: without the route a submission says why).
 */
export function registerFeedbackRoutes(app: FastifyInstance, act: PageRequestHandler | null): void {
  app.get('/feedback.js', (_request, reply) => reply.type('text/javascript; charset=utf-8').send(feedbackFormScript));
  app.get('/feedback.css', (_request, reply) => reply.type('text/css; charset=utf-8').send(feedbackFormStyle));
  if (act === null) return;
  app.post('/api/sessions/:id/feedback', { bodyLimit: feedbackBodyLimitBytes }, async (request, reply) => {
    const params = parseOr400(feedbackParams, request.params, reply);
    if (params === null) return reply;
    const body = parseOr400(feedbackBody, request.body ?? {}, reply);
    if (body === null) return reply;
    const feedback: DriverFeedback = {
      rating: body.rating as DriverFeedback['rating'],
      outcome: body.outcome,
      ...(body.problem === undefined ? {} : { problem: body.problem }),
      ...(body.comment === undefined ? {} : { comment: body.comment }),
    };
    const answer = await act({ kind: 'feedback', sessionId: params.id, feedback, clientAddress: request.ip });
    if (!answer.ok) return reply.code(answer.status).send({ error: answer.error });
    return reply.code(201).send(answer.value);
  });
}
