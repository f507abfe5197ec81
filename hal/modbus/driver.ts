import type { Logger } from 'pino';
import { MeterReadError, type EnergyMeter, type MeterErrorKind, type MeterSample, type PhaseReading } from '../meter.js';
import type { ModbusMeterConfig } from './config.js';
import { ModbusBus } from './bus.js';
import type { ByteLink } from './link.js';
import { registerMapFor } from './maps/index.js';
import { computePollPlan, decodeBlock, type PollBlock } from './poll-plan.js';
import type { MeterQuantity, RegisterMap } from './register-map.js';
import type { RtuClientPort } from './rtu-port.js';
import { openSerialLink } from './serial-link.js';

/** Platform pieces the driver uses, injected so tests and the simulator can supply their own. */
export interface ModbusMeterDeps {
  /** A ready byte link (the simulator's virtual link). Without it the driver opens `config.port` with serialport. */
  readonly link?: ByteLink;
  /**
   * A bus shared with other devices on the same line (the mains meter beside the EV meter, each with its own unit id):
   * requests then take turns on it. Without it the meter opens a line of its own.
   */
  readonly bus?: ModbusBus;
  /** Wall clock for `readAtMs`, epoch ms UTC. */
  readonly nowMs?: () => number;
  /**
   * Silence kept between an answer and the next request (t3.5). Defaults to t3.5 at the configured baud; the virtual
   * link already counts the gap when it emulates line timing, so it passes 0.
   */
  readonly interFrameGapMs?: number;
  readonly logger?: Logger;
}

/** Counters per outcome: each failed request by kind (retries included), `ok` per sample delivered. */
export type MeterStats = Record<MeterErrorKind | 'ok', number>;

/** t3.5 of Modbus RTU: 3.5 characters of 11 bits up to 19200 baud, 1.75 ms above. */
export function interFrameGapMs(baudRate: number): number {
  return baudRate > 19_200 ? 1.75 : (3.5 * 11 * 1000) / baudRate;
}

function isTimeout(err: unknown): boolean {
  // modbus-serial marks its transaction timeout with errno ETIMEDOUT (a code, not message text).
  return typeof err === 'object' && err !== null && (err as { errno?: unknown }).errno === 'ETIMEDOUT';
}

/**
 * The Modbus RTU energy meter driver (modbus-serial over serialport or any {@link ByteLink}).
 *
 * One `read()` runs the poll plan (contiguous registers merged into block reads, computed once from the map), retries a
 * failed request `config.retries` times, and decodes numbers only from frames that passed length, CRC, unit id and
 * function checks. It rejects with {@link MeterReadError}: `timeout`, `crc`, `exception`, `wrong-unit`, `short-frame`
 * (any frame of the wrong length), `port`, or `implausible` for NaN/infinite values, negative energy, or an import
 * register below the last good one.
 *
 * `importWh` is the meter's import register scaled to Wh and rounded to an integer once, here (a float32 kWh register
 * × 1000 then `Math.round`); nothing downstream converts it again.
 */
export class ModbusMeter implements EnergyMeter {
  readonly map: RegisterMap;
  readonly plan: readonly PollBlock[];
  private readonly counters: MeterStats = {
    ok: 0,
    timeout: 0,
    crc: 0,
    exception: 0,
    'wrong-unit': 0,
    'short-frame': 0,
    port: 0,
    implausible: 0,
  };
  private lastGoodImportWh: number | null = null;
  private closed = false;

  private constructor(
    private readonly config: ModbusMeterConfig,
    private readonly bus: ModbusBus,
    private readonly nowMs: () => number,
    private readonly logger: Logger | undefined,
  ) {
    this.map = registerMapFor(config.model, config.customMap);
    this.plan = computePollPlan(this.map);
  }

  /**
   * Opens the meter's line and prepares the poll plan. Rejects with the OS error when the serial device cannot be
   * opened, and with RangeError for a register map that cannot be polled.
   */
  static async open(config: ModbusMeterConfig, deps: ModbusMeterDeps = {}): Promise<ModbusMeter> {
    let bus = deps.bus;
    if (bus === undefined) {
      const link =
        deps.link ??
        (await openSerialLink({ path: config.port, baudRate: config.baudRate, parity: config.parity, stopBits: config.stopBits }));
      bus = await ModbusBus.open(link, deps.interFrameGapMs ?? interFrameGapMs(config.baudRate));
    }
    bus.acquire();
    return new ModbusMeter(config, bus, deps.nowMs ?? (() => Date.now()), deps.logger?.child({ module: 'modbus-meter', unitId: config.unitId }));
  }

  /** Reads one fresh sample (see the class comment for the error kinds). */
  async read(): Promise<MeterSample> {
    if (this.closed) throw this.count(new MeterReadError('port', 'meter is closed'));
    const values = new Map<MeterQuantity, number>();
    for (const block of this.plan) {
      const registers = await this.readBlock(block);
      for (const [quantity, value] of decodeBlock(block, registers)) values.set(quantity, value);
    }
    const sample = this.assemble(values);
    this.lastGoodImportWh = sample.importWh;
    this.counters.ok += 1;
    return sample;
  }

  /** Counters since open. */
  stats(): MeterStats {
    return { ...this.counters };
  }

  /** Bytes received outside any exchange (late answers, noise), for diagnostics. */
  strayBytes(): number {
    return this.bus.port.strayByteCount();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.bus.release();
  }

  private count(err: MeterReadError): MeterReadError {
    this.counters[err.kind] += 1;
    return err;
  }

  private async readBlock(block: PollBlock): Promise<Uint8Array> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.transact(block);
      } catch (err) {
        const failure = this.count(
          err instanceof MeterReadError ? err : new MeterReadError('port', err instanceof Error ? err.message : String(err)),
        );
        this.logger?.debug({ kind: failure.kind, start: block.start, count: block.count, attempt }, 'meter request failed');
        if (attempt >= this.config.retries || this.closed) throw failure;
      }
    }
  }

  /** One request on the bus, in this meter's turn (the line may be shared with another device). */
  private transact(block: PollBlock): Promise<Uint8Array> {
    return this.bus.exchange(String(this.config.unitId), async ({ client, port }) => {
      client.setID(this.config.unitId);
      client.setTimeout(this.config.timeoutMs);
      let result: { buffer: Buffer };
      try {
        result =
          block.functionCode === 4
            ? await client.readInputRegisters(block.start, block.count)
            : await client.readHoldingRegisters(block.start, block.count);
      } catch (err) {
        throw this.failureOf(err, block, port);
      }
      const verdict = port.lastVerdict();
      if (verdict?.kind !== 'ok' || result.buffer.length !== block.count * 2) {
        throw new MeterReadError('short-frame', `answer to ${block.count} registers at ${block.start} did not pass the frame checks`);
      }
      return new Uint8Array(result.buffer.buffer, result.buffer.byteOffset, result.buffer.byteLength);
    });
  }

  private failureOf(err: unknown, block: PollBlock, port: RtuClientPort): MeterReadError {
    const where = `${block.count} registers at ${block.start} (unit ${this.config.unitId})`;
    const verdict = port.lastVerdict();
    if (verdict !== null && verdict.kind !== 'ok') {
      const detail = verdict.kind === 'exception' ? ` code ${verdict.exceptionCode}` : '';
      return new MeterReadError(verdict.kind, `${verdict.kind}${detail} reading ${where}`);
    }
    if (isTimeout(err)) {
      return port.pendingBytes() > 0
        ? new MeterReadError('short-frame', `only ${port.pendingBytes()} bytes of the answer to ${where} within ${this.config.timeoutMs} ms`)
        : new MeterReadError('timeout', `no answer to ${where} within ${this.config.timeoutMs} ms`);
    }
    return new MeterReadError('port', `reading ${where}: ${err instanceof Error ? err.message : String(err)}`);
  }

  private assemble(values: ReadonlyMap<MeterQuantity, number>): MeterSample {
    for (const [quantity, value] of values) {
      if (!Number.isFinite(value)) throw this.count(new MeterReadError('implausible', `${quantity} decoded as ${value}`));
    }
    const get = (q: MeterQuantity): number => {
      const v = values.get(q);
      if (v === undefined) throw new RangeError(`${this.map.name} has no ${q}`);
      return v;
    };
    const totalPowerW = get('totalPower');
    const phase = (n: 1 | 2 | 3): PhaseReading => ({
      voltageV: get(`voltageL${n}`),
      currentA: get(`currentL${n}`),
      powerW: values.get(`powerL${n}`) ?? totalPowerW,
    });
    const importWh = Math.round(get('importEnergy'));
    if (importWh < 0) throw this.count(new MeterReadError('implausible', `import energy register is negative: ${importWh} Wh`));
    if (this.lastGoodImportWh !== null && importWh < this.lastGoodImportWh) {
      throw this.count(
        new MeterReadError('implausible', `import energy went backwards from ${this.lastGoodImportWh} Wh to ${importWh} Wh`),
      );
    }
    return {
      phases: this.map.phases === 1 ? [phase(1)] : [phase(1), phase(2), phase(3)],
      totalPowerW,
      importWh,
      frequencyHz: values.get('frequency') ?? null,
      readAtMs: this.nowMs(),
    };
  }
}
