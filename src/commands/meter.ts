import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { MeterReadError, type MeterSample } from '../../hal/meter.js';
import { builtInMeterModels, meterModels, modbusMeterConfigSchema, parities } from '../../hal/modbus/config.js';
import { ModbusMeter } from '../../hal/modbus/driver.js';
import {
  applyControlLine,
  controlLineHelp,
  serialMeterSimOptionsSchema,
  startSerialMeterSim,
} from '../../simulator/modbus/serial-meter-sim.js';
import { describeIssues } from '../config/load.js';
import { EvseError, EvseErrorCode, ExitCode } from '../errors.js';

interface MeterReadFlags {
  port: string;
  model: string;
  unit: string;
  baud: string;
  parity: string;
  stopBits: string;
  timeout: string;
  map?: string;
  json?: boolean;
}

interface MeterSimFlags {
  port: string;
  model: string;
  unit: string;
  baud: string;
  parity: string;
  stopBits: string;
  answerDelay: string;
  fault?: string;
}

/** A number flag as given; a non-number stays NaN so the schema names the flag and the bad value. */
const num = (text: string): number => (text.trim() === '' ? Number.NaN : Number(text));

function invalid(what: string, error: import('zod').ZodError, input: unknown): EvseError {
  return new EvseError(EvseErrorCode.InvalidArgument, `${what}:\n  ${describeIssues(error, input).join('\n  ')}`);
}

/** One line per quantity, for an installer at the meter cabinet. */
export function formatSample(sample: MeterSample): string {
  const lines = sample.phases.map(
    (p, i) => `L${i + 1}: ${p.voltageV.toFixed(1)} V  ${p.currentA.toFixed(2)} A  ${p.powerW.toFixed(0)} W`,
  );
  lines.push(`total power: ${sample.totalPowerW.toFixed(0)} W`);
  lines.push(`import energy: ${sample.importWh} Wh (${(sample.importWh / 1000).toFixed(3)} kWh)`);
  lines.push(`frequency: ${sample.frequencyHz === null ? 'n/a' : `${sample.frequencyHz.toFixed(2)} Hz`}`);
  lines.push(`read at: ${new Date(sample.readAtMs).toISOString()}`);
  return `${lines.join('\n')}\n`;
}

async function meterRead(flags: MeterReadFlags): Promise<void> {
  let customMap: unknown;
  if (flags.map !== undefined) {
    try {
      customMap = JSON.parse(readFileSync(flags.map, 'utf8'));
    } catch (err) {
      throw new EvseError(EvseErrorCode.InvalidArgument, `--map ${flags.map}: ${(err as Error).message}`, { cause: err });
    }
  }
  const input = {
    driver: 'modbus',
    port: flags.port,
    model: flags.model,
    unitId: num(flags.unit),
    baudRate: num(flags.baud),
    parity: flags.parity,
    stopBits: num(flags.stopBits),
    timeoutMs: num(flags.timeout),
    retries: 1,
    ...(customMap === undefined ? {} : { customMap }),
  };
  const parsed = modbusMeterConfigSchema.safeParse(input);
  // Errors quote the flags as typed ("x"), not the NaN they became.
  const shown = { ...input, unitId: flags.unit, baudRate: flags.baud, stopBits: flags.stopBits, timeoutMs: flags.timeout };
  if (!parsed.success) throw invalid('invalid meter options', parsed.error, shown);
  let meter: ModbusMeter;
  try {
    meter = await ModbusMeter.open(parsed.data);
  } catch (err) {
    throw new EvseError(EvseErrorCode.DriverFailure, `cannot open ${flags.port}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const sample = await meter.read();
    process.stdout.write(flags.json ? `${JSON.stringify(sample)}\n` : `${meter.map.name}, unit ${parsed.data.unitId}\n${formatSample(sample)}`);
  } catch (err) {
    if (!(err instanceof MeterReadError)) throw err;
    process.stderr.write(`evse: meter read failed (${err.kind}): ${err.message}\n`);
    process.exitCode = ExitCode.Unavailable;
  } finally {
    await meter.close();
  }
}

async function meterSim(flags: MeterSimFlags): Promise<void> {
  const input = {
    port: flags.port,
    model: flags.model,
    unitId: num(flags.unit),
    baudRate: num(flags.baud),
    parity: flags.parity,
    stopBits: num(flags.stopBits),
    answerDelayMs: num(flags.answerDelay),
    fault: flags.fault === undefined || flags.fault === 'none' ? null : flags.fault,
  };
  const parsed = serialMeterSimOptionsSchema.safeParse(input);
  const shown = { ...input, unitId: flags.unit, baudRate: flags.baud, stopBits: flags.stopBits, answerDelayMs: flags.answerDelay };
  if (!parsed.success) throw invalid('invalid meter-sim options', parsed.error, shown);
  const opts = parsed.data;
  let sim;
  try {
    sim = await startSerialMeterSim(opts);
  } catch (err) {
    throw new EvseError(EvseErrorCode.DriverFailure, `cannot open ${opts.port}: ${(err as Error).message}`, { cause: err });
  }
  process.stdout.write(
    `meter-sim: ${opts.model} unit ${opts.unitId} on ${opts.port} at ${opts.baudRate} baud, parity ${opts.parity}, ` +
      `${opts.stopBits} stop bit(s); fault ${opts.fault ?? 'none'}\n`,
  );
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (line) => {
    const reply = applyControlLine(line, sim.slave);
    if (reply !== '') process.stdout.write(`${reply}\n`);
  });
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  lines.close();
  await sim.close();
  process.stdout.write(`meter-sim: stopped after ${sim.slave.requests()} requests\n`);
}

/** `evse meter read` (one sample from a real meter) and `evse meter-sim` (a simulated meter on a serial device). */
export function registerMeterCommands(program: Command): void {
  const meter = program.command('meter').description('work with the Modbus RTU energy meter');
  meter
    .command('read')
    .description('read one sample from a meter on a serial line and print it (exit 69 when the meter does not answer well)')
    .requiredOption('--port <path>', 'serial device, e.g. /dev/ttyUSB0')
    .requiredOption('--model <model>', `meter model: ${meterModels.join(', ')}`)
    .option('--unit <id>', 'Modbus unit id 1-247', '1')
    .option('--baud <rate>', 'baud rate 2400-38400', '9600')
    .option('--parity <parity>', `parity: ${parities.join(', ')}`, 'none')
    .option('--stop-bits <n>', 'stop bits 1 or 2', '1')
    .option('--timeout <ms>', 'answer timeout per request', '500')
    .option('--map <file>', 'JSON register map for --model custom (see hal/modbus/README.md)')
    .option('--json', 'print the sample as one JSON line')
    .action((flags: MeterReadFlags) => meterRead(flags));

  program
    .command('meter-sim')
    .description('serve a simulated meter on a serial device (e.g. one end of a socat pty pair) until SIGINT/SIGTERM')
    .requiredOption('--port <path>', 'serial device to answer on')
    .option('--model <model>', `register map to serve: ${builtInMeterModels.join(', ')}`, 'sdm630')
    .option('--unit <id>', 'Modbus unit id 1-247', '1')
    .option('--baud <rate>', 'baud rate 2400-38400', '9600')
    .option('--parity <parity>', `parity: ${parities.join(', ')}`, 'none')
    .option('--stop-bits <n>', 'stop bits 1 or 2', '1')
    .option('--answer-delay <ms>', 'latency before each answer', '0')
    .option('--fault <name>', 'start with this fault (see below)')
    .addHelpText('after', `\n${controlLineHelp}\n`)
    .action((flags: MeterSimFlags) => meterSim(flags));
}
