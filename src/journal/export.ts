import { existsSync } from 'node:fs';
import { EvseError, EvseErrorCode } from '../errors.js';
import { journalPath } from './open.js';
import { openReadOnlyDatabase } from './read-only.js';

export const exportTables = ['sessions', 'samples', 'alerts'] as const;
export type ExportTable = (typeof exportTables)[number];
export const exportFormats = ['json', 'csv'] as const;
export type ExportFormat = (typeof exportFormats)[number];

type Cell = string | number | boolean | null;

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** Columns and the query of each exported table; times as UTC ISO-8601, energy in whole Wh. */
const exportQueries: Record<ExportTable, { sql: string; columns: readonly string[]; row: (r: Record<string, unknown>) => Cell[] }> = {
  sessions: {
    sql: 'SELECT * FROM sessions WHERE start_at >= ? AND start_at < ? ORDER BY id',
    columns: [
      'id', 'connectorId', 'idTag', 'plugInAt', 'authorizedAt', 'startAt', 'stopAt', 'unplugAt', 'meterStartWh',
      'meterStopWh', 'energyWh', 'stopReason', 'stopIdTag', 'reservationId', 'csmsTransactionId', 'idTagStatus',
      'cost', 'clockTrusted', 'recovered',
    ],
    row: (r) => [
      r['id'] as number,
      r['connector_id'] as number,
      r['id_tag'] as string | null,
      isoOrNull(r['plug_in_at'] as number | null),
      isoOrNull(r['authorized_at'] as number | null),
      isoOrNull(r['start_at'] as number),
      isoOrNull(r['stop_at'] as number | null),
      isoOrNull(r['unplug_at'] as number | null),
      r['meter_start_wh'] as number,
      r['meter_stop_wh'] as number | null,
      r['meter_stop_wh'] === null ? null : (r['meter_stop_wh'] as number) - (r['meter_start_wh'] as number),
      r['stop_reason'] as string | null,
      r['stop_id_tag'] as string | null,
      r['reservation_id'] as number | null,
      r['csms_transaction_id'] as number | null,
      r['id_tag_status'] as string | null,
      r['cost'] as string | null,
      r['clock_trusted'] === 1,
      r['recovered'] === 1,
    ],
  },
  samples: {
    sql: 'SELECT * FROM samples WHERE at >= ? AND at < ? ORDER BY id',
    columns: ['sessionId', 'at', 'importWh', 'powerW', 'currentsA', 'voltagesV', 'frequencyHz', 'signedRecord'],
    row: (r) => [
      r['session_id'] as number | null,
      isoOrNull(r['at'] as number),
      r['import_wh'] as number,
      r['power_w'] as number,
      r['currents'] as string,
      r['voltages'] as string,
      r['frequency_hz'] as number | null,
      r['signed_record'] as string | null,
    ],
  },
  alerts: {
    sql: 'SELECT * FROM alerts WHERE at >= ? AND at < ? ORDER BY id',
    // A schema-1 journal (before alert states) has the first six columns: its alerts read as raised once and open.
    columns: ['id', 'at', 'severity', 'code', 'message', 'detail', 'dedupKey', 'audience', 'lastAt', 'count', 'state', 'stateAt', 'stateBy'],
    row: (r) => [
      r['id'] as number,
      isoOrNull(r['at'] as number),
      r['severity'] as string,
      r['code'] as string,
      r['message'] as string,
      r['detail'] as string | null,
      (r['dedup_key'] as string | undefined) ?? (r['code'] as string),
      (r['audience'] as string | undefined) ?? 'operator',
      isoOrNull((r['last_at'] as number | undefined) ?? (r['at'] as number)),
      (r['count'] as number | undefined) ?? 1,
      (r['state'] as string | undefined) ?? 'open',
      isoOrNull((r['state_at'] as number | null | undefined) ?? null),
      (r['state_by'] as string | null | undefined) ?? null,
    ],
  },
};

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
function csvField(value: Cell): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Which rows go: sessions that started, samples taken and alerts raised in [fromMs, toMs). */
export interface ExportRange {
  readonly fromMs: number;
  readonly toMs: number;
}

/** Every row, whatever its time. */
export const wholeJournal: ExportRange = { fromMs: Number.MIN_SAFE_INTEGER, toMs: Number.MAX_SAFE_INTEGER };

/**
 * Writes one table of the journal in `stateDir` as JSON (an array of objects) or CSV (a header line, then rows),
 * streaming row by row so a year of samples never sits in memory. Opens the file read-only, without the station's
 * lock and without migrating it: safe beside a running station; a journal this software cannot read as it is (from
 * newer software, or before its first migration) is refused.
 */
export function exportJournal(
  stateDir: string,
  table: ExportTable,
  format: ExportFormat,
  write: (chunk: string) => void,
  range: ExportRange = wholeJournal,
): number {
  const path = journalPath(stateDir);
  if (!existsSync(path)) {
    throw new EvseError(EvseErrorCode.InvalidArgument, `no journal at ${path} (check --state-dir)`);
  }
  const db = openReadOnlyDatabase(stateDir);
  try {
    const query = exportQueries[table];
    let count = 0;
    if (format === 'csv') write(`${query.columns.join(',')}\r\n`);
    else write('[');
    for (const record of db.prepare(query.sql).iterate(range.fromMs, range.toMs) as IterableIterator<Record<string, unknown>>) {
      const cells = query.row(record);
      if (format === 'csv') {
        write(`${cells.map(csvField).join(',')}\r\n`);
      } else {
        const object = Object.fromEntries(query.columns.map((column, i) => [column, cells[i] ?? null]));
        write(`${count === 0 ? '\n' : ',\n'}  ${JSON.stringify(object)}`);
      }
      count++;
    }
    if (format === 'json') write(count === 0 ? ']\n' : '\n]\n');
    return count;
  } finally {
    db.close();
  }
}
