import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A GPIO chip in the fake tree: `class/gpio/gpiochip<base>` with base, label, ngpio and a `device` link. */
export interface FakeChip {
  readonly deviceName: string;
  readonly label: string;
  readonly base: number;
  readonly ngpio: number;
}

/** The chips of a Raspberry Pi 4 on a 6.6 kernel: the base moved from 0 to 512. */
export const pi4Kernel66Chips: readonly FakeChip[] = [
  { deviceName: 'gpiochip0', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
  { deviceName: 'gpiochip1', label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
];

/**
 * A sysfs tree in a temp folder, shaped like `/sys`: GPIO chips and one PWM chip. Writing `export` does nothing by
 * itself (it is a plain file); `exportPwmChannel` and `exportGpio` create what the kernel would.
 */
export class FakeSysfs {
  readonly root: string;

  constructor(chips: readonly FakeChip[] = pi4Kernel66Chips, options: { root?: string; pwmChips?: number; npwm?: number } = {}) {
    this.root = options.root ?? mkdtempSync(join(tmpdir(), 'evse-sysfs-'));
    const gpioDir = join(this.root, 'class', 'gpio');
    mkdirSync(gpioDir, { recursive: true });
    writeFileSync(join(gpioDir, 'export'), '');
    writeFileSync(join(gpioDir, 'unexport'), '');
    for (const chip of chips) {
      const deviceDir = join(this.root, 'devices', 'platform', 'soc', chip.deviceName);
      mkdirSync(deviceDir, { recursive: true });
      const dir = join(gpioDir, `gpiochip${chip.base}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'base'), `${chip.base}\n`);
      writeFileSync(join(dir, 'label'), `${chip.label}\n`);
      writeFileSync(join(dir, 'ngpio'), `${chip.ngpio}\n`);
      symlinkSync(deviceDir, join(dir, 'device'));
    }
    for (let i = 0; i < (options.pwmChips ?? 1); i++) {
      const pwmChip = join(this.root, 'class', 'pwm', `pwmchip${i}`);
      mkdirSync(pwmChip, { recursive: true });
      writeFileSync(join(pwmChip, 'npwm'), `${options.npwm ?? 2}\n`);
      writeFileSync(join(pwmChip, 'export'), '');
      writeFileSync(join(pwmChip, 'unexport'), '');
    }
  }

  /** Creates `pwmchipN/pwmM` as the kernel does on export. */
  exportPwmChannel(chip = 0, channel = 0): void {
    const dir = this.pwmChannelDir(chip, channel);
    mkdirSync(dir, { recursive: true });
    for (const [file, value] of [
      ['period', '0'],
      ['duty_cycle', '0'],
      ['enable', '0'],
      ['polarity', 'normal'],
    ]) {
      writeFileSync(join(dir, file!), `${value}\n`);
    }
  }

  /** Creates `class/gpio/gpioN` with value, direction, active_low, edge, as the kernel does on export. */
  exportGpio(sysfsNumber: number, value: 0 | 1 = 0, direction = 'in'): void {
    const dir = join(this.root, 'class', 'gpio', `gpio${sysfsNumber}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'value'), `${value}\n`);
    writeFileSync(join(dir, 'direction'), `${direction}\n`);
    writeFileSync(join(dir, 'active_low'), '0\n');
    writeFileSync(join(dir, 'edge'), 'none\n');
  }

  pwmChannelDir(chip = 0, channel = 0): string {
    return join(this.root, 'class', 'pwm', `pwmchip${chip}`, `pwm${channel}`);
  }

  /** Reads a PWM attribute, trimmed. */
  pwm(file: 'period' | 'duty_cycle' | 'enable' | 'polarity', chip = 0, channel = 0): string {
    return readFileSync(join(this.pwmChannelDir(chip, channel), file), 'utf8').trim();
  }

  /** The last value written to `pwmchipN/unexport` or `class/gpio/unexport`. */
  lastWritten(path: string): string {
    const full = join(this.root, path);
    return existsSync(full) ? readFileSync(full, 'utf8').trim() : '';
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
