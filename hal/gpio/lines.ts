import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
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
export function openOutput(Gpio: GpioConstructor, sysfsRoot: string, pin: string, config: GpioLineConfig, exportedHere?: ReadonlySet<number>): GpioLine {
  return open(Gpio, sysfsRoot, pin, config, config.activeLow ? 'high' : 'low', exportedHere);
}

/** Opens an input without edge interrupts: the drivers sample it. Throws EvseError naming the pin and the reason. */
export function openInput(Gpio: GpioConstructor, sysfsRoot: string, pin: string, config: GpioLineConfig, exportedHere?: ReadonlySet<number>): GpioLine {
  return open(Gpio, sysfsRoot, pin, config, 'in', exportedHere);
}

/** How long an exported line's files may take to appear and become writable (the kernel, then udev's permissions). */
const EXPORT_SETTLE_BUDGET_MS = 2000;

/**
 * Exports every line not exported yet and waits, without blocking the event loop, until its `value` and `direction`
 * files can be opened for writing. onoff alone waits for this by spinning 10,000 times in a row: on a
 * loaded controller, or behind a slow udev rule that sets the gpio group's permissions, the spin can end before the
 * files are there, and the station fails to start. A fresh line is an input (high impedance): the relay's pull
 * resistor keeps it off until onoff sets the output's direction and level in one write. Returns the sysfs numbers
 * exported here, which are the ones to unexport on release. On an error, those already exported are unexported again.
 */
export async function exportLines(sysfsRoot: string, lines: ReadonlyArray<readonly [string, GpioLineConfig]>): Promise<Set<number>> {
  const exported = new Set<number>();
  const exportFile = join(sysfsRoot, 'class', 'gpio', 'export');
  try {
    // One line at a time, each waited for before the next, as onoff does: a udev rule works per line.
    for (const [pin, config] of lines) {
      const resolved = resolveLine(sysfsRoot, pin, config);
      const dir = lineDir(sysfsRoot, resolved.sysfsNumber);
      if (existsSync(dir)) continue;
      try {
        writeFileSync(exportFile, String(resolved.sysfsNumber));
      } catch (err) {
        throw new EvseError(unavailable(err) ? EvseErrorCode.PinUnavailable : EvseErrorCode.DriverFailure, `${pin}: ${describe(resolved)}: cannot export: ${reason(err)}`, {
          cause: err,
        });
      }
      exported.add(resolved.sysfsNumber);
      const deadline = performance.now() + EXPORT_SETTLE_BUDGET_MS;
      for (;;) {
        const failure = writableFailure([join(dir, 'value'), join(dir, 'direction')]);
        if (failure === null) break;
        if (performance.now() > deadline) {
          throw new EvseError(
            unavailable(failure) ? EvseErrorCode.PinUnavailable : EvseErrorCode.DriverFailure,
            `${pin}: ${describe(resolved)}: exported, but its files were not usable within ${EXPORT_SETTLE_BUDGET_MS} ms: ${reason(failure)}`,
            { cause: failure },
          );
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    }
    return exported;
  } catch (err) {
    const unexportFile = join(sysfsRoot, 'class', 'gpio', 'unexport');
    for (const n of exported) {
      try {
        writeFileSync(unexportFile, String(n));
      } catch {
        // Best effort on the way out.
      }
    }
    throw err;
  }
}

/** The first error opening any of `paths` for writing, or null when all open. */
function writableFailure(paths: readonly string[]): unknown {
  for (const path of paths) {
    try {
      closeSync(openSync(path, 'r+'));
    } catch (err) {
      return err;
    }
  }
  return null;
}

function unavailable(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EBUSY' || code === 'EACCES' || code === 'EPERM';
}

function open(
  Gpio: GpioConstructor,
  sysfsRoot: string,
  pin: string,
  config: GpioLineConfig,
  direction: 'in' | 'high' | 'low',
  /** The lines {@link exportLines} exported (ours to unexport); without it, a line exported now was exported before. */
  exportedHere?: ReadonlySet<number>,
): GpioLine {
  const resolved = resolveLine(sysfsRoot, pin, config);
  const exportedBefore =
    exportedHere === undefined ? existsSync(lineDir(sysfsRoot, resolved.sysfsNumber)) : !exportedHere.has(resolved.sysfsNumber);
  let gpio: GpioPin;
  try {
    // activeLow false on purpose: clears a stale sysfs active_low left by another program (see GpioLine).
    gpio = new Gpio(resolved.sysfsNumber, direction, undefined, { activeLow: false, reconfigureDirection: true });
  } catch (err) {
    throw new EvseError(
      unavailable(err) ? EvseErrorCode.PinUnavailable : EvseErrorCode.DriverFailure,
      `${pin}: ${describe(resolved)}: cannot open as ${direction === 'in' ? 'input' : 'output'}: ${reason(err)}`,
      { cause: err },
    );
  }
  return new GpioLine(pin, resolved, config, gpio, !exportedBefore);
}
