/** Alerts: the station's durable notes for a human (dead letters, recovered sessions, storage failures …). */
import { toAlertRow, type AlertRecord } from '../rows.js';
import type { AlertInput, AlertRow } from '../types.js';
import type { StoreDb } from './db.js';

/** Inserts one alert inside the caller's transaction; returns its id. */
export function insertAlert(s: StoreDb, alert: AlertInput, at: number): number {
  const info = s.sql('INSERT INTO alerts (at, severity, code, message, detail) VALUES (?, ?, ?, ?, ?)').run(
    at,
    alert.severity,
    alert.code,
    alert.message,
    alert.detail === undefined ? null : JSON.stringify(alert.detail),
  );
  return Number(info.lastInsertRowid);
}

export class AlertRecords {
  constructor(private readonly s: StoreDb) {}

  raiseAlert(alert: AlertInput, nowMs: number): number {
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
    const all = [...stored.map(toAlertRow), ...this.s.unwrittenAlerts.map(({ at, alert }) => ({ ...alert, id: 0, atMs: at }))];
    return latest === undefined ? all : all.slice(-latest);
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
      this.s.sql(`SELECT 1 FROM alerts WHERE code = 'journal-unavailable' AND at >= ? LIMIT 1`).get(nowMs - 60_000) !== undefined;
    if (alreadyKnown) return;
    try {
      this.s.db.transaction(() => insertAlert(this.s, alert, nowMs))();
    } catch {
      this.s.unwrittenAlerts.push({ at: nowMs, alert });
    }
  }
}
