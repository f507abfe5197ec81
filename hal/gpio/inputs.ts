import type { Clock } from '../base/clock.js';
import type { InputsSnapshot, StationInputs } from '../inputs.js';
import type { TemperatureReading, TemperatureSensor } from '../temperature.js';
import { Debouncer } from './debounce.js';
import type { GpioLine } from './lines.js';
import { Listeners } from './listeners.js';
import type { InputSampler } from './sampler.js';

/** A safety input line with its debounce. */
export interface DebouncedLine {
  readonly line: GpioLine;
  readonly debounceMs: number;
}

/**
 * StationInputs over GPIO: RCD trip and emergency stop, each debounced; an optional RCD self-test output; an optional
 * temperature sensor (owned: disposed with the inputs). An input that cannot be read counts as active (tripped /
 * pressed): a broken wire must stop charging. A failed sensor reads `temperatureC: null, temperatureSensorFailed: true`.
 */
export class GpioStationInputs implements StationInputs {
  private readonly rcd: Debouncer<boolean> | null;
  private readonly estop: Debouncer<boolean> | null;
  private readonly listeners = new Listeners<InputsSnapshot>();
  private readonly removeTask: () => void;
  private readonly removeTemperature: () => void;
  private temperature: TemperatureReading | null;
  private snapshot: InputsSnapshot;
  private disposed = false;

  constructor(
    private readonly lines: { rcdTrip?: DebouncedLine; emergencyStop?: DebouncedLine; rcdSelfTest?: GpioLine },
    private readonly sampler: InputSampler,
    private readonly clock: Clock,
    private readonly onListenerError: (err: unknown) => void = () => undefined,
    private readonly temperatureSensor: TemperatureSensor | null = null,
  ) {
    const now = clock.monotonicMs();
    lines.rcdSelfTest?.writeActive(false);
    this.rcd = lines.rcdTrip ? new Debouncer(readActiveOrTrue(lines.rcdTrip.line), lines.rcdTrip.debounceMs, now) : null;
    this.estop = lines.emergencyStop
      ? new Debouncer(readActiveOrTrue(lines.emergencyStop.line), lines.emergencyStop.debounceMs, now)
      : null;
    this.temperature = temperatureSensor?.read() ?? null;
    this.snapshot = this.compose();
    this.removeTask = sampler.add((t) => this.sample(t));
    this.removeTemperature =
      temperatureSensor?.onChange((reading) => {
        this.temperature = reading;
        this.publishIfChanged();
      }) ?? (() => undefined);
  }

  private sample(now: number): void {
    let changed = false;
    if (this.rcd && this.lines.rcdTrip && this.rcd.update(readActiveOrTrue(this.lines.rcdTrip.line), now)) changed = true;
    if (this.estop && this.lines.emergencyStop && this.estop.update(readActiveOrTrue(this.lines.emergencyStop.line), now)) {
      changed = true;
    }
    if (changed) this.publishIfChanged();
  }

  private publishIfChanged(): void {
    const next = this.compose();
    const prev = this.snapshot;
    if (
      next.rcdTripped === prev.rcdTripped &&
      next.emergencyStop === prev.emergencyStop &&
      next.temperatureC === prev.temperatureC &&
      next.temperatureSensorFailed === prev.temperatureSensorFailed
    ) {
      return;
    }
    this.snapshot = next;
    this.listeners.emit(next, this.onListenerError);
  }

  private compose(): InputsSnapshot {
    const t = this.temperature;
    return {
      rcdTripped: this.rcd?.value ?? false,
      emergencyStop: this.estop?.value ?? false,
      temperatureC: t?.ok === true ? t.celsius : null,
      temperatureSensorFailed: t !== null && !t.ok,
    };
  }

  read(): InputsSnapshot {
    return this.snapshot;
  }

  onChange(listener: (snapshot: InputsSnapshot) => void): () => void {
    return this.listeners.add(listener);
  }

  /** True when the hardware has an RCD self-test output and a trip input. */
  get canSelfTestRcd(): boolean {
    return this.lines.rcdSelfTest !== undefined && this.lines.rcdTrip !== undefined;
  }

  /**
   * Drives the RCD test output and resolves true when the trip input goes active within `timeoutMs`, false otherwise
   * (or without the hardware). The output is released in every case. The caller keeps the contactor open meanwhile.
   */
  selfTestRcd(timeoutMs = 500): Promise<boolean> {
    const testLine = this.lines.rcdSelfTest;
    if (!testLine || !this.rcd || this.disposed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const finish = (passed: boolean): void => {
        if (settled) return;
        settled = true;
        this.clock.clearTimeout(timer);
        unsubscribe();
        try {
          testLine.writeActive(false);
        } catch {
          // Reported by the caller through the failed result.
          passed = false;
        }
        resolve(passed);
      };
      const unsubscribe = this.onChange((s) => {
        if (s.rcdTripped) finish(true);
      });
      const timer = this.clock.setTimeout(() => finish(false), timeoutMs);
      try {
        testLine.writeActive(true);
      } catch {
        finish(false);
      }
    });
  }

  /** Stops sampling, leaves the self-test output inactive and unexports the lines. Idempotent. */
  dispose(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.disposed = true;
    this.removeTask();
    this.removeTemperature();
    this.listeners.clear();
    try {
      this.lines.rcdSelfTest?.writeActive(false);
    } catch {
      // Released below anyway.
    }
    this.lines.rcdSelfTest?.release();
    this.lines.rcdTrip?.line.release();
    this.lines.emergencyStop?.line.release();
    return this.temperatureSensor?.dispose() ?? Promise.resolve();
  }
}

function readActiveOrTrue(line: GpioLine): boolean {
  try {
    return line.readActive();
  } catch {
    return true;
  }
}
