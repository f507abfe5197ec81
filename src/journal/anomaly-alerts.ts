import type Database from 'better-sqlite3';
import { schemaVersionOf } from './migrations.js';
import type { AlertState } from './types.js';

/** One anomaly alert as the anomaly report reads it. */
export interface AnomalyAlertRecord {
  readonly id: number;
  readonly detector: string;
  readonly atMs: number;
  readonly lastAtMs: number;
  readonly count: number;
  readonly state: AlertState;
  readonly message: string;
}

/**
 * The columns of schema 2 and later; a file of schema 1 (alerts without a life) is read as it is, each alert once,
 * open, never raised again: the read side does not migrate.
 */
const lifeColumns = (version: number): string =>
  version >= 2 ? 'last_at, count, state' : "at AS last_at, 1 AS count, 'open' AS state";

/**
 * The anomaly alerts (code `anomaly-<detector>`) whose span [first raise, last raise] reaches into [fromMs, toMs),
 * oldest first, on a read-only connection of the journal (see read-only.ts). The detector is `detail.detector`
 * when the alert names one, else the code's suffix.
 */
export function readAnomalyAlerts(db: Database.Database, fromMs: number, toMs: number): AnomalyAlertRecord[] {
  const version = schemaVersionOf(db);
  const rows = db
    .prepare(
      `SELECT id, at, message, ${lifeColumns(version)},
              CASE WHEN json_valid(detail) AND json_type(detail, '$.detector') = 'text' AND json_extract(detail, '$.detector') != ''
                   THEN json_extract(detail, '$.detector') ELSE substr(code, 9) END AS detector
       FROM alerts
       WHERE substr(code, 1, 8) = 'anomaly-' AND ${version >= 2 ? 'last_at' : 'at'} >= ? AND at < ?
       ORDER BY id`,
    )
    .all(fromMs, toMs) as { id: number; at: number; message: string; last_at: number; count: number; state: string; detector: string }[];
  return rows.map((r) => ({
    id: r.id,
    detector: r.detector,
    atMs: r.at,
    lastAtMs: r.last_at,
    count: r.count,
    state: r.state as AlertState,
    message: r.message,
  }));
}
