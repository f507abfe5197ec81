import type { Command } from 'commander';
import { loadConfigFile } from '../config/load.js';
import { requireHardwareConfig, runStation } from '../wiring/run-station.js';
import { createLogger } from '../logger.js';

/**
 * `evse run --config FILE`: the station on the hardware the config names (GPIO drivers, Modbus meter, journal).
 * The command the systemd unit starts. An invalid config exits 78 before any hardware is touched.
 */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run the station on its hardware (GPIO pilot and contactor, Modbus meter); the systemd service command')
    .requiredOption('--config <file>', 'JSON config file with gpio and meter sections')
    .option('--state-dir <dir>', 'folder of the journal (overrides journal.stateDir; the unit passes /var/lib/evse)')
    .action(async (opts: { config: string; stateDir?: string }) => {
      const config = loadConfigFile(opts.config);
      requireHardwareConfig(config, opts.config);
      const logger = createLogger();
      await runStation(config, opts.config, { logger, ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) });
    });
}
