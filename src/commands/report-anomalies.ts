import { Option, type Command } from 'commander';
import { parseDateArgument } from '../billing/cli-settings.js';
import { renderJson, renderTable, tableOf } from '../billing/render.js';
import { formatWallTime } from '../billing/wall-clock.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import { readAnomalyAlerts, type AnomalyAlertRecord } from '../journal/anomaly-alerts.js';
import { openReadOnlyDatabase } from '../journal/read-only.js';
import { printable } from './alerts.js';
import type { InstalledService } from './journal-location.js';
import { configHelp, readSideSettings, stateDirHelp } from './report.js';

/** Per detector: how many alerts and raises, when first and last, in which states, and what it said last. */
export interface AnomalyReportRow {
  readonly detector: string;
  readonly alerts: number;
  readonly raises: number;
  readonly firstAtMs: number;
  readonly lastAtMs: number;
  readonly open: number;
  readonly acknowledged: number;
  readonly closed: number;
  readonly latestMessage: string;
}

/** The report's rows, by detector name, from the anomaly alerts of the range. */
export function anomalyReport(records: readonly AnomalyAlertRecord[]): AnomalyReportRow[] {
  const byDetector = new Map<string, { row: Omit<AnomalyReportRow, 'latestMessage'>; latest: AnomalyAlertRecord }>();
  for (const r of records) {
    const entry = byDetector.get(r.detector);
    if (entry === undefined) {
      byDetector.set(r.detector, {
        row: { detector: r.detector, alerts: 1, raises: r.count, firstAtMs: r.atMs, lastAtMs: r.lastAtMs, open: 0, acknowledged: 0, closed: 0, [r.state]: 1 },
        latest: r,
      });
      continue;
    }
    const row = entry.row;
    entry.row = {
      ...row,
      alerts: row.alerts + 1,
      raises: row.raises + r.count,
      firstAtMs: Math.min(row.firstAtMs, r.atMs),
      lastAtMs: Math.max(row.lastAtMs, r.lastAtMs),
      [r.state]: row[r.state] + 1,
    };
    // The latest message: of the alert raised last (the newest alert when two were raised at the same time).
    if (r.lastAtMs > entry.latest.lastAtMs || (r.lastAtMs === entry.latest.lastAtMs && r.id > entry.latest.id)) entry.latest = r;
  }
  return [...byDetector.values()]
    .map(({ row, latest }) => ({ ...row, latestMessage: latest.message }))
    .sort((a, b) => a.detector.localeCompare(b.detector));
}

export interface AnomalyReportOptions {
  readonly stateDir?: string;
  readonly config?: string;
  readonly from?: string;
  readonly to?: string;
  readonly json?: boolean;
}

export interface AnomalyReportDeps {
  nowMs(): number;
  readonly installed?: InstalledService | null;
}

/** `evse report anomalies`: the anomaly alerts of a range per detector, from a read-only journal. */
export function runAnomalyReport(opts: AnomalyReportOptions, deps: AnomalyReportDeps): string {
  const { settings, stateDir } = readSideSettings(opts, deps);
  const toMs = opts.to === undefined ? deps.nowMs() : parseDateArgument('--to', opts.to, settings.timeZone);
  const fromMs = opts.from === undefined ? Number.MIN_SAFE_INTEGER : parseDateArgument('--from', opts.from, settings.timeZone);
  if (toMs <= fromMs) {
    throw new EvseError(EvseErrorCode.InvalidArgument, `--to (${opts.to ?? 'now'}) must be after --from (${opts.from})`);
  }
  const db = openReadOnlyDatabase(stateDir);
  let rows: AnomalyReportRow[];
  try {
    rows = anomalyReport(readAnomalyAlerts(db, fromMs, toMs));
  } finally {
    db.close();
  }
  if (opts.json === true) {
    return renderJson(rows.map((r) => ({ ...r, firstAt: new Date(r.firstAtMs).toISOString(), lastAt: new Date(r.lastAtMs).toISOString() })));
  }
  if (rows.length === 0) return 'No anomaly alerts in the range.\n';
  const time = (ms: number): string => formatWallTime(settings.timeZone, ms);
  return renderTable(
    tableOf(
      rows.map((r) => ({
        detector: printable(r.detector),
        alerts: r.alerts,
        raises: r.raises,
        first: time(r.firstAtMs),
        last: time(r.lastAtMs),
        open: r.open,
        acknowledged: r.acknowledged,
        closed: r.closed,
        'latest message': printable(r.latestMessage),
      })),
    ),
  );
}

/** Registers `anomalies` under `evse report`. */
export function registerAnomalyReport(report: Command, deps: AnomalyReportDeps & { write(text: string): void }): void {
  report
    .command('anomalies')
    .description('per anomaly detector: alerts and raises, first and last time, states, the latest message (read-only)')
    .option('--state-dir <dir>', stateDirHelp)
    .option('--config <file>', `${configHelp}; also where the journal is`)
    .option('--from <date>', 'alerts raised from this local date (YYYY-MM-DD) or instant with offset (default: the start of the journal)')
    .option('--to <date>', 'up to this local date, included, or instant, excluded (default: now)')
    .addOption(new Option('--json', 'JSON instead of a table'))
    .action((opts: AnomalyReportOptions) => {
      deps.write(runAnomalyReport(opts, deps));
    });
}
