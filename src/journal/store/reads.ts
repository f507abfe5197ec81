/** The read side (JournalReader): sessions, their samples and events, the last known register. */
import type { EventRow, SampleRow, SessionRow } from '../ports.js';
import { toEventRow, toSampleRow, toSessionRow, type EventRecord, type SampleRecord, type SessionRecord } from '../rows.js';
import type { StoreDb } from './db.js';

export class ReadRecords {
  constructor(private readonly s: StoreDb) {}

  /** JournalReader.sessions: by start in [fromMs, toMs), or (`overlapping`) every session occupying the connector then. */
  sessions(fromMs: number, toMs: number, overlapping = false): SessionRow[] {
    // Occupancy runs from the plug-in (never after the start) to the unplug, else the stop, else now (still open).
    // No index serves this (the open end has no bound); a scan of the sessions table is cheap: one small row per charge.
    const rows = overlapping
      ? (this.s
          .sql(
            `SELECT * FROM sessions
              WHERE MIN(COALESCE(plug_in_at, start_at), start_at) < ?
                AND (COALESCE(unplug_at, stop_at) IS NULL OR COALESCE(unplug_at, stop_at) > ?)
              ORDER BY start_at, id`,
          )
          .all(toMs, fromMs) as SessionRecord[])
      : (this.s.sql('SELECT * FROM sessions WHERE start_at >= ? AND start_at < ? ORDER BY start_at, id').all(
          fromMs,
          toMs,
        ) as SessionRecord[]);
    return rows.map(toSessionRow);
  }

  session(id: number): SessionRow | null {
    const row = this.s.sql('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRecord | undefined;
    return row ? toSessionRow(row) : null;
  }

  samples(sessionId: number): SampleRow[] {
    return (this.s.sql('SELECT * FROM samples WHERE session_id = ? ORDER BY id').all(sessionId) as SampleRecord[]).map(
      toSampleRow,
    );
  }

  events(sessionId: number): EventRow[] {
    return (
      this.s.sql('SELECT * FROM session_events WHERE session_id = ? ORDER BY id').all(sessionId) as EventRecord[]
    ).map(toEventRow);
  }

  /** The highest import register the journal knows (last sample, or a session's start/stop), or null when empty. */
  lastMeterWh(): number | null {
    const row = this.s
      .sql(
        `SELECT MAX(v) AS wh FROM (
           SELECT (SELECT import_wh FROM samples ORDER BY id DESC LIMIT 1) AS v
           UNION ALL SELECT MAX(meter_start_wh) FROM sessions
           UNION ALL SELECT MAX(meter_stop_wh) FROM sessions)`,
      )
      .get() as { wh: number | null };
    return row.wh;
  }
}
