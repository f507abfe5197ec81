/**
 * N10 "clear customer information": one customer's id tag replaced by a pseudonym everywhere the journal keeps it, in
 * one transaction. Sessions keep their energy, times and cost (they are billing records): only the token goes, replaced
 * by a random pseudonym that is the same for all rows of one clear, so receipts and reports still group them. The
 * pseudonym is random, not derived from the token: nothing left in the journal leads back to it.
 *
 * Outbox rows still pending keep the token: the CSMS already knows it (it authorized the session), and a 1.6
 * StartTransaction or a 2.0.1 TransactionEvent rewritten to an unknown token would be answered Invalid and could stop
 * a charge or break the CSMS's billing. Delivered and dead rows are rewritten.
 */
import { randomBytes } from 'node:crypto';
import type { ForgottenIdTag } from '../types.js';
import type { StoreDb } from './db.js';
import { invalid } from './values.js';

/** OCPP idToken's longest (2.0.1: 36 characters); a longer string is no token this station stored. */
const MAX_TOKEN_CHARS = 36;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `text` with every whole occurrence of `token` (not inside a longer run of letters and digits) replaced. */
export function maskTokenInText(text: string, token: string, pseudonym: string): string {
  return text.replace(new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(token)}(?![A-Za-z0-9])`, 'g'), pseudonym);
}

/** Rewrites the text columns `columns` of `table`'s rows that contain `token`; returns how many rows changed. */
function maskColumns(s: StoreDb, table: string, key: string, columns: readonly string[], token: string, pseudonym: string, extraWhere = ''): number {
  const holds = columns.map((c) => `instr(${c}, ?) > 0`).join(' OR ');
  const rows = s.sql(`SELECT ${key} AS k, ${columns.join(', ')} FROM ${table} WHERE (${holds}) ${extraWhere}`).all(...columns.map(() => token)) as Record<string, unknown>[];
  let changed = 0;
  for (const row of rows) {
    const values = columns.map((c) => {
      const v = row[c];
      return typeof v === 'string' ? maskTokenInText(v, token, pseudonym) : v;
    });
    if (values.every((v, i) => v === row[columns[i] as string])) continue;
    s.sql(`UPDATE ${table} SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE ${key} = ?`).run(...values, row['k']);
    changed += 1;
  }
  return changed;
}

/** Replaces `idTag` by a fresh pseudonym in sessions, their events, alerts, the page's records and settled outbox rows. */
export function forgetIdTag(s: StoreDb, idTag: string): ForgottenIdTag {
  if (typeof idTag !== 'string' || idTag.length === 0 || idTag.length > MAX_TOKEN_CHARS) {
    throw invalid(`an id tag is 1 to ${MAX_TOKEN_CHARS} characters (got ${JSON.stringify(idTag)})`);
  }
  const pseudonym = `forgotten-${randomBytes(4).toString('hex')}`;
  // secure_delete zeroes the bytes this clear replaces inside the pages; the checkpoint after it moves the pages out
  // of the WAL, so no copy of the old rows stays in either file (pages a prune freed earlier are not revisited).
  const secureBefore = s.db.pragma('secure_delete', { simple: true }) as number;
  s.db.pragma('secure_delete = ON');
  try {
    return maskAll(s, idTag, pseudonym);
  } finally {
    s.db.pragma(`secure_delete = ${secureBefore}`);
    if (s.db.pragma('journal_mode', { simple: true }) === 'wal') s.db.pragma('wal_checkpoint(TRUNCATE)');
  }
}

function maskAll(s: StoreDb, idTag: string, pseudonym: string): ForgottenIdTag {
  return s.tx(() => {
    const { sessions } = s.sql('SELECT COUNT(*) AS sessions FROM sessions WHERE id_tag = ? OR stop_id_tag = ?').get(idTag, idTag) as { sessions: number };
    s.sql('UPDATE sessions SET id_tag = ? WHERE id_tag = ?').run(pseudonym, idTag);
    s.sql('UPDATE sessions SET stop_id_tag = ? WHERE stop_id_tag = ?').run(pseudonym, idTag);
    const events = maskColumns(s, 'session_events', 'id', ['detail'], idTag, pseudonym);
    const alerts = maskColumns(s, 'alerts', 'id', ['message', 'detail'], idTag, pseudonym);
    const operatorActions = maskColumns(s, 'operator_actions', 'id', ['arguments', 'result'], idTag, pseudonym);
    const feedback = maskColumns(s, 'driver_feedback', 'session_id', ['comment', 'problem'], idTag, pseudonym);
    const outbox = maskColumns(s, 'outbox', 'seq', ['payload', 'answer'], idTag, pseudonym, `AND state <> 'pending'`);
    const { n } = s.sql(`SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending' AND (instr(payload, ?) > 0)`).get(idTag) as { n: number };
    return { pseudonym, sessions, events, alerts, operatorActions, feedback, outbox, pendingOutboxKept: n };
  });
}
