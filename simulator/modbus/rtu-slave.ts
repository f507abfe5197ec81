import type { MeterSample } from '../../hal/meter.js';
import { hasValidCrc, withCrc } from '../../hal/modbus/crc.js';
import { decodeReadRequest, type ReadRequest } from '../../hal/modbus/frame.js';
import type { ByteLink } from '../../hal/modbus/link.js';
import type { RegisterMap } from '../../hal/modbus/register-map.js';
import { registerImage } from './register-image.js';

/** Faults the simulated meter can show while it runs. */
export const slaveFaults = ['no-answer', 'bad-crc', 'exception', 'wrong-unit', 'short-frame', 'frozen', 'energy-reset'] as const;
export type SlaveFault = (typeof slaveFaults)[number];

/** Run-time control of a simulated meter. */
export interface ModbusSlaveControl {
  /**
   * Switches the fault shown from the next request on (null: healthy).
   * - `no-answer`: requests are ignored; `bad-crc`: the answer's CRC is flipped; `exception`: exception 0x04 (slave
   *   device failure); `wrong-unit`: the answer carries another unit id; `short-frame`: a well-formed answer (valid CRC)
   *   with half the registers asked for; `frozen`: every value stays at the moment the fault was set;
   *   `energy-reset`: the import register restarts from 0 (counting on), as after a meter reset.
   */
  setFault(fault: SlaveFault | null): void;
  fault(): SlaveFault | null;
  /** Well-formed requests addressed to this unit so far. */
  requests(): number;
}

export interface ModbusRtuSlaveOptions {
  readonly map: RegisterMap;
  readonly unitId: number;
  /** The meter model: called once per request for a fresh sample. */
  readonly source: () => MeterSample;
  /** Latency before answering (a real meter takes tens of ms). */
  readonly answerDelayMs?: number;
}

/** Exception codes of the Modbus application protocol the simulator uses. */
const illegalFunction = 0x01;
const illegalDataAddress = 0x02;
const illegalDataValue = 0x03;
const slaveDeviceFailure = 0x04;
/** Request bytes older than this when new ones arrive are a broken frame, not the start of the next. */
const staleRequestBytesMs = 100;

/**
 * A Modbus RTU slave serving a register map from a meter model, over any {@link ByteLink} (virtual link or a serial
 * device). Answers functions 0x03/0x04 only (whichever the map uses). Reads of unmapped registers inside a block that
 * touches a mapped one return 0; a block with no mapped register gets exception 0x02, one above the map's
 * per-request maximum exception 0x03. Requests for other unit ids are ignored, as on a shared bus.
 */
export class ModbusRtuSlave implements ModbusSlaveControl {
  private buffer = new Uint8Array(0);
  private lastByteAtMs = 0;
  private currentFault: SlaveFault | null = null;
  private frozenSample: MeterSample | null = null;
  private energyOffsetWh = 0;
  private requestCount = 0;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private closed = false;

  constructor(
    private readonly link: ByteLink,
    private readonly options: ModbusRtuSlaveOptions,
  ) {
    link.onData((chunk) => this.receive(chunk));
  }

  setFault(fault: SlaveFault | null): void {
    this.frozenSample = fault === 'frozen' ? this.options.source() : null;
    this.energyOffsetWh = fault === 'energy-reset' ? this.options.source().importWh : 0;
    this.currentFault = fault;
  }

  fault(): SlaveFault | null {
    return this.currentFault;
  }

  requests(): number {
    return this.requestCount;
  }

  /** Stops answering and closes the link. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.link.close();
  }

  private receive(chunk: Uint8Array): void {
    const now = performance.now();
    const keep = now - this.lastByteAtMs > staleRequestBytesMs ? new Uint8Array(0) : this.buffer;
    this.lastByteAtMs = now;
    const joined = new Uint8Array(keep.length + chunk.length);
    joined.set(keep, 0);
    joined.set(chunk, keep.length);
    let rest = joined;
    // Every request we answer is 8 bytes (unit, function, address, count, CRC); anything else is skipped a byte at a
    // time until a frame with a valid CRC lines up.
    while (rest.length >= 8) {
      const frame = rest.subarray(0, 8);
      if (hasValidCrc(frame)) {
        this.handle(decodeReadRequest(frame));
        rest = rest.subarray(8);
      } else {
        rest = rest.subarray(1);
      }
    }
    this.buffer = rest.slice();
  }

  private handle(req: ReadRequest): void {
    if (req.unitId !== this.options.unitId || this.closed) return;
    this.requestCount += 1;
    const fault = this.currentFault;
    if (fault === 'no-answer') return;
    const answer = this.answer(req, fault);
    const delay = this.options.answerDelayMs ?? 0;
    if (delay <= 0) {
      this.link.write(answer);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) this.link.write(answer);
    }, delay);
    this.timers.add(timer);
  }

  private answer(req: ReadRequest, fault: SlaveFault | null): Uint8Array {
    const unitId = fault === 'wrong-unit' ? (this.options.unitId % 247) + 1 : this.options.unitId;
    const exception = (code: number): Uint8Array => withCrc(Uint8Array.of(unitId, req.functionCode | 0x80, code));
    if (fault === 'exception') return exception(slaveDeviceFailure);
    const { map } = this.options;
    if (req.functionCode !== map.functionCode) return exception(illegalFunction);
    if (req.count < 1 || req.count > map.maxRegistersPerRequest) return exception(illegalDataValue);
    if (req.start + req.count > 0x10000) return exception(illegalDataAddress);
    const image = registerImage(map, this.sample(fault));
    let touchesMap = false;
    const served = fault === 'short-frame' ? Math.max(1, Math.floor(req.count / 2)) : req.count;
    const body = new Uint8Array(3 + 2 * served);
    body[0] = unitId;
    body[1] = req.functionCode;
    body[2] = 2 * served;
    for (let i = 0; i < req.count; i++) {
      const word = image.get(req.start + i);
      if (word !== undefined) touchesMap = true;
      if (i < served) {
        body[3 + 2 * i] = (word ?? 0) >>> 8;
        body[4 + 2 * i] = (word ?? 0) & 0xff;
      }
    }
    if (!touchesMap) return exception(illegalDataAddress);
    const frame = withCrc(body);
    if (fault === 'bad-crc') frame[frame.length - 1] = (frame[frame.length - 1] ?? 0) ^ 0xff;
    return frame;
  }

  private sample(fault: SlaveFault | null): MeterSample {
    if (fault === 'frozen' && this.frozenSample !== null) return this.frozenSample;
    const sample = this.options.source();
    if (fault === 'energy-reset') return { ...sample, importWh: Math.max(0, sample.importWh - this.energyOffsetWh) };
    return sample;
  }
}
