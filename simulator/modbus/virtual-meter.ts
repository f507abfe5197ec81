import type { MeterSample } from '../../hal/meter.js';
import { modbusMeterConfigSchema, type CustomMapConfig, type MeterModel } from '../../hal/modbus/config.js';
import { ModbusMeter } from '../../hal/modbus/driver.js';
import { registerMapFor } from '../../hal/modbus/maps/index.js';
import { ModbusRtuSlave, type ModbusSlaveControl } from './rtu-slave.js';
import { createVirtualLinkPair } from './virtual-link.js';

export type { ModbusSlaveControl, SlaveFault } from './rtu-slave.js';

/** Options of {@link createVirtualModbusMeter}. */
export interface VirtualModbusMeterOptions {
  readonly model: MeterModel;
  /** Only with model `custom`. */
  readonly customMap?: CustomMapConfig;
  readonly unitId?: number;
  readonly baudRate?: number;
  /** Byte times and t3.5 gaps at `baudRate` (see virtual-link.ts). */
  readonly emulateLineTiming?: boolean;
  /** The simulated meter's latency before it answers. */
  readonly answerDelayMs?: number;
  /** The driver's request timeout and retries (config defaults 500 ms, 1). */
  readonly timeoutMs?: number;
  readonly retries?: number;
  /** Wall clock for the samples' `readAtMs`. */
  readonly nowMs?: () => number;
}

/** The real driver and a simulated meter joined by an in-process line. */
export interface VirtualModbusMeter {
  /** The real Modbus driver: real RTU frames with CRC go over the virtual line. */
  readonly meter: ModbusMeter;
  readonly slave: ModbusSlaveControl;
  /** Closes the driver, the slave and the line. */
  close(): Promise<void>;
}

/**
 * Builds the Modbus path of `evse sim` and the tests: {@link ModbusMeter} ↔ virtual link ↔ {@link ModbusRtuSlave}
 * serving `source()` (the simulator's electrical model) through the register map of `opts.model`. No shortcut: every
 * sample the meter returns was encoded into registers, framed with CRC, and decoded again.
 */
export async function createVirtualModbusMeter(
  source: () => MeterSample,
  opts: VirtualModbusMeterOptions,
): Promise<VirtualModbusMeter> {
  const unitId = opts.unitId ?? 1;
  const baudRate = opts.baudRate ?? 9600;
  const emulateLineTiming = opts.emulateLineTiming ?? false;
  const config = modbusMeterConfigSchema.parse({
    driver: 'modbus',
    port: 'virtual',
    model: opts.model,
    customMap: opts.customMap,
    unitId,
    baudRate,
    timeoutMs: opts.timeoutMs,
    retries: opts.retries,
  });
  const line = createVirtualLinkPair({ baudRate, emulateLineTiming });
  const slave = new ModbusRtuSlave(line.slave, {
    map: registerMapFor(config.model, config.customMap),
    unitId,
    source,
    answerDelayMs: opts.answerDelayMs ?? 0,
  });
  const meter = await ModbusMeter.open(config, {
    link: line.master,
    // The emulated line already keeps t3.5 before the driver sees an answer; without emulation there is no line.
    interFrameGapMs: 0,
    ...(opts.nowMs ? { nowMs: opts.nowMs } : {}),
  });
  return {
    meter,
    slave,
    close: async () => {
      await meter.close();
      await slave.close();
      await line.close();
    },
  };
}
