import type { GpioConstructor, GpioPin } from '../../../../hal/gpio/lines.js';

/** What a fake line remembers. */
export interface FakeLineState {
  direction: 'in' | 'out' | 'high' | 'low';
  /** Raw pin level: what an input sees, or what an output drives. */
  level: 0 | 1;
  exported: boolean;
  writes: Array<0 | 1>;
  failReads: boolean;
  failWrites: boolean;
}

/**
 * A board of fake GPIO lines with onoff's constructor shape. Tests set input levels with `set`, read outputs with
 * `level`, and make a line busy (EBUSY on export, as the kernel does when another driver holds it) with `busy`.
 */
export class FakeGpioBoard {
  readonly lines = new Map<number, FakeLineState>();
  private readonly busyNumbers = new Set<number>();
  /** Raw levels set before a line is opened (the outside world). */
  private readonly presets = new Map<number, 0 | 1>();
  readonly Gpio: GpioConstructor;

  constructor() {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the fake class needs the board it belongs to
    const board = this;
    this.Gpio = class FakeGpio implements GpioPin {
      private readonly state: FakeLineState;

      constructor(
        private readonly gpio: number,
        direction: 'in' | 'out' | 'high' | 'low',
      ) {
        if (board.busyNumbers.has(gpio)) {
          throw Object.assign(new Error(`EBUSY: resource busy or locked, write`), { code: 'EBUSY' });
        }
        const level: 0 | 1 = direction === 'high' ? 1 : direction === 'low' || direction === 'out' ? 0 : board.presets.get(gpio) ?? 0;
        this.state = { direction, level, exported: true, writes: [], failReads: false, failWrites: false };
        board.lines.set(gpio, this.state);
      }

      readSync(): 0 | 1 {
        if (this.state.failReads) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
        return this.state.level;
      }

      writeSync(value: 0 | 1): void {
        if (this.state.failWrites) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
        this.state.level = value;
        this.state.writes.push(value);
      }

      unexport(): void {
        this.state.exported = false;
        void this.gpio;
      }
    };
  }

  busy(sysfsNumber: number): void {
    this.busyNumbers.add(sysfsNumber);
  }

  /** Sets the raw level an input sees (before or after it is opened). */
  set(sysfsNumber: number, level: 0 | 1): void {
    this.presets.set(sysfsNumber, level);
    const line = this.lines.get(sysfsNumber);
    if (line) line.level = level;
  }

  line(sysfsNumber: number): FakeLineState {
    const line = this.lines.get(sysfsNumber);
    if (!line) throw new Error(`gpio${sysfsNumber} was never opened`);
    return line;
  }

  level(sysfsNumber: number): 0 | 1 {
    return this.line(sysfsNumber).level;
  }
}
