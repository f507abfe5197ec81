import { Option, type Command } from 'commander';
import { receiptFromJournal, renderReceiptText } from '../billing/receipt.js';
import { renderJson } from '../billing/render.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import { configHelp, journalDeps, readSideSettings, stateDirHelp, type BillingCommandDeps } from './report.js';

interface ReceiptOptions {
  readonly stateDir?: string;
  readonly config?: string;
  readonly format: 'text' | 'json';
}

/** `evse receipt SESSION [--state-dir DIR] [--config FILE] [--format text|json]`: a session's receipt from the journal. */
export function registerReceiptCommand(program: Command, deps: BillingCommandDeps = journalDeps): void {
  program
    .command('receipt')
    .description('print the receipt of one session, recomputed from the journal')
    .argument('<session>', 'local session id')
    .option('--state-dir <dir>', stateDirHelp)
    .option('--config <file>', configHelp)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (sessionArg: string, opts: ReceiptOptions) => {
      deps.write(await runReceipt(sessionArg, opts, deps));
    });
}

/** The receipt of one session as text or JSON. */
export async function runReceipt(sessionArg: string, opts: ReceiptOptions, deps: BillingCommandDeps): Promise<string> {
  if (!/^\d+$/.test(sessionArg)) {
    throw new EvseError(EvseErrorCode.InvalidArgument, `session must be a whole number (got ${JSON.stringify(sessionArg)})`);
  }
  const sessionId = Number(sessionArg);
  const { settings, stateDir } = readSideSettings(opts, deps);
  const opened = await deps.openReader(stateDir);
  try {
    const receipt = await receiptFromJournal(opened.reader, sessionId, {
      tariff: settings.tariff,
      stationTimeZone: settings.timeZone,
      stationId: settings.stationId,
      nowMs: deps.nowMs(),
    });
    if (receipt === null) throw new EvseError(EvseErrorCode.InvalidArgument, `no session ${sessionId} in the journal`);
    return opts.format === 'json' ? renderJson(receipt) : renderReceiptText(receipt);
  } finally {
    await opened.close();
  }
}
