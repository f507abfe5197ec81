import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BoardChip } from './options.js';

/** Paths of the board's sysfs tree, shaped like `/sys`. */
export interface SysfsTree {
  /** The tree's root (stands for `/sys`). */
  readonly root: string;
  /** `<root>/class`: bind-mount over `/sys/class` where `/sys/class/gpio` does not exist. */
  readonly classDir: string;
  /** `<root>/class/gpio`: bind-mount over `/sys/class/gpio`. */
  readonly gpioDir: string;
  /** `<root>/class/pwm`: bind-mount over `/sys/class/pwm`. */
  readonly pwmDir: string;
  /** `<root>/bus/w1/devices`. */
  readonly w1DevicesDir: string;
}

/**
 * Lays out the files the kernel would show before anything is exported: `class/gpio/{export,unexport}` and one
 * `gpiochip<base>` folder per chip (`base`, `label`, `ngpio`, `device` link to the character device's node),
 * `class/pwm/pwmchip0/{npwm,export,unexport}`, and an empty 1-wire bus. `root` defaults to a fresh temp folder.
 */
export function layOutSysfsTree(chips: readonly BoardChip[], npwm: number, root?: string): SysfsTree {
  const base = root ?? mkdtempSync(join(tmpdir(), 'evse-board-'));
  const tree: SysfsTree = {
    root: base,
    classDir: join(base, 'class'),
    gpioDir: join(base, 'class', 'gpio'),
    pwmDir: join(base, 'class', 'pwm'),
    w1DevicesDir: join(base, 'bus', 'w1', 'devices'),
  };
  mkdirSync(tree.gpioDir, { recursive: true });
  writeFileSync(join(tree.gpioDir, 'export'), '');
  writeFileSync(join(tree.gpioDir, 'unexport'), '');
  for (const chip of chips) {
    const deviceDir = join(base, 'devices', 'platform', 'soc', chip.deviceName);
    mkdirSync(deviceDir, { recursive: true });
    const dir = join(tree.gpioDir, `gpiochip${chip.base}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'base'), `${chip.base}\n`);
    writeFileSync(join(dir, 'label'), `${chip.label}\n`);
    writeFileSync(join(dir, 'ngpio'), `${chip.ngpio}\n`);
    symlinkSync(deviceDir, join(dir, 'device'));
  }
  const pwmChip = join(tree.pwmDir, 'pwmchip0');
  mkdirSync(pwmChip, { recursive: true });
  writeFileSync(join(pwmChip, 'npwm'), `${npwm}\n`);
  writeFileSync(join(pwmChip, 'export'), '');
  writeFileSync(join(pwmChip, 'unexport'), '');
  mkdirSync(tree.w1DevicesDir, { recursive: true });
  // The bus master shows up among the devices on a real Pi; drivers must skip it when they look for `28-*`.
  mkdirSync(join(tree.w1DevicesDir, 'w1_bus_master1'));
  return tree;
}

/** Deletes the tree. Idempotent. */
export function removeSysfsTree(tree: SysfsTree): void {
  rmSync(tree.root, { recursive: true, force: true });
}
