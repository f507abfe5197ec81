#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { EvseError, EvseErrorCode, ExitCode } from './errors.js';
import { registerAlertsCommands } from './commands/alerts.js';
import { registerConfigCommands } from './commands/config.js';
import { registerSimCommand } from './commands/sim.js';
import { registerBoardSimCommand } from './commands/board-sim.js';
import { registerMeterCommands } from './commands/meter.js';
import { registerJournalCommands } from './commands/journal.js';
import { registerReportCommands } from './commands/report.js';
import { registerReceiptCommand } from './commands/receipt.js';
import { registerRunCommand } from './commands/run.js';
import { registerSafeCommand } from './commands/safe.js';
import { registerStatusCommand } from './commands/status.js';
import { registerQrCommand } from './commands/qr.js';

/**
 * The `evse` command. Each command lives in `src/commands/<name>.ts` and registers itself here;
 * this file only maps errors to exit codes.
 */
export function buildProgram(): Command {
  const program = new Command('evse')
    .description('Charge-point controller for one AC EV charging station')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerConfigCommands(program);
  registerSimCommand(program);
  registerBoardSimCommand(program);
  registerMeterCommands(program);
  registerJournalCommands(program);
  registerReportCommands(program);
  registerAlertsCommands(program);
  registerReceiptCommand(program);
  registerRunCommand(program);
  registerSafeCommand(program);
  registerStatusCommand(program);
  registerQrCommand(program);
  return program;
}

/** Exit code for an error that escaped a command. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof EvseError) {
    switch (err.code) {
      case EvseErrorCode.ConfigInvalid:
      case EvseErrorCode.ConfigNotFound:
        return ExitCode.Config;
      case EvseErrorCode.UnknownScenario:
      case EvseErrorCode.InvalidArgument:
        return ExitCode.Usage;
      case EvseErrorCode.StationUnreachable:
        return ExitCode.Unavailable;
      case EvseErrorCode.StateDirLocked:
        return ExitCode.TempFail;
      case EvseErrorCode.JournalTooNew:
      case EvseErrorCode.AlertStateInvalid:
        return ExitCode.DataErr;
      case EvseErrorCode.AlertNotFound:
        return ExitCode.NoInput;
      default:
        return ExitCode.Failure;
    }
  }
  return ExitCode.Failure;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    process.stderr.write(`evse: ${err instanceof Error ? err.message : String(err)}\n`);
    return exitCodeFor(err);
  }
}

/** Whether this module is the process's entry point (also through the `evse` symlink npm installs). */
function invokedDirectly(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`evse: ${String(err)}\n`);
      process.exitCode = ExitCode.Failure;
    },
  );
}
