import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GpioConfig, GpioLineConfig } from './config.js';
import { openOutput, type GpioConstructor } from './lines.js';

/** What happened to one output. */
export interface SafeOutputResult {
  readonly pin: string;
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * Forces every configured output safe without the daemon (the unit's ExecStopPost, or by hand): relay off, RCD test
 * off, cable lock to its safe state, pilot PWM at duty 0 (steady −12 V, state F) then disabled and unexported.
 * Each output is tried even when another fails; the result lists them all. GPIO lines are unexported afterwards: the
 * daemon that exported them is gone.
 */
export function forceOutputsSafe(gpio: GpioConfig, Gpio: GpioConstructor, sysfsRoot = gpio.sysfsRoot): SafeOutputResult[] {
  const results: SafeOutputResult[] = [];
  const outputs: Array<[string, GpioLineConfig | undefined, boolean]> = [
    ['contactor.relay', gpio.contactor.relay, false],
    ['inputs.rcdSelfTest', gpio.inputs.rcdSelfTest, false],
    ['cableLock.actuator', gpio.cableLock?.actuator, gpio.cableLock?.safeState === 'locked'],
  ];
  for (const [pin, cfg, safeActive] of outputs) {
    if (cfg === undefined) continue;
    try {
      const line = openOutput(Gpio, sysfsRoot, pin, cfg);
      line.writeActive(safeActive);
      forceUnexport(sysfsRoot, line.resolved.sysfsNumber, () => line.release());
      results.push({ pin, ok: true, detail: `${safeActive ? 'active' : 'inactive'} (gpio${line.resolved.sysfsNumber})` });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      results.push({ pin, ok: false, detail: message.startsWith(`${pin}: `) ? message.slice(pin.length + 2) : message });
    }
  }
  results.push(pwmToStateF(gpio, sysfsRoot));
  return results;
}

/** `release()` unexports only what this process exported; here every configured line is ours, so unexport anyway. */
function forceUnexport(sysfsRoot: string, sysfsNumber: number, release: () => void): void {
  release();
  if (existsSync(join(sysfsRoot, 'class', 'gpio', `gpio${sysfsNumber}`))) {
    try {
      writeFileSync(join(sysfsRoot, 'class', 'gpio', 'unexport'), String(sysfsNumber));
    } catch {
      // Left exported at its safe level: harmless.
    }
  }
}

function pwmToStateF(gpio: GpioConfig, sysfsRoot: string): SafeOutputResult {
  const { pwmChip, pwmChannel } = gpio.pilot.pwm;
  const pin = 'pilot.pwm';
  const chipDir = join(sysfsRoot, 'class', 'pwm', pwmChip);
  const channelDir = join(chipDir, `pwm${pwmChannel}`);
  if (!existsSync(chipDir)) return { pin, ok: false, detail: `PWM chip ${pwmChip} not found under ${sysfsRoot}` };
  if (!existsSync(channelDir)) {
    return { pin, ok: true, detail: `${pwmChip} channel ${pwmChannel} not exported: generator idle (state F)` };
  }
  try {
    writeFileSync(join(channelDir, 'duty_cycle'), '0');
    writeFileSync(join(channelDir, 'enable'), '0');
    writeFileSync(join(chipDir, 'unexport'), String(pwmChannel));
    return { pin, ok: true, detail: `${pwmChip} channel ${pwmChannel}: duty 0, disabled, unexported` };
  } catch (err) {
    return { pin, ok: false, detail: `${pwmChip} channel ${pwmChannel}: ${err instanceof Error ? err.message : String(err)}` };
  }
}
