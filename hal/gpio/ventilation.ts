import { EvseError, EvseErrorCode } from '../base/errors.js';
import type { VentilationOutput } from '../ventilation.js';
import type { GpioLine } from './lines.js';

/** The ventilation output (fan or damper for state D) on one GPIO line: active = on. Starts off. */
export class GpioVentilation implements VentilationOutput {
  private on = false;
  private disposed = false;

  constructor(private readonly line: GpioLine) {
    this.line.writeActive(false);
  }

  /** Writes the line synchronously. Throws EvseError(DriverFailure) naming the pin when the write failed or after dispose. */
  set(on: boolean): void {
    if (this.disposed) throw new EvseError(EvseErrorCode.DriverFailure, `${this.line.pin}: the ventilation driver is disposed`);
    this.line.writeActive(on);
    this.on = on;
  }

  isOn(): boolean {
    return this.on;
  }

  /** Switches off and unexports. Idempotent. */
  dispose(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.disposed = true;
    try {
      this.line.writeActive(false);
      this.on = false;
    } catch {
      // Released below anyway.
    }
    this.line.release();
    return Promise.resolve();
  }
}
