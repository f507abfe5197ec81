import { InvalidArgumentError, type Command } from 'commander';
import { namespaceUnavailable } from '../../simulator/board/index.js';
import { findScenario, scenarios } from './sim/scenarios.js';
import { loadConfigFile } from '../config/load.js';
import { EvseError, EvseErrorCode, ExitCode } from '../errors.js';
import { hasSocat } from '../../simulator/modbus/pty-pair.js';
import { readConfigInput, runBoardSim } from './board-sim/run-board-sim.js';

interface BoardSimOptions {
  config: string;
  scenario: string;
  speed: number;
  json?: boolean;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`must be a number > 0, got "${value}"`);
  return n;
}

/**
 * `evse board-sim`: the bench in a box. The real daemon (`evse run`, a child process in a private mount namespace) on
 * the virtual board, its meter over a socat pty pair, its uplink on a bench CSMS; a scenario drives the EV on the board
 * and the station through the CSMS (a tap is RemoteStart/RemoteStopTransaction). Prints what `evse sim --json` prints.
 */
export function registerBoardSimCommand(program: Command): void {
  program
    .command('board-sim')
    .description('run the real daemon on the virtual board through a scenario (needs root and socat)')
    .requiredOption('--config <file>', 'JSON config file; its gpio section (required) wires the board')
    .option('--scenario <name>', `one of: ${scenarios.map((s) => s.name).join(', ')}`, 'basic')
    .option('--speed <n>', 'scenario waits and EV/energy physics run this much faster; the daemon runs in real time', positiveNumber, 60)
    .option('--json', 'print a JSON summary at the end (log lines go to stderr)')
    .action(async (opts: BoardSimOptions) => {
      const scenario = findScenario(opts.scenario);
      if (!scenario || scenario.endless) {
        throw new EvseError(
          EvseErrorCode.UnknownScenario,
          `unknown scenario "${opts.scenario}"; valid scenarios: ${scenarios.filter((s) => !s.endless).map((s) => s.name).join(', ')}`,
        );
      }
      const config = loadConfigFile(opts.config);
      const gpio = config.gpio;
      if (gpio === undefined) {
        throw new EvseError(EvseErrorCode.ConfigInvalid, `${opts.config}: gpio: required by evse board-sim (it wires the virtual board and the daemon's pins)`);
      }
      const missing = namespaceUnavailable() ?? (hasSocat() ? null : "needs 'socat' for the meter's pty pair (apt-get install -y socat)");
      if (missing !== null) {
        process.stderr.write(`evse board-sim: ${missing}\n`);
        process.exitCode = ExitCode.Unavailable;
        return;
      }
      const write = (line: string): void => {
        (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
      };
      write(`evse board-sim: scenario ${scenario.name} — ${scenario.description} (speed ×${opts.speed})`);
      const result = await runBoardSim({ scenario, config: { ...config, gpio }, configInput: readConfigInput(opts.config), speed: opts.speed, out: write });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        for (const s of result.sessions) {
          write(
            `session ${s.sessionId}: ${s.energyWh ?? '?'} Wh, ${s.startedAt} → ${s.stoppedAt ?? 'open'}, ${s.stopReason ?? 'not stopped'}${s.faults.length ? `, faults: ${s.faults.join(', ')}` : ''}`,
          );
        }
        write(`daemon exit ${result.daemon.exitCode ?? result.daemon.signal ?? '?'}, relay ${result.daemon.relayInactiveAfterExit ? 'inactive' : 'ACTIVE'}`);
        write(result.problems.length === 0 ? 'scenario done' : `scenario problems:\n  ${result.problems.join('\n  ')}`);
      }
      if (result.problems.length > 0) process.exitCode = ExitCode.Failure;
    });
}
