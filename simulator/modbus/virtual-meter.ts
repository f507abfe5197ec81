import type { MeterSample } from '../../hal/meter.js';
import { modbusMeterConfigSchema, type CustomMapConfig, type MeterModel } from '../../hal/modbus/config.js';
import { ModbusBus } from '../../hal/modbus/bus.js';
import { ModbusMeter } from '../../hal/modbus/driver.js';
import { registerMapFor } from '../../hal/modbus/maps/index.js';
import { ModbusRtuSlave, type ModbusSlaveControl } from './rtu-slave.js';
import { multidrop } from './multidrop.js';
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
  const line = await createVirtualModbusLine([{ source, model: opts.model, customMap: opts.customMap, unitId: opts.unitId ?? 1 }], opts);
  const [device] = line.devices;
  if (device === undefined) throw new Error('unreachable: one device asked for');
  return { meter: device.meter, slave: device.slave, close: () => line.close() };
}

/** One simulated meter on a shared line: its model, unit id and what it measures. */
export interface VirtualLineDevice {
  readonly source: () => MeterSample;
  readonly model: MeterModel;
  readonly customMap?: CustomMapConfig;
  readonly unitId: number;
}

/** Several meters on one virtual RS-485 line, read by real drivers sharing one bus (one request at a time). */
export interface VirtualModbusLine {
  readonly devices: readonly { readonly meter: ModbusMeter; readonly slave: ModbusSlaveControl }[];
  close(): Promise<void>;
}

/**
 * Several simulated meters on one virtual line (the EV meter and the mains meter of load management): every meter
 * hears every byte and answers its own unit id; on the station's side one {@link ModbusBus} carries the real drivers'
 * requests in turn, as on a real shared RS-485 pair.
 */
export async function createVirtualModbusLine(
  devices: readonly VirtualLineDevice[],
  opts: Omit<VirtualModbusMeterOptions, 'model' | 'customMap' | 'unitId'>,
): Promise<VirtualModbusLine> {
  const ids = devices.map((d) => d.unitId);
  if (new Set(ids).size !== ids.length) throw new RangeError(`two meters with one unit id on one line: ${ids.join(', ')}`);
  const baudRate = opts.baudRate ?? 9600;
  const line = createVirtualLinkPair({ baudRate, emulateLineTiming: opts.emulateLineTiming ?? false });
  const slaveLinks = devices.length === 1 ? [line.slave] : multidrop(line.slave, devices.length);
  // The emulated line already keeps t3.5 before the driver sees an answer; without emulation there is no line.
  const bus = await ModbusBus.open(line.master, 0);
  const opened: { meter: ModbusMeter; slave: ModbusRtuSlave }[] = [];
  for (const [i, device] of devices.entries()) {
    const config = modbusMeterConfigSchema.parse({
      driver: 'modbus',
      port: 'virtual',
      model: device.model,
      customMap: device.customMap,
      unitId: device.unitId,
      baudRate,
      timeoutMs: opts.timeoutMs,
      retries: opts.retries,
    });
    const link = slaveLinks[i];
    if (link === undefined) throw new Error('unreachable: one link per device');
    const slave = new ModbusRtuSlave(link, {
      map: registerMapFor(config.model, config.customMap),
      unitId: device.unitId,
      source: device.source,
      answerDelayMs: opts.answerDelayMs ?? 0,
    });
    const meter = await ModbusMeter.open(config, { bus, ...(opts.nowMs ? { nowMs: opts.nowMs } : {}) });
    opened.push({ meter, slave });
  }
  return {
    devices: opened,
    close: async () => {
      for (const d of opened) await d.meter.close();
      for (const d of opened) await d.slave.close();
      await line.close();
    },
  };
}
