import { z } from 'zod';
import { builtInMeterModels, parities } from '../../hal/modbus/config.js';
import { builtInMaps } from '../../hal/modbus/maps/index.js';
import { openSerialLink } from '../../hal/modbus/serial-link.js';
import { ModbusRtuSlave } from '../modbus/rtu-slave.js';
import type { VirtualBoard } from './virtual-board.js';

/** Options of {@link startBoardSerialMeter}; a bad one names the field. */
export const boardSerialMeterOptionsSchema = z
  .object({
    /** The serial device, e.g. one end of `socat -d -d pty,raw,echo=0 pty,raw,echo=0`. */
    port: z.string().min(1),
    model: z.enum(builtInMeterModels).default('sdm630'),
    unitId: z.number().int().min(1).max(247).default(1),
    baudRate: z.number().int().min(2400).max(38_400).default(9600),
    parity: z.enum(parities).default('none'),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
    /** A real meter answers in tens of ms. */
    answerDelayMs: z.number().int().min(0).max(5000).default(20),
  })
  .strict();
export type BoardSerialMeterOptions = z.input<typeof boardSerialMeterOptionsSchema>;

/** The board's meter answering on a serial device. */
export interface BoardSerialMeter {
  /** Run-time faults (no-answer, bad-crc …) and the request count. */
  readonly slave: ModbusRtuSlave;
  close(): Promise<void>;
}

/**
 * Serves the board's meter (what flows through the contactor's real contacts) as a Modbus RTU slave on a serial
 * device, with the register map of `model`. Built on ModbusRtuSlave directly: `evse meter-sim` serves its own demo
 * model and takes no source. Rejects with the OS error when the device cannot be opened.
 */
export async function startBoardSerialMeter(board: VirtualBoard, options: BoardSerialMeterOptions): Promise<BoardSerialMeter> {
  const parsed = boardSerialMeterOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RangeError(`board serial meter option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const o = parsed.data;
  const link = await openSerialLink({ path: o.port, baudRate: o.baudRate, parity: o.parity, stopBits: o.stopBits });
  const slave = new ModbusRtuSlave(link, {
    map: builtInMaps[o.model],
    unitId: o.unitId,
    source: () => board.meterSample(),
    answerDelayMs: o.answerDelayMs,
  });
  return { slave, close: () => slave.close() };
}
