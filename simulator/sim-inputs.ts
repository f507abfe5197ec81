import type { InputsSnapshot, StationInputs } from '../hal/inputs.js';

/** Simulated RCD, emergency stop and temperature sensor; setters notify listeners like a debounced input edge. */
export class SimInputs implements StationInputs {
  private snapshot: InputsSnapshot = { rcdTripped: false, emergencyStop: false, temperatureC: 25, temperatureSensorFailed: false };
  private readonly listeners = new Set<(s: InputsSnapshot) => void>();

  read(): InputsSnapshot {
    return this.snapshot;
  }

  onChange(listener: (snapshot: InputsSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(change: Partial<InputsSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    for (const l of [...this.listeners]) l(this.snapshot);
  }

  dispose(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }
}
