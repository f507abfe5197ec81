import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EvseError, EvseErrorCode } from '../base/errors.js';
import { resolveLine, type ResolvedLine } from './chip-resolver.js';
import type { GpioLineConfig } from './config.js';

/** The part of onoff's `Gpio` instance the drivers use. onoff's class satisfies it; tests pass a fake. */
export interface GpioPin {
  readSync(): 0 | 1;
  writeSync(value: 0 | 1): void;
  unexport(): void;
}

/** The shape of onoff's `Gpio` constructor (direction `high`/`low` sets an output glitch-free at that raw level). */
export type GpioConstructor = new (
  gpio: number,
  direction: 'in' | 'out' | 'high' | 'low',
  edge?: 'none' | 'rising' | 'falling' | 'both',
  options?: { debounceTimeout?: number; activeLow?: boolean; reconfigureDirection?: boolean },
) => GpioPin;

/**
 * An opened line that speaks in logical levels: `true` = active. The active level is applied here, in software, and
 * never through sysfs `active_low`: sysfs applies `active_low` to `value` but not to the `high`/`low` directions, so
 * mixing them could energise an active-low relay for an instant at startup.
 */
export class GpioLine {
  private released = false;

  constructor(
    /** Config path of the signal, e.g. `contactor.relay`: what errors and logs call the pin. */
    readonly pin: string,
    readonly resolved: ResolvedLine,
    private readonly config: GpioLineConfig,
    private readonly gpio: GpioPin,
    /** False when the line was exported before we opened it (then it is left exported on release). */
    private readonly exportedByUs: boolean,
  ) {}

  /** Reads the logical level. Throws after `release()`. */
  readActive(): boolean {
    if (this.released) throw new EvseError(EvseErrorCode.DriverFailure, `${this.pin}: read after release`);
    return (this.gpio.readSync() === 1) !== this.config.activeLow;
  }

  /**
   * Writes the logical level synchronously. Throws EvseError(DriverFailure) naming the pin. After `release()` it does
   * nothing: onoff has closed the value file, and its descriptor number may already belong to another file (the
   * journal), which a late safe-state write on the way out must never touch.
   */
  writeActive(active: boolean): void {
    if (this.released) return;
    try {
      this.gpio.writeSync(rawLevel(active, this.config.activeLow));
    } catch (err) {
      throw new EvseError(EvseErrorCode.DriverFailure, `${this.pin}: ${describe(this.resolved)}: write failed: ${reason(err)}`, {
        cause: err,
      });
    }
  }

  /** Unexports the line if we exported it. Idempotent; never throws (it runs on the way out). */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (!this.exportedByUs) return;
    try {
      this.gpio.unexport();
    } catch {
      // Nothing useful to do on the way out: the outputs were written safe before.
    }
  }
}

/** Raw pin level for a logical level. */
export function rawLevel(active: boolean, activeLow: boolean): 0 | 1 {
  return active !== activeLow ? 1 : 0;
}

function describe(r: ResolvedLine): string {
  return `${r.chip.deviceName ?? r.chip.sysfsName} (${r.chip.label}) line ${r.line} = sysfs gpio${r.sysfsNumber}`;
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EBUSY':
      return 'line is in use by another driver or process (EBUSY)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code}): is the user in group gpio and is systemd/99-evse-gpio.rules installed?`;
    case 'EINVAL':
      return 'the kernel refused the GPIO number (EINVAL): wrong chip base or line';
    case 'ENOENT':
      return 'sysfs GPIO interface not found (ENOENT)';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/** Where a line's sysfs folder lives. */
function lineDir(sysfsRoot: string, sysfsNumber: number): string {
  return join(sysfsRoot, 'class', 'gpio', `gpio${sysfsNumber}`);
}

/**
 * Opens an output at its inactive level (the direction write sets the level atomically, no glitch).
 * Throws EvseError naming the pin and the reason (missing chip or line, busy, permission).
 */
export function openOutput(Gpio: GpioConstructor, sysfsRoot: string, pin: string, config: GpioLineConfig): GpioLine {
  return open(Gpio, sysfsRoot, pin, config, config.activeLow ? 'high' : 'low');
}

/** Opens an input without edge interrupts: the drivers sample it. Throws EvseError naming the pin and the reason. */
export function openInput(Gpio: GpioConstructor, sysfsRoot: string, pin: string, config: GpioLineConfig): GpioLine {
  return open(Gpio, sysfsRoot, pin, config, 'in');
}

function open(
  Gpio: GpioConstructor,
  sysfsRoot: string,
  pin: string,
  config: GpioLineConfig,
  direction: 'in' | 'high' | 'low',
): GpioLine {
  const resolved = resolveLine(sysfsRoot, pin, config);
  const exportedBefore = existsSync(lineDir(sysfsRoot, resolved.sysfsNumber));
  let gpio: GpioPin;
  try {
    // activeLow false on purpose: clears a stale sysfs active_low left by another program (see GpioLine).
    gpio = new Gpio(resolved.sysfsNumber, direction, undefined, { activeLow: false, reconfigureDirection: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    throw new EvseError(
      code === 'EBUSY' || code === 'EACCES' || code === 'EPERM' ? EvseErrorCode.PinUnavailable : EvseErrorCode.DriverFailure,
      `${pin}: ${describe(resolved)}: cannot open as ${direction === 'in' ? 'input' : 'output'}: ${reason(err)}`,
      { cause: err },
    );
  }
  return new GpioLine(pin, resolved, config, gpio, !exportedBefore);
}
