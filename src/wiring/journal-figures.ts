import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { AlertGroupCount, AlertRow } from '../journal/types.js';
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
  return tallyAlertGroups(
    alerts.map((alert) => {
      const named = alert.detail?.['detector'];
      return { code: alert.code, severity: alert.severity, detector: typeof named === 'string' && named !== '' ? named : null, count: 1 };
    }),
  );
}

/**
 * The journal's counts per (code, severity, detail.detector), in the order their first alert came, as the tally by
 * code, severity and detector; bounded to {@link MAX_ALERT_SERIES} series (the later ones are summed under "other").
 */
export function tallyAlertGroups(groups: readonly AlertGroupCount[]): AlertTally[] {
  const byKey = new Map<string, { code: string; severity: string; detector: string | null; count: number }>();
  for (const group of groups) {
    const detector = detectorOf({ code: group.code, ...(group.detector === null ? {} : { detail: { detector: group.detector } }) });
    let code = group.code;
    let key = JSON.stringify([code, group.severity, detector]);
    if (!byKey.has(key) && byKey.size >= MAX_ALERT_SERIES) {
      code = OTHER;
      key = JSON.stringify([code, group.severity, null]);
    }
    const entry = byKey.get(key) ?? { code, severity: group.severity, detector: code === OTHER ? null : detector, count: 0 };
    entry.count += group.count;
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
 * The alert counts are read at most this often, whatever the scrape rate. They are counted by a GROUP BY in the
 * journal's worker (only one row per code and severity crosses to the station's thread), but that still scans the
 * alert table on the worker, between the station's commits.
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
 * The journal's figures for `/metrics`, read when the page's worker is scraped: the alert counts (alerts are never
 * deleted, so the counts never go down; counted in the journal's worker, at most every
 * {@link ALERT_LOG_READ_INTERVAL_MS}) and the size of the file. `file` is null when the journal's location
 * is not known (its size is then not reported).
 */
export function journalFigures(
  journal: { alertGroupCounts(): Promise<readonly AlertGroupCount[]> },
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
      .alertGroupCounts()
      .then(
        (groups) => {
          cached = { tally: tallyAlertGroups(groups), atMs: now() };
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
