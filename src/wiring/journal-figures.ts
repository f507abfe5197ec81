import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { AlertRow } from '../journal/types.js';
import type { AlertTally, JournalFigures } from '../web/metrics-data.js';

/** Distinct (code, severity) pairs reported; more are summed under code "other" (a label set must stay bounded). */
const MAX_ALERT_SERIES = 200;
const OTHER = 'other';

/**
 * The detector behind an alert, when it is an anomaly: its detail names it (`detector`), or its code is
 * `anomaly-<detector>`. Any detector that journals its alerts either way is counted without code here.
 */
export function detectorOf(alert: Pick<AlertRow, 'code' | 'detail'>): string | null {
  const named = alert.detail?.['detector'];
  if (typeof named === 'string' && named !== '') return named;
  return alert.code.startsWith('anomaly-') && alert.code.length > 'anomaly-'.length ? alert.code.slice('anomaly-'.length) : null;
}

/** Alerts counted by code, severity and detector; bounded to {@link MAX_ALERT_SERIES} series. */
export function tallyAlerts(alerts: readonly Pick<AlertRow, 'code' | 'severity' | 'detail'>[]): AlertTally[] {
  const byKey = new Map<string, { code: string; severity: string; detector: string | null; count: number }>();
  for (const alert of alerts) {
    const detector = detectorOf(alert);
    let code = alert.code;
    let key = JSON.stringify([code, alert.severity, detector]);
    if (!byKey.has(key) && byKey.size >= MAX_ALERT_SERIES) {
      code = OTHER;
      key = JSON.stringify([code, alert.severity, null]);
    }
    const entry = byKey.get(key) ?? { code, severity: alert.severity, detector: code === OTHER ? null : detector, count: 0 };
    entry.count += 1;
    byKey.set(key, entry);
  }
  return [...byKey.values()];
}

/** Bytes of the journal file and its write-ahead log (a missing log is 0; a missing file is null). */
export async function journalFileBytes(file: string): Promise<number | null> {
  const size = (path: string): Promise<number | null> =>
    stat(path).then(
      (s) => s.size,
      () => null,
    );
  const [main, wal] = await Promise.all([size(file), size(`${file}-wal`)]);
  return main === null ? null : main + (wal ?? 0);
}

/**
 * The alert log is read at most this often, whatever the scrape rate: its rows cross to the station's thread and are
 * tallied there (10 000 alerts stall that thread 15–45 ms; a GROUP BY in the journal's worker would remove that).
 */
export const ALERT_LOG_READ_INTERVAL_MS = 30_000;

export interface JournalFiguresOptions {
  /** Told when the alert log cannot be read (that scrape then has no alert families). */
  readonly onError?: (err: Error) => void;
  readonly minReadIntervalMs?: number;
  /** Monotonic milliseconds (tests). */
  readonly nowMs?: () => number;
}

/**
 * The journal's figures for `/metrics`, read when the page's worker is scraped: the alert log (append-only, so the
 * counts never go down; read through the journal's worker, and at most every {@link ALERT_LOG_READ_INTERVAL_MS}, since
 * its rows are tallied on the station's thread) and the size of the file. `file` is null when the journal's location
 * is not known (its size is then not reported).
 */
export function journalFigures(
  journal: { alerts(): Promise<readonly AlertRow[]> },
  file: string | null,
  options: JournalFiguresOptions = {},
): () => Promise<JournalFigures> {
  const minIntervalMs = options.minReadIntervalMs ?? ALERT_LOG_READ_INTERVAL_MS;
  const now = options.nowMs ?? (() => performance.now());
  let cached: { tally: readonly AlertTally[]; atMs: number } | null = null;
  let reading: Promise<readonly AlertTally[] | null> | null = null;
  const readAlerts = (): Promise<readonly AlertTally[] | null> => {
    if (cached !== null && now() - cached.atMs < minIntervalMs) return Promise.resolve(cached.tally);
    // Scrapes at the same moment share one read.
    reading ??= journal
      .alerts()
      .then(
        (rows) => {
          cached = { tally: tallyAlerts(rows), atMs: now() };
          return cached.tally;
        },
        // A journal that fails (a full disk, a lost worker) must not take the rest of the metrics with it.
        (err: unknown) => {
          options.onError?.(err as Error);
          return null;
        },
      )
      .finally(() => {
        reading = null;
      });
    return reading;
  };
  return async () => {
    const [alerts, fileBytes] = await Promise.all([readAlerts(), file === null ? Promise.resolve(null) : journalFileBytes(file)]);
    return { alerts, fileBytes };
  };
}
