/** Drivers' feedback and operator actions (src/journal/page-records.ts): the station page's own records. */
import { EvseError, EvseErrorCode } from '../../errors.js';
import type { DriverFeedback, FeedbackForward, FeedbackRow, OperatorActionInput, OperatorActionRow } from '../page-records.js';
import type { StoreDb } from './db.js';
import { insertOutbox } from './outbox.js';

interface FeedbackRecord {
  session_id: number;
  at: number;
  rating: number;
  outcome: string;
  problem: string | null;
  comment: string | null;
  client_address: string;
}

interface OperatorActionRecord {
  id: number;
  at: number;
  action: string;
  arguments: string | null;
  ok: number;
  result: string;
  client_address: string;
}

function toFeedbackRow(r: FeedbackRecord): FeedbackRow {
  return {
    sessionId: r.session_id,
    atMs: r.at,
    rating: r.rating as DriverFeedback['rating'],
    outcome: r.outcome as DriverFeedback['outcome'],
    ...(r.problem === null ? {} : { problem: r.problem as NonNullable<DriverFeedback['problem']> }),
    ...(r.comment === null ? {} : { comment: r.comment }),
    clientAddress: r.client_address,
  };
}

function toOperatorActionRow(r: OperatorActionRecord): OperatorActionRow {
  return {
    id: r.id,
    atMs: r.at,
    action: r.action,
    args: r.arguments === null ? null : (JSON.parse(r.arguments) as Record<string, unknown>),
    ok: r.ok === 1,
    result: r.result,
    clientAddress: r.client_address,
  };
}

export class PageRecords {
  constructor(private readonly s: StoreDb) {}

  /**
   * Stores a driver's feedback on a session and queues its DataTransfer in the same transaction: either both are
   * durable or neither. A second feedback for the session is refused (FeedbackExists), as is an unknown session.
   */
  recordFeedback(sessionId: number, feedback: DriverFeedback, clientAddress: string, forward: FeedbackForward, nowMs: number): number {
    return this.s.tx(() => {
      if (this.s.sql('SELECT 1 FROM sessions WHERE id = ?').get(sessionId) === undefined) {
        throw new EvseError(EvseErrorCode.InvalidArgument, `no session ${sessionId}`);
      }
      if (this.s.sql('SELECT 1 FROM driver_feedback WHERE session_id = ?').get(sessionId) !== undefined) {
        throw new EvseError(EvseErrorCode.FeedbackExists, `session ${sessionId} already has feedback (once per session)`);
      }
      this.s
        .sql('INSERT INTO driver_feedback (session_id, at, rating, outcome, problem, comment, client_address) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(sessionId, nowMs, feedback.rating, feedback.outcome, feedback.problem ?? null, feedback.comment ?? null, clientAddress);
      return insertOutbox(this.s, 'DataTransfer', sessionId, { vendorId: forward.vendorId, messageId: forward.messageId, ...forward.data }, nowMs);
    });
  }

  /** Feedback given in [fromMs, toMs), oldest first. */
  feedback(fromMs: number, toMs: number): FeedbackRow[] {
    const rows = this.s.sql('SELECT * FROM driver_feedback WHERE at >= ? AND at < ? ORDER BY at, session_id').all(fromMs, toMs) as FeedbackRecord[];
    return rows.map(toFeedbackRow);
  }

  recordOperatorAction(action: OperatorActionInput, nowMs: number): number {
    return this.s.tx(() => {
      const info = this.s
        .sql('INSERT INTO operator_actions (at, action, arguments, ok, result, client_address) VALUES (?, ?, ?, ?, ?, ?)')
        .run(nowMs, action.action, action.args === null ? null : JSON.stringify(action.args), action.ok ? 1 : 0, action.result, action.clientAddress);
      return Number(info.lastInsertRowid);
    });
  }

  /** The newest `limit` operator actions, newest first. */
  operatorActions(limit: number): OperatorActionRow[] {
    const rows = this.s.sql('SELECT * FROM operator_actions ORDER BY id DESC LIMIT ?').all(limit) as OperatorActionRecord[];
    return rows.map(toOperatorActionRow);
  }
}
