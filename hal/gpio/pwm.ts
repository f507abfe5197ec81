import { accessSync, constants, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EvseError, EvseErrorCode } from '../base/errors.js';
import type { PilotPwmConfig } from './config.js';

/** How long to wait for udev to hand a freshly exported channel to group gpio (as onoff does for GPIO lines). */
const EXPORT_SETTLE_MS = 1000;

/**
 * One channel of the Linux sysfs PWM interface (`<sysfsRoot>/class/pwm/pwmchipN/pwmM`). Every write is synchronous,
 * so a safety change (duty 0 = steady −12 V = state F) is on the wire when the call returns.
 */
export class SysfsPwm {
  private released = false;
  private dutyNs = 0;

  private constructor(
    readonly pin: string,
    private readonly chipDir: string,
    private readonly channelDir: string,
    private readonly config: PilotPwmConfig,
    private readonly exportedByUs: boolean,
  ) {}

  /**
   * Exports (if needed) and configures the channel, leaving it enabled at duty 0 (state F).
   * Throws EvseError naming the pin when the chip or channel is missing, busy or not writable.
   */
  static async open(sysfsRoot: string, config: PilotPwmConfig, pin = 'pilot.pwm'): Promise<SysfsPwm> {
    const pwmClassDir = join(sysfsRoot, 'class', 'pwm');
    const chipDir = join(pwmClassDir, config.pwmChip);
    if (!existsSync(chipDir)) {
      throw new EvseError(
        EvseErrorCode.ChipNotFound,
        `${pin}: PWM chip ${config.pwmChip} not found under ${pwmClassDir}; ${knownPwmChips(pwmClassDir)} (enable the pwm overlay, e.g. dtoverlay=pwm)`,
      );
    }
    const npwm = Number.parseInt(readFileSync(join(chipDir, 'npwm'), 'utf8').trim(), 10);
    if (Number.isInteger(npwm) && config.pwmChannel >= npwm) {
      throw new EvseError(
        EvseErrorCode.PinUnavailable,
        `${pin}: ${config.pwmChip} has channels 0…${npwm - 1}, not ${config.pwmChannel}`,
      );
    }
    const channelDir = join(chipDir, `pwm${config.pwmChannel}`);
    const exportedBefore = existsSync(channelDir);
    const pwm = new SysfsPwm(pin, chipDir, channelDir, config, !exportedBefore);
    if (!exportedBefore) {
      pwm.write(join(chipDir, 'export'), String(config.pwmChannel), 'export');
      await waitWritable(pin, join(channelDir, 'period'), EXPORT_SETTLE_MS);
    }
    try {
      pwm.configure();
    } catch (err) {
      pwm.release();
      throw err;
    }
    return pwm;
  }

  private configure(): void {
    // Polarity can change only while disabled; a fresh channel may have period 0, so period before duty.
    this.writeIgnoring(join(this.channelDir, 'enable'), '0', 'disable', ['EINVAL']);
    this.write(join(this.channelDir, 'duty_cycle'), '0', 'duty_cycle');
    this.write(join(this.channelDir, 'period'), String(this.config.periodNs), 'period');
    if (this.config.polarity === 'inversed') {
      this.write(join(this.channelDir, 'polarity'), 'inversed', 'polarity');
    } else {
      // A chip without polarity support is already normal.
      this.writeIgnoring(join(this.channelDir, 'polarity'), 'normal', 'polarity', ['ENOTSUP', 'ENOSYS', 'EINVAL', 'ENOENT']);
    }
    this.write(join(this.channelDir, 'enable'), '1', 'enable');
  }

  get periodNs(): number {
    return this.config.periodNs;
  }

  /** The duty cycle last written, in ns of +12 V per period. */
  get currentDutyNs(): number {
    return this.dutyNs;
  }

  /** Writes the +12 V share of the period. 0 = steady −12 V (state F), period = steady +12 V. */
  setDutyNs(dutyNs: number): void {
    const ns = Math.min(this.config.periodNs, Math.max(0, Math.round(dutyNs)));
    this.write(join(this.channelDir, 'duty_cycle'), String(ns), 'duty_cycle');
    this.dutyNs = ns;
  }

  /**
   * Duty 0, disable, unexport if we exported. Never throws: it runs on the way out, after the caller has already
   * written state F. Idempotent.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const [file, value] of [
      ['duty_cycle', '0'],
      ['enable', '0'],
    ] as const) {
      try {
        writeFileSync(join(this.channelDir, file), value);
      } catch {
        // Best effort: keep going so the channel is still unexported.
      }
    }
    if (this.exportedByUs) {
      try {
        writeFileSync(join(this.chipDir, 'unexport'), String(this.config.pwmChannel));
      } catch {
        // Already gone.
      }
    }
  }

  private write(path: string, value: string, what: string): void {
    try {
      writeFileSync(path, value);
    } catch (err) {
      throw pwmError(this.pin, this.config, what, value, err);
    }
  }

  private writeIgnoring(path: string, value: string, what: string, ignored: readonly string[]): void {
    try {
      writeFileSync(path, value);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== undefined && ignored.includes(code)) return;
      throw pwmError(this.pin, this.config, what, value, err);
    }
  }
}

function knownPwmChips(pwmClassDir: string): string {
  try {
    const chips = readdirSync(pwmClassDir).filter((n) => n.startsWith('pwmchip'));
    return chips.length > 0 ? `known: ${chips.join(', ')}` : 'no PWM chips present';
  } catch {
    return `${pwmClassDir} does not exist`;
  }
}

function pwmError(pin: string, config: PilotPwmConfig, what: string, value: string, err: unknown): EvseError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const where = `${config.pwmChip} channel ${config.pwmChannel}`;
  let why: string;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      why = `permission denied (${code}): is the user in group gpio and is systemd/99-evse-gpio.rules installed?`;
      break;
    case 'EBUSY':
      why = 'channel in use by another driver or process (EBUSY)';
      break;
    default:
      why = err instanceof Error ? err.message : String(err);
  }
  return new EvseError(
    code === 'EACCES' || code === 'EPERM' || code === 'EBUSY' ? EvseErrorCode.PinUnavailable : EvseErrorCode.DriverFailure,
    `${pin}: ${where}: writing ${what}=${value} failed: ${why}`,
    { cause: err },
  );
}

async function waitWritable(pin: string, path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      accessSync(path, constants.W_OK);
      return;
    } catch (err) {
      if (Date.now() >= deadline) {
        throw new EvseError(EvseErrorCode.PinUnavailable, `${pin}: PWM channel did not become writable at ${path} within ${timeoutMs} ms (udev rule missing?)`, {
          cause: err,
        });
      }
      await sleep(10);
    }
  }
}
