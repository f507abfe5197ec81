/**
 * Alerts: the station's durable notes for a human (dead letters, recovered sessions, storage failures, faults,
 * anomalies) and the session events delivered to drivers. An alert repeats by its dedup key (a count, not a new row)
 * until it is closed; each delivery channel reads new alerts past its own cursor.
 */
import { EvseError, EvseErrorCode } from '../../errors.js';
import { toAlertRow, type AlertRecord } from '../rows.js';
import type { AlertGroupCount, AlertInput, AlertQuery, AlertRow, AlertSeverity, AlertState, PendingAlerts } from '../types.js';
import type { StoreDb } from './db.js';

/**
 * How many undelivered alerts a channel keeps at most: a channel down for long gets the newest this many when it
 * comes back, and is told how many older ones it skipped (a week-old flood is noise, and the journal stays bounded).
 */
export const ALERT_BACKLOG_BOUND = 1000;

/** What a raise did: the alert's id and whether it is a new alert (false: an open one counted again). */
export interface RaiseOutcome {
  readonly id: number;
  readonly isNew: boolean;
}

/** The transitions a person (or the station) may make; anything else is ALERT_STATE_INVALID. */
const allowedTransitions: Readonly<Record<AlertState, readonly AlertState[]>> = {
  open: ['acknowledged', 'closed'],
  acknowledged: ['closed'],
  closed: [],
};

/**
 * Journals one raise inside the caller's transaction. An alert with the same dedup key that is still open or
 * acknowledged is counted again (count + 1, last_at = now) and keeps its id; otherwise a new row. A driver alert is
 * born closed (by 'auto'), and one with a key already journaled for drivers is counted on that row: one alert per
 * session event even when it is raised twice.
 */
export function insertAlert(s: StoreDb, alert: AlertInput, at: number): RaiseOutcome {
  const dedupKey = alert.dedupKey ?? alert.code;
  const audience = alert.audience ?? 'operator';
  const existing = s
    .sql(
      `SELECT id FROM alerts WHERE dedup_key = ? AND audience = ? AND (state != 'closed' OR audience = 'driver')
       ORDER BY id DESC LIMIT 1`,
    )
    .get(dedupKey, audience) as { id: number } | undefined;
  if (existing !== undefined) {
    s.sql('UPDATE alerts SET count = count + 1, last_at = MAX(last_at, ?) WHERE id = ?').run(at, existing.id);
    return { id: existing.id, isNew: false };
  }
  const bornClosed = audience === 'driver';
  const info = s
    .sql(
      `INSERT INTO alerts (at, severity, code, message, detail, dedup_key, audience, last_at, count, state, state_at, state_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
    )
    .run(
      at,
      alert.severity,
      alert.code,
      alert.message,
      alert.detail === undefined ? null : JSON.stringify(alert.detail),
      dedupKey,
      audience,
      at,
      bornClosed ? 'closed' : 'open',
      bornClosed ? at : null,
      bornClosed ? 'auto' : null,
    );
  return { id: Number(info.lastInsertRowid), isNew: true };
}

/** An alert the failed storage could not take yet, as a row (id 0, open or born closed). */
function unwrittenRow(alert: AlertInput, at: number): AlertRow {
  const audience = alert.audience ?? 'operator';
  const bornClosed = audience === 'driver';
  return {
    ...alert,
    id: 0,
    atMs: at,
    dedupKey: alert.dedupKey ?? alert.code,
    audience,
    lastAtMs: at,
    count: 1,
    state: bornClosed ? 'closed' : 'open',
    stateAtMs: bornClosed ? at : null,
    stateBy: bornClosed ? 'auto' : null,
  };
}

/** Whether `row` is one `q` selects (for alerts not yet written, filtered in memory like the SQL below). */
function matches(row: AlertRow, q: AlertQuery): boolean {
  if (q.states !== undefined && !q.states.includes(row.state)) return false;
  if (q.audience !== undefined && row.audience !== q.audience) return false;
  if (q.codePrefix !== undefined && !row.code.startsWith(q.codePrefix)) return false;
  if (q.fromMs !== undefined && row.lastAtMs < q.fromMs) return false;
  if (q.toMs !== undefined && row.atMs >= q.toMs) return false;
  return true;
}

export class AlertRecords {
  constructor(private readonly s: StoreDb) {}

  raiseAlert(alert: AlertInput, nowMs: number): RaiseOutcome {
    return this.s.tx(() => insertAlert(this.s, alert, nowMs));
  }

  /**
   * Alerts, oldest first; ones not yet written (storage failed) come last with id 0. With `latest`, only the newest
   * that many (a reader that shows the last few never copies the whole log across threads).
   */
  alerts(latest?: number): AlertRow[] {
    const stored = (
      latest === undefined
        ? this.s.sql('SELECT * FROM alerts ORDER BY id').all()
        : this.s.sql('SELECT * FROM (SELECT * FROM alerts ORDER BY id DESC LIMIT ?) ORDER BY id').all(latest)
    ) as AlertRecord[];
    const all = [...stored.map(toAlertRow), ...this.s.unwrittenAlerts.map(({ at, alert }) => unwrittenRow(alert, at))];
    return latest === undefined ? all : all.slice(-latest);
  }

  /** Alerts `q` selects, newest first; ones the failed storage could not take yet come first (id 0). */
  listAlerts(q: AlertQuery): AlertRow[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.states !== undefined) {
      // An empty list selects nothing (IN () is not SQL).
      where.push(q.states.length === 0 ? '0' : `state IN (${q.states.map(() => '?').join(', ')})`);
      params.push(...q.states);
    }
    if (q.audience !== undefined) {
      where.push('audience = ?');
      params.push(q.audience);
    }
    if (q.codePrefix !== undefined) {
      where.push('substr(code, 1, ?) = ?');
      params.push(q.codePrefix.length, q.codePrefix);
    }
    if (q.fromMs !== undefined) {
      where.push('last_at >= ?');
      params.push(q.fromMs);
    }
    if (q.toMs !== undefined) {
      where.push('at < ?');
      params.push(q.toMs);
    }
    const sql = `SELECT * FROM alerts${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`} ORDER BY id DESC${
      q.limit === undefined ? '' : ' LIMIT ?'
    }`;
    if (q.limit !== undefined) params.push(q.limit);
    const stored = (this.s.sql(sql).all(...params) as AlertRecord[]).map(toAlertRow);
    const unwritten = this.s.unwrittenAlerts
      .map(({ at, alert }) => unwrittenRow(alert, at))
      .filter((row) => matches(row, q))
      .reverse();
    const all = [...unwritten, ...stored];
    return q.limit === undefined ? all : all.slice(0, q.limit);
  }

  /**
   * Acknowledges or closes alert `id` by `by`; returns the row after the change. EvseError AlertNotFound for an id
   * the journal does not hold, AlertStateInvalid for a transition other than open → acknowledged → closed or
   * open → closed (acknowledging a closed alert, closing it twice).
   */
  setAlertState(id: number, state: 'acknowledged' | 'closed', by: string, nowMs: number): AlertRow {
    return this.s.tx(() => {
      const row = this.s.sql('SELECT * FROM alerts WHERE id = ?').get(id) as AlertRecord | undefined;
      if (row === undefined) throw new EvseError(EvseErrorCode.AlertNotFound, `no alert ${id} in the journal`);
      const from = row.state as AlertState;
      if (!allowedTransitions[from].includes(state)) {
        throw new EvseError(EvseErrorCode.AlertStateInvalid, `alert ${id} is ${from}; it cannot become ${state}`);
      }
      this.s.sql('UPDATE alerts SET state = ?, state_at = ?, state_by = ? WHERE id = ?').run(state, nowMs, by, id);
      return toAlertRow(this.s.sql('SELECT * FROM alerts WHERE id = ?').get(id) as AlertRecord);
    });
  }

  /**
   * Raises per (code, severity, detail.detector), in the order their first alert came (see AlertGroupCount): each
   * raise counts, a repeat too (as when every raise was its own row). Operator alerts only: the driver's session
   * events are deliveries, not something that went wrong.
   */
  alertGroupCounts(): AlertGroupCount[] {
    const rows = this.s
      .sql(
        `SELECT code, severity, CASE WHEN json_valid(detail) THEN json_extract(detail, '$.detector') END AS detector,
                SUM(count) AS count, MIN(id) AS first
         FROM alerts WHERE audience = 'operator' GROUP BY code, severity, detector ORDER BY first`,
      )
      .all() as { code: string; severity: string; detector: unknown; count: number }[];
    const groups: AlertGroupCount[] = rows.map((r) => ({
      code: r.code,
      severity: r.severity as AlertSeverity,
      detector: typeof r.detector === 'string' && r.detector !== '' ? r.detector : null,
      count: r.count,
    }));
    for (const { alert } of this.s.unwrittenAlerts) {
      if ((alert.audience ?? 'operator') !== 'operator') continue;
      const named = alert.detail?.['detector'];
      groups.push({ code: alert.code, severity: alert.severity, detector: typeof named === 'string' && named !== '' ? named : null, count: 1 });
    }
    return groups;
  }

  // ---- delivery cursors, one per channel ----

  /** First time only: the channel's cursor starts after the newest alert now (a new channel gets no history). */
  registerAlertChannel(channel: string, nowMs: number): void {
    this.s.tx(() => {
      this.s
        .sql(
          `INSERT INTO alert_channels (channel, cursor, updated_at)
           VALUES (?, (SELECT COALESCE(MAX(id), 0) FROM alerts), ?) ON CONFLICT (channel) DO NOTHING`,
        )
        .run(channel, nowMs);
    });
  }

  private cursorOf(channel: string): number {
    const row = this.s.sql('SELECT cursor FROM alert_channels WHERE channel = ?').get(channel) as { cursor: number } | undefined;
    if (row === undefined) {
      throw new EvseError(EvseErrorCode.InvalidArgument, `alert channel '${channel}' is not registered (registerAlertChannel first)`);
    }
    return row.cursor;
  }

  /**
   * Alerts past the channel's cursor, oldest first, at most `limit`. A backlog beyond {@link ALERT_BACKLOG_BOUND}
   * loses its oldest: the cursor is moved past them (committed) and `skipped` says how many.
   */
  pendingAlerts(channel: string, limit: number, nowMs: number, bound = ALERT_BACKLOG_BOUND): PendingAlerts {
    let cursor = this.cursorOf(channel);
    let skipped = 0;
    const backlog = (this.s.sql('SELECT COUNT(*) AS n FROM alerts WHERE id > ?').get(cursor) as { n: number }).n;
    if (backlog > bound) {
      skipped = backlog - bound;
      const last = this.s.sql('SELECT id FROM alerts WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?').get(cursor, skipped - 1) as {
        id: number;
      };
      cursor = last.id;
      this.s.tx(() => {
        this.s.sql('UPDATE alert_channels SET cursor = MAX(cursor, ?), updated_at = ? WHERE channel = ?').run(cursor, nowMs, channel);
      });
    }
    const alerts = (this.s.sql('SELECT * FROM alerts WHERE id > ? ORDER BY id LIMIT ?').all(cursor, limit) as AlertRecord[]).map(
      toAlertRow,
    );
    return { alerts, skipped };
  }

  /** Moves the channel's cursor to `upToId` (never back, never past the newest alert) and commits it. */
  confirmAlertDelivery(channel: string, upToId: number, nowMs: number): void {
    this.s.tx(() => {
      this.cursorOf(channel);
      this.s
        .sql(
          `UPDATE alert_channels SET cursor = MAX(cursor, MIN(?, (SELECT COALESCE(MAX(id), 0) FROM alerts))), updated_at = ?
           WHERE channel = ?`,
        )
        .run(upToId, nowMs, channel);
    });
  }

  /**
   * Records that the storage failed. Tries to write the alert at once (a full disk often still takes a small
   * row after a rollback); keeps it in memory for the next successful commit when it cannot.
   */
  noteStorageFailure(sqliteCode: string, message: string, nowMs: number): void {
    const alert: AlertInput = {
      severity: 'critical',
      code: 'journal-unavailable',
      message: `The journal could not commit (${sqliteCode}): no new session can start until it is fixed.`,
      detail: { sqliteCode, error: message },
    };
    const alreadyKnown =
      this.s.unwrittenAlerts.some((a) => a.alert.detail?.['sqliteCode'] === sqliteCode) ||
      this.s.sql(`SELECT 1 FROM alerts WHERE code = 'journal-unavailable' AND last_at >= ? LIMIT 1`).get(nowMs - 60_000) !== undefined;
    if (alreadyKnown) return;
    try {
      this.s.db.transaction(() => insertAlert(this.s, alert, nowMs))();
    } catch {
      this.s.unwrittenAlerts.push({ at: nowMs, alert });
    }
  }
}
