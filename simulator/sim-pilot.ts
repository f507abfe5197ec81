import type { ControlPilot, PilotOutput, PilotReading } from '../hal/pilot.js';

/**
 * The simulated control pilot: the CP level is computed from what the generator drives and what the EV does
 * (plugged, S2, diode) plus injected faults. The world calls `refresh()` after anything changed; listeners hear
 * every change synchronously, as from a real comparator edge.
 */
export class SimPilot implements ControlPilot {
  private generator: PilotOutput = { mode: 'steady' };
  private last: PilotReading;
  private readonly listeners = new Set<(r: PilotReading) => void>();
  /** Injected: CP shorted to PE (state E). */
  cpShorted = false;
  /** Injected: the generator write fails (a driver fault). */
  failWrites = false;
  /** Set by the world after every output change. */
  onOutput: ((output: PilotOutput) => void) | null = null;

  constructor(private readonly sense: () => { plugged: boolean; s2Closed: boolean; hasDiode: boolean; ventilation: boolean }) {
    this.last = this.compute();
  }

  read(): PilotReading {
    return this.last;
  }

  onChange(listener: (reading: PilotReading) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setOutput(output: PilotOutput): void {
    if (this.failWrites) throw new Error('simulated PWM write failure (EIO)');
    this.generator = output;
    this.onOutput?.(output);
    this.refresh();
  }

  output(): PilotOutput {
    return this.generator;
  }

  close(): Promise<void> {
    this.generator = { mode: 'stateF' };
    this.listeners.clear();
    return Promise.resolve();
  }

  /** Recomputes the level and notifies listeners when it changed. */
  refresh(): void {
    const next = this.compute();
    if (next.state === this.last.state && next.negativeLevelOk === this.last.negativeLevelOk) return;
    this.last = next;
    for (const listener of [...this.listeners]) listener(next);
  }

  private compute(): PilotReading {
    const ev = this.sense();
    const pwm = this.generator.mode === 'pwm';
    if (this.generator.mode === 'stateF') return { state: 'F', negativeLevelOk: true };
    if (this.cpShorted) return { state: 'E', negativeLevelOk: false };
    if (!ev.plugged) return { state: 'A', negativeLevelOk: true };
    const negativeLevelOk = !pwm || ev.hasDiode;
    if (!ev.s2Closed) return { state: 'B', negativeLevelOk };
    return { state: ev.ventilation ? 'D' : 'C', negativeLevelOk };
  }
}
