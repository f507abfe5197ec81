import { Option, type Command } from 'commander';
import { billingSettings, parseDateArgument, type BillingSettings } from '../billing/cli-settings.js';
import { renderCsv, renderJson, renderTable, reportFormats, tableOf, type ReportFormat } from '../billing/render.js';
import { energyReport, loadReportSessions, sessionsReport, utilizationReport } from '../billing/reports.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import type { JournalReader } from '../journal/ports.js';
import { openReadOnlyJournal } from '../journal/read-only.js';
import { registerFeedbackReport } from './report-feedback.js';
import { installedService, readSideConfigPath, readSideStateDir, type InstalledService } from './journal-location.js';
import { registerAnomalyReport } from './report-anomalies.js';

/** A journal opened for reading, and how to let go of it. */
export interface OpenedReader {
  readonly reader: JournalReader;
  close(): Promise<void>;
}

/** What the report and receipt commands depend on; tests pass an in-memory journal and a fixed clock. */
export interface BillingCommandDeps {
  openReader(stateDir: string): Promise<OpenedReader>;
  nowMs(): number;
  write(text: string): void;
  /** The installed service whose config and journal are read when no option names them; absent: none is looked for. */
  readonly installed?: InstalledService | null;
}

/** The config and journal folder a read-side command uses (see journal-location.ts), with the config's settings. */
export function readSideSettings(
  opts: { readonly config?: string; readonly stateDir?: string },
  deps: Pick<BillingCommandDeps, 'installed'>,
): { readonly settings: BillingSettings; readonly stateDir: string } {
  const installed = deps.installed ?? null;
  const configPath = readSideConfigPath(opts.config, installed);
  const settings = billingSettings(configPath);
  return { settings, stateDir: readSideStateDir(opts.stateDir, configPath, settings.stateDir, installed) };
}

/**
 * When the first session in the journal that started before `toMs` began to occupy the connector (its plug-in, or its
 * start when earlier), or null for a journal without one: what a missing `--from` means.
 */
export async function firstSessionStartMs(reader: JournalReader, toMs: number): Promise<number | null> {
  const sessions = await reader.sessions({ fromMs: Number.MIN_SAFE_INTEGER, toMs });
  let first: number | null = null;
  for (const s of sessions) {
    const occupiedFrom = Math.min(s.plugInAtMs ?? s.startAtMs, s.startAtMs);
    if (first === null || occupiedFrom < first) first = occupiedFrom;
  }
  return first;
}

/**
 * The station's SQLite journal, read-only and without the station's lock, so a report runs beside a station that
 * charges; refuses a folder without a journal, and a journal that needs a migration (the station does that).
 */
export const journalDeps: BillingCommandDeps = {
  openReader(stateDir) {
    return Promise.resolve().then(() => {
      const journal = openReadOnlyJournal(stateDir);
      return { reader: journal.reader, close: () => Promise.resolve(journal.close()) };
    });
  },
  nowMs: () => Date.now(),
  write: (text) => {
    process.stdout.write(text);
  },
  installed: installedService,
};

const reportKinds = ['sessions', 'energy', 'utilization'] as const;
type ReportKind = (typeof reportKinds)[number];

interface ReportOptions {
  readonly stateDir?: string;
  readonly config?: string;
  readonly from?: string;
  readonly to?: string;
  readonly format: ReportFormat;
  readonly period?: 'day' | 'week' | 'month';
}

/**
 * `evse report sessions|energy|utilization [--state-dir DIR] [--config FILE] [--from DATE] [--to DATE]
 * [--format table|csv|json]`: operator reports from the journal. Tariff and time zone come from the config; the
 * journal and the config are found as the service finds them (journal-location.ts). Without --from the report starts
 * at the first session, without --to it ends now.
 */
export function registerReportCommands(program: Command, deps: BillingCommandDeps = journalDeps): void {
  const report = program.command('report').description('session, energy and utilization reports from the journal');
  const descriptions: Record<ReportKind, string> = {
    sessions: 'one line per session started in the range: times, durations, energy, cost',
    energy: 'energy and revenue per day, ISO week and month of the session start (a session counts where it started)',
    utilization:
      'share of time occupied, charging and idle; peak hours; averages per session (every session overlapping the range, only its part inside: times clipped, energy interpolated at the edges)',
  };
  for (const kind of reportKinds) {
    const command = report
      .command(kind)
      .description(descriptions[kind])
      .option('--state-dir <dir>', stateDirHelp)
      .option('--config <file>', configHelp)
      .option('--from <date>', 'first local date (YYYY-MM-DD) or an instant with offset (default: the first session)')
      .option('--to <date>', 'last local date, included (YYYY-MM-DD), or an instant with offset, excluded (default: now)')
      .addOption(new Option('--format <format>', 'output format').choices(reportFormats).default('table'));
    if (kind === 'energy') {
      command.addOption(new Option('--period <period>', 'only this period (default: all three)').choices(['day', 'week', 'month']));
    }
    command.action(async (opts: ReportOptions) => {
      deps.write(await runReport(kind, opts, deps));
    });
  }
  registerFeedbackReport(report, deps);
  registerAnomalyReport(report, deps);
}

/** Help of --state-dir and --config, shared by the read-side commands. */
export const stateDirHelp = `folder that holds journal.db (default: ${installedService.stateDir} beside the installed service, else journal.stateDir of the config)`;
export const configHelp = `station config for the tariff and time zone (default: ${installedService.configPath} when it exists)`;

/** Produces one report as text in the chosen format. */
export async function runReport(kind: ReportKind, opts: ReportOptions, deps: BillingCommandDeps): Promise<string> {
  const { settings, stateDir } = readSideSettings(opts, deps);
  const nowMs = deps.nowMs();
  const toMs = opts.to === undefined ? nowMs : parseDateArgument('--to', opts.to, settings.timeZone);
  const fromMs = opts.from === undefined ? null : parseDateArgument('--from', opts.from, settings.timeZone);
  if (fromMs !== null && toMs <= fromMs) {
    throw new EvseError(EvseErrorCode.InvalidArgument, `--to (${opts.to ?? 'now'}) must be after --from (${opts.from})`);
  }
  const opened = await deps.openReader(stateDir);
  let sessions;
  let range;
  try {
    // No session before --to: an empty range, and so an empty report.
    range = { fromMs: fromMs ?? (await firstSessionStartMs(opened.reader, toMs)) ?? toMs, toMs };
    const context = { tariff: settings.tariff, timeZone: settings.timeZone, nowMs };
    // Utilization counts every session that occupied the connector in the range; the others, those started in it.
    sessions = await loadReportSessions(opened.reader, range, context, { overlapping: kind === 'utilization' });
  } finally {
    await opened.close();
  }

  if (kind === 'sessions') return render(opts.format, sessionsReport(sessions, settings.timeZone));
  if (kind === 'energy') {
    return render(opts.format, energyReport(sessions, settings.timeZone, opts.period ? [opts.period] : undefined));
  }
  const utilization = utilizationReport(sessions, range, settings.timeZone);
  if (opts.format === 'json') return renderJson(utilization);
  const { peakHours, ...summary } = utilization;
  const summaryTable = tableOf(Object.entries(summary).map(([measure, value]) => ({ measure, value })));
  const hoursTable = tableOf(peakHours);
  if (opts.format === 'csv') return `${renderCsv(summaryTable)}\r\n${renderCsv(hoursTable)}`;
  return `${renderTable(summaryTable)}\nPeak hours (local time)\n${renderTable(hoursTable)}`;
}

function render<T extends object>(format: ReportFormat, rows: readonly T[]): string {
  if (format === 'json') return renderJson(rows);
  const table = tableOf(rows);
  return format === 'csv' ? renderCsv(table) : renderTable(table);
}
