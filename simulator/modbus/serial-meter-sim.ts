import { z } from 'zod';
import { builtInMeterModels, parities } from '../../hal/modbus/config.js';
import { builtInMaps } from '../../hal/modbus/maps/index.js';
import { openSerialLink } from '../../hal/modbus/serial-link.js';
import { createDemoMeterModel } from './demo-meter-model.js';
import { ModbusRtuSlave, slaveFaults, type SlaveFault } from './rtu-slave.js';

/** Options of `evse meter-sim`, validated at the edge. */
export const serialMeterSimOptionsSchema = z
  .object({
    port: z.string().min(1),
    model: z.enum(builtInMeterModels).default('sdm630'),
    unitId: z.number().int().min(1).max(247).default(1),
    baudRate: z.number().int().min(2400).max(38_400).default(9600),
    parity: z.enum(parities).default('none'),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
    answerDelayMs: z.number().int().min(0).max(5000).default(0),
    fault: z.enum(slaveFaults).nullable().default(null),
  })
  .strict();
export type SerialMeterSimOptions = z.output<typeof serialMeterSimOptionsSchema>;

/** A simulated meter answering on a real serial device. */
export interface SerialMeterSim {
  readonly slave: ModbusRtuSlave;
  close(): Promise<void>;
}

/**
 * Opens `options.port` and serves the model's register map from a small built-in meter model (see
 * demo-meter-model.ts) until closed. Rejects with the OS error when the device cannot be opened.
 */
export async function startSerialMeterSim(options: SerialMeterSimOptions): Promise<SerialMeterSim> {
  const map = builtInMaps[options.model];
  const link = await openSerialLink({
    path: options.port,
    baudRate: options.baudRate,
    parity: options.parity,
    stopBits: options.stopBits,
  });
  const source = createDemoMeterModel({ phases: map.phases, monotonicMs: () => performance.now(), nowMs: () => Date.now() });
  const slave = new ModbusRtuSlave(link, { map, unitId: options.unitId, source, answerDelayMs: options.answerDelayMs });
  slave.setFault(options.fault);
  return { slave, close: () => slave.close() };
}

/** Help text of the control lines `evse meter-sim` reads on stdin. */
export const controlLineHelp = `control lines on stdin while it runs:
  fault <name>   switch a fault on; name is one of
                 ${slaveFaults.join(', ')}
  fault none     back to healthy answers
  status         print the fault and the request count`;

/**
 * Applies one control line to the running slave and returns the reply to print. Unknown lines get a reply naming
 * the bad input and the valid ones; they change nothing.
 */
export function applyControlLine(line: string, slave: ModbusRtuSlave): string {
  const words = line.trim().split(/\s+/).filter((w) => w.length > 0);
  if (words.length === 0) return '';
  if (words[0] === 'status' && words.length === 1) {
    return `fault ${slave.fault() ?? 'none'}, ${slave.requests()} requests`;
  }
  if (words[0] === 'fault' && words.length === 2) {
    const name = words[1] ?? '';
    if (name === 'none') {
      slave.setFault(null);
      return 'fault none';
    }
    if ((slaveFaults as readonly string[]).includes(name)) {
      slave.setFault(name as SlaveFault);
      return `fault ${name}`;
    }
    return `unknown fault ${JSON.stringify(name)}; one of none, ${slaveFaults.join(', ')}`;
  }
  return `unknown command ${JSON.stringify(line.trim())}; "fault <name>", "fault none" or "status"`;
}
