import type { Command } from 'commander';
import { listGpioChips } from '../../hal/gpio/chip-resolver.js';
import { forceOutputsSafe } from '../../hal/gpio/force-safe.js';
import { loadOnoffGpio } from '../../hal/gpio/hardware.js';
import { loadConfigFile } from '../config/load.js';
import { failSafeScript } from '../daemon/fail-safe-script.js';
import { EvseError, EvseErrorCode, ExitCode } from '../errors.js';

/**
 * `evse safe --config FILE`: forces every configured output safe without the daemon (relay off, pilot PWM at duty 0
 * then disabled, cable lock to its safe state, RCD test off), and unexports the lines. The unit's second ExecStopPost,
 * after the shell fallback. Exits 1 when any output could not be written, naming it.
 * `--script` writes nothing: it prints the shell fallback `evse run` writes to $RUNTIME_DIRECTORY/fail-safe.sh for
 * this config and this board's GPIO chips, for an installer to read.
 */
export function registerSafeCommand(program: Command): void {
  program
    .command('safe')
    .description('force every configured output safe without the daemon (the service ExecStopPost)')
    .requiredOption('--config <file>', 'JSON config file with a gpio section')
    .option('--script', 'print the shell fail-safe script for this config instead (touches no output)')
    .action(async (opts: { config: string; script?: boolean }) => {
      const config = loadConfigFile(opts.config);
      if (config.gpio === undefined) {
        throw new EvseError(EvseErrorCode.ConfigInvalid, `${opts.config}: gpio: required by evse safe (no outputs configured)`);
      }
      if (opts.script === true) {
        process.stdout.write(failSafeScript(config.gpio, listGpioChips(config.gpio.sysfsRoot), opts.config));
        return;
      }
      const results = forceOutputsSafe(config.gpio, await loadOnoffGpio());
      for (const r of results) process.stdout.write(`${r.ok ? 'safe' : 'FAILED'} ${r.pin}: ${r.detail}\n`);
      if (results.some((r) => !r.ok)) process.exitCode = ExitCode.Failure;
    });
}
