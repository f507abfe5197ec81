import { Option, type Command } from 'commander';
import { parseDateArgument } from '../billing/cli-settings.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import { exportFormats, exportJournal, exportTables, type ExportFormat, type ExportTable } from '../journal/export.js';
import { installedService, type InstalledService } from './journal-location.js';
import { configHelp, readSideSettings, stateDirHelp } from './report.js';

export interface ExportOptions {
  readonly stateDir?: string;
  readonly config?: string;
  readonly format: ExportFormat;
  readonly what: ExportTable;
  readonly from?: string;
  readonly to?: string;
}

/** What `evse journal export` depends on; tests pass a fixed clock, a sink and their own installed service. */
export interface JournalCommandDeps {
  nowMs(): number;
  write(chunk: string): void;
  readonly installed: InstalledService | null;
}

const processDeps: JournalCommandDeps = {
  nowMs: () => Date.now(),
  write: (chunk) => {
    process.stdout.write(chunk);
  },
  installed: installedService,
};

/** `evse journal export`: sessions, samples or alerts of a station's journal as JSON or CSV on stdout. */
export function registerJournalCommands(program: Command, deps: JournalCommandDeps = processDeps): void {
  const journal = program.command('journal').description('read the transaction journal (for support and audits)');
  journal
    .command('export')
    .description('print sessions, meter samples or alerts of the journal as JSON or CSV (read-only, beside a running station)')
    .option('--state-dir <dir>', stateDirHelp)
    .option('--config <file>', `${configHelp}; also where the journal is`)
    .addOption(new Option('--format <format>', 'output format').choices(exportFormats).makeOptionMandatory())
    .addOption(new Option('--what <table>', 'what to export').choices(exportTables).default('sessions'))
    .option('--from <date>', 'sessions started, samples taken, alerts raised from this local date or instant (default: the start of the journal, its first session)')
    .option('--to <date>', 'up to this local date, included, or instant, excluded (default: now)')
    .action((opts: ExportOptions) => {
      runExport(opts, deps);
    });
}

/** Exports one table; returns the number of rows written. */
export function runExport(opts: ExportOptions, deps: JournalCommandDeps): number {
  const { settings, stateDir } = readSideSettings(opts, deps);
  const toMs = opts.to === undefined ? deps.nowMs() : parseDateArgument('--to', opts.to, settings.timeZone);
  // No lower bound: the first session, and whatever the journal holds before it.
  const fromMs = opts.from === undefined ? Number.MIN_SAFE_INTEGER : parseDateArgument('--from', opts.from, settings.timeZone);
  if (toMs <= fromMs) {
    throw new EvseError(EvseErrorCode.InvalidArgument, `--to (${opts.to ?? 'now'}) must be after --from (${opts.from})`);
  }
  return exportJournal(stateDir, opts.what, opts.format, (chunk) => deps.write(chunk), { fromMs, toMs });
}
