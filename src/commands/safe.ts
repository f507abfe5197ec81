import type { Command } from 'commander';
import { forceOutputsSafe } from '../../hal/gpio/force-safe.js';
import { loadOnoffGpio } from '../../hal/gpio/hardware.js';
import { loadConfigFile } from '../config/load.js';
import { EvseError, EvseErrorCode, ExitCode } from '../errors.js';

/**
 * `evse safe --config FILE`: forces every configured output safe without the daemon (relay off, pilot PWM at duty 0
 * then disabled, cable lock to its safe state, RCD test off), and unexports the lines. The unit's ExecStopPost.
 * Exits 1 when any output could not be written, naming it.
 */
export function registerSafeCommand(program: Command): void {
  program
    .command('safe')
    .description('force every configured output safe without the daemon (the service ExecStopPost)')
    .requiredOption('--config <file>', 'JSON config file with a gpio section')
    .action(async (opts: { config: string }) => {
      const config = loadConfigFile(opts.config);
      if (config.gpio === undefined) {
        throw new EvseError(EvseErrorCode.ConfigInvalid, `${opts.config}: gpio: required by evse safe (no outputs configured)`);
      }
      const results = forceOutputsSafe(config.gpio, await loadOnoffGpio());
      for (const r of results) process.stdout.write(`${r.ok ? 'safe' : 'FAILED'} ${r.pin}: ${r.detail}\n`);
      if (results.some((r) => !r.ok)) process.exitCode = ExitCode.Failure;
    });
}
