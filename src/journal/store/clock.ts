/** Clock correction: the CSMS gave the time, and what this boot stamped with its untrusted clock is shifted. */
import type { ClockCorrection } from '../types.js';
import type { StoreDb } from './db.js';
import { invalid, iso } from './values.js';

/** Shifts the OCPP timestamps of a queued payload: `timestamp` (Start/Stop/Status) and `meterValue[].timestamp`. */
function shiftPayloadTimes(payload: Record<string, unknown>, offsetMs: number): Record<string, unknown> {
  const shifted = (value: unknown): unknown => {
    const ms = typeof value === 'string' ? Date.parse(value) : NaN;
    return Number.isFinite(ms) ? iso(ms + offsetMs) : value;
  };
  const out: Record<string, unknown> = { ...payload };
  if ('timestamp' in out) out['timestamp'] = shifted(out['timestamp']);
  if (Array.isArray(out['meterValue'])) {
    out['meterValue'] = (out['meterValue'] as unknown[]).map((mv) =>
      mv !== null && typeof mv === 'object' ? { ...(mv as Record<string, unknown>), timestamp: shifted((mv as Record<string, unknown>)['timestamp']) } : mv,
    );
  }
  return out;
}

export class ClockRecords {
  constructor(private readonly s: StoreDb) {}

  /**
   * The CSMS gave the time: shifts by `offsetMs` every record stamped by this boot's untrusted clock (since `sinceMs`,
   * local time) and marks it trusted: the times of sessions started untrusted, their samples and events, and the
   * pending outbox rows created since then (their timestamps, created and next-attempt times). Records of earlier boots
   * stay marked untrusted: their clock had another error. One transaction.
   */
  correctClock(offsetMs: number, sinceMs: number): ClockCorrection {
    if (!Number.isSafeInteger(offsetMs) || !Number.isSafeInteger(sinceMs)) {
      throw invalid(`clock correction needs integer ms (got offset ${offsetMs}, since ${sinceMs})`);
    }
    const s = this.s;
    return s.tx(() => {
      const ids = (s.sql('SELECT id FROM sessions WHERE clock_trusted = 0 AND start_at >= ?').all(sinceMs) as { id: number }[]).map(
        (r) => r.id,
      );
      const shift = (column: string): string => `${column} = CASE WHEN ${column} IS NULL THEN NULL ELSE ${column} + @offset END`;
      let samples = 0;
      let events = 0;
      for (const id of ids) {
        s.sql(
          `UPDATE sessions SET ${['plug_in_at', 'authorized_at', 'start_at', 'stop_at', 'unplug_at'].map(shift).join(', ')}, clock_trusted = 1 WHERE id = @id`,
        ).run({ offset: offsetMs, id });
        samples += s.sql('UPDATE samples SET at = at + ? WHERE session_id = ?').run(offsetMs, id).changes;
        events += s.sql('UPDATE session_events SET at = at + ? WHERE session_id = ?').run(offsetMs, id).changes;
      }
      const rows = s
        .sql(
          `SELECT seq, payload FROM outbox WHERE state = 'pending' AND (created_at >= ? OR session_id IN (${ids.map(() => '?').join(',') || 'NULL'}))`,
        )
        .all(sinceMs, ...ids) as { seq: number; payload: string }[];
      for (const row of rows) {
        const payload = shiftPayloadTimes(JSON.parse(row.payload) as Record<string, unknown>, offsetMs);
        s.sql('UPDATE outbox SET payload = ?, created_at = created_at + ?, next_attempt_at = next_attempt_at + ? WHERE seq = ?').run(
          JSON.stringify(payload),
          offsetMs,
          offsetMs,
          row.seq,
        );
      }
      return { sessions: ids.length, samples, events, outbox: rows.length };
    });
  }
}
