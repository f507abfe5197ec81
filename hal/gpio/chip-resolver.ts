import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { EvseError, EvseErrorCode } from '../base/errors.js';
import type { GpioLineConfig } from './config.js';

/** A GPIO chip as the legacy sysfs interface shows it under `/sys/class/gpio/gpiochip<base>`. */
export interface SysfsGpioChip {
  /** Directory name under /sys/class/gpio, e.g. `gpiochip512`. */
  readonly sysfsName: string;
  /** Character device name (`gpiochip0`, as gpioinfo shows it), or null when the `device` link is missing. */
  readonly deviceName: string | null;
  readonly label: string;
  readonly base: number;
  readonly ngpio: number;
}

/** A configured line resolved to the number the sysfs interface (and onoff) wants. */
export interface ResolvedLine {
  readonly sysfsNumber: number;
  readonly chip: SysfsGpioChip;
  readonly line: number;
}

function readTrimmed(path: string): string {
  return readFileSync(path, 'utf8').trim();
}

/** Lists the GPIO chips under `<sysfsRoot>/class/gpio`. An absent folder (kernel without sysfs GPIO) lists none. */
export function listGpioChips(sysfsRoot: string): SysfsGpioChip[] {
  const classDir = join(sysfsRoot, 'class', 'gpio');
  let names: string[];
  try {
    names = readdirSync(classDir).filter((n) => /^gpiochip\d+$/.test(n));
  } catch {
    return [];
  }
  const chips: SysfsGpioChip[] = [];
  for (const sysfsName of names) {
    const dir = join(classDir, sysfsName);
    try {
      const base = Number.parseInt(readTrimmed(join(dir, 'base')), 10);
      const ngpio = Number.parseInt(readTrimmed(join(dir, 'ngpio')), 10);
      const label = readTrimmed(join(dir, 'label'));
      if (!Number.isInteger(base) || !Number.isInteger(ngpio)) continue;
      chips.push({ sysfsName, deviceName: deviceNameOf(dir), label, base, ngpio });
    } catch {
      // A chip whose attributes cannot be read is not usable; it is reported as missing if the config names it.
    }
  }
  return chips.sort((a, b) => a.base - b.base);
}

/** The parent gpio_device of a sysfs chip is the character device's node: `device -> …/gpiochip0`. */
function deviceNameOf(chipDir: string): string | null {
  try {
    const name = basename(readlinkSync(join(chipDir, 'device')));
    return /^gpiochip\d+$/.test(name) ? name : null;
  } catch {
    return null;
  }
}

/**
 * Finds the chip a config names: first by character device name (`gpiochip0`, stable across kernels), then by label,
 * then by sysfs directory name (old kernels, where both agree).
 */
export function findChip(chips: readonly SysfsGpioChip[], name: string): SysfsGpioChip | undefined {
  return (
    chips.find((c) => c.deviceName === name) ??
    chips.find((c) => c.label === name) ??
    chips.find((c) => c.sysfsName === name)
  );
}

/**
 * Resolves `chip` + `line` to the sysfs GPIO number (`base + line`). Throws EvseError(ChipNotFound) naming the pin,
 * the chip and the chips that exist, or EvseError(PinUnavailable) when the line is beyond the chip's `ngpio`.
 */
export function resolveLine(sysfsRoot: string, pin: string, config: GpioLineConfig): ResolvedLine {
  const chips = listGpioChips(sysfsRoot);
  const chip = findChip(chips, config.chip);
  if (chip === undefined) {
    const known =
      chips.length === 0
        ? `no GPIO chips under ${join(sysfsRoot, 'class', 'gpio')} (kernel without sysfs GPIO, or not mounted)`
        : `known chips: ${chips.map((c) => `${c.deviceName ?? c.sysfsName} (${c.label}, base ${c.base})`).join(', ')}`;
    throw new EvseError(EvseErrorCode.ChipNotFound, `${pin}: GPIO chip ${JSON.stringify(config.chip)} not found; ${known}`);
  }
  if (config.line >= chip.ngpio) {
    throw new EvseError(
      EvseErrorCode.PinUnavailable,
      `${pin}: line ${config.line} does not exist on ${config.chip} (${chip.label}), which has lines 0…${chip.ngpio - 1}`,
    );
  }
  return { sysfsNumber: chip.base + config.line, chip, line: config.line };
}
