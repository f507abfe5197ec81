import modbusSerial from 'modbus-serial';
import type { ByteLink } from './link.js';
import { RtuClientPort } from './rtu-port.js';

// modbus-serial is CommonJS: see driver.ts.
const ModbusRTU = modbusSerial.default;
export type ModbusClient = InstanceType<typeof ModbusRTU>;

/** What one exchange on the bus may use: the client (its unit id and timeout are set per exchange) and the port. */
export interface BusExchange {
  readonly client: ModbusClient;
  readonly port: RtuClientPort;
}

/**
 * One RS-485 line shared by several Modbus devices (the EV meter and the mains meter, each with its own unit id).
 *
 * RTU is half-duplex with one master: a request and its answer must finish, and the line stay silent for t3.5, before
 * the next request of any device. {@link exchange} runs one request at a time and shares the line fairly: when it
 * frees, the next device in turn that has a request waiting goes, so a meter polled often cannot starve the other.
 */
export class ModbusBus {
  private readonly waiting = new Map<string, (() => void)[]>();
  private readonly order: string[] = [];
  private lastServed = -1;
  private busy = false;
  private lastAnswerAtMs = Number.NEGATIVE_INFINITY;
  private closed = false;
  private users = 0;

  private constructor(
    readonly client: ModbusClient,
    readonly port: RtuClientPort,
    /** Silence kept between an answer and the next request (t3.5 at the line's baud; 0 when the link counts it). */
    private readonly gapMs: number,
  ) {}

  /** Opens the bus on a byte link (a serial port or the simulator's virtual line). */
  static async open(link: ByteLink, gapMs: number): Promise<ModbusBus> {
    const port = new RtuClientPort(link);
    const client = new ModbusRTU(port);
    await new Promise<void>((resolve, reject) => client.open((err: Error | null) => (err ? reject(err) : resolve())));
    return new ModbusBus(client, port, gapMs);
  }

  /** A device starts using the bus; {@link release} when it is done (the line closes with its last user). */
  acquire(): void {
    this.users += 1;
  }

  /**
   * Runs one exchange for `device` (its unit id as a string, or any stable name) when the line is free and it is that
   * device's turn; the t3.5 silence after the previous answer is kept whoever asked.
   */
  async exchange<T>(device: string, fn: (bus: BusExchange) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the Modbus bus is closed');
    await this.turn(device);
    try {
      const wait = this.lastAnswerAtMs + this.gapMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      return await fn({ client: this.client, port: this.port });
    } finally {
      this.lastAnswerAtMs = performance.now();
      this.busy = false;
      this.next();
    }
  }

  /** A user is done with the bus; the last one closes the line. */
  async release(): Promise<void> {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0 || this.closed) return;
    this.closed = true;
    for (const queue of this.waiting.values()) for (const go of queue.splice(0)) go();
    await new Promise<void>((resolve) => this.client.close(() => resolve()));
  }

  private turn(device: string): Promise<void> {
    if (!this.order.includes(device)) this.order.push(device);
    if (!this.busy) {
      this.busy = true;
      this.lastServed = this.order.indexOf(device);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const queue = this.waiting.get(device) ?? [];
      queue.push(resolve);
      this.waiting.set(device, queue);
    });
  }

  /** Hands the line to the next device after the last one served that has a request waiting (round robin). */
  private next(): void {
    for (let step = 1; step <= this.order.length; step++) {
      const index = (this.lastServed + step) % this.order.length;
      const queue = this.waiting.get(this.order[index] ?? '');
      const go = queue?.shift();
      if (go !== undefined) {
        this.busy = true;
        this.lastServed = index;
        go();
        return;
      }
    }
  }
}
