import { Option, type Command } from 'commander';
import { journalConfigSchema } from '../journal/config.js';
import { exportFormats, exportJournal, exportTables, type ExportFormat, type ExportTable } from '../journal/export.js';

/** `evse journal export`: sessions, samples or alerts of a station's journal as JSON or CSV on stdout. */
export function registerJournalCommands(program: Command): void {
  const journal = program.command('journal').description('read the transaction journal (for support and audits)');
  journal
    .command('export')
    .description('print sessions, meter samples or alerts of the journal as JSON or CSV')
    .option('--state-dir <dir>', 'folder that holds journal.db', journalConfigSchema.parse({}).stateDir)
    .addOption(new Option('--format <format>', 'output format').choices(exportFormats).makeOptionMandatory())
    .addOption(new Option('--what <table>', 'what to export').choices(exportTables).default('sessions'))
    .action((opts: { stateDir: string; format: ExportFormat; what: ExportTable }) => {
      exportJournal(opts.stateDir, opts.what, opts.format, (chunk) => process.stdout.write(chunk));
    });
}
