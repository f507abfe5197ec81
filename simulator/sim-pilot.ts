import type { Clock, TimerHandle } from '../hal/base/clock.js';
import type { ControlPilot, NegativeLevel, PilotOutput, PilotReading } from '../hal/pilot.js';

/** The negative-level detector's settle time after the PWM starts (the reference circuit's worst case, hal/gpio/README.md). */
export const SIM_NEGATIVE_LEVEL_SETTLE_MS = 10;

/**
 * The simulated control pilot: the CP level is computed from what the generator drives and what the EV does
 * (plugged, S2, diode) plus injected faults. The world calls `refresh()` after anything changed; listeners hear
 * every change synchronously, as from a real comparator edge.
 *
 * As hard as the board: the negative level reads `unknown` without PWM and for the detector's settle time after the
 * PWM starts, like the peak-hold detector of the reference circuit; only then `present` or `absent`.
 */
export class SimPilot implements ControlPilot {
  private generator: PilotOutput = { mode: 'steady' };
  private last: PilotReading;
  private readonly listeners = new Set<(r: PilotReading) => void>();
  /** Injected: CP shorted to PE (state E). */
  cpShorted = false;
  /** Injected: change notifications are lost (a missed edge, a stuck callback); `read()` still tells the truth. */
  eventsLost = false;
  /** Injected: the generator write fails (a driver fault). */
  failWrites = false;
  /** Set by the world after every output change. */
  onOutput: ((output: PilotOutput) => void) | null = null;

  private pwmSettled = false;
  private settleTimer: TimerHandle | undefined;

  constructor(
    private readonly sense: () => { plugged: boolean; s2Closed: boolean; hasDiode: boolean; ventilation: boolean },
    private readonly clock: Clock,
    private readonly settleMs = SIM_NEGATIVE_LEVEL_SETTLE_MS,
  ) {
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
    const wasPwm = this.generator.mode === 'pwm';
    this.generator = output;
    if (output.mode !== 'pwm' || !wasPwm) this.restartDetector(output.mode === 'pwm');
    this.onOutput?.(output);
    this.refresh();
  }

  output(): PilotOutput {
    return this.generator;
  }

  close(): Promise<void> {
    this.generator = { mode: 'stateF' };
    this.restartDetector(false);
    this.listeners.clear();
    return Promise.resolve();
  }

  /** Recomputes the level and notifies listeners when it changed. */
  refresh(): void {
    const next = this.compute();
    if (next.state === this.last.state && next.negativeLevel === this.last.negativeLevel) return;
    this.last = next;
    if (this.eventsLost) return;
    for (const listener of [...this.listeners]) listener(next);
  }

  /** The detector starts charging with a new PWM run and reads only after its settle time. */
  private restartDetector(pwmStarts: boolean): void {
    if (this.settleTimer !== undefined) this.clock.clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
    this.pwmSettled = false;
    if (!pwmStarts) return;
    this.settleTimer = this.clock.setTimeout(() => {
      this.settleTimer = undefined;
      this.pwmSettled = true;
      this.refresh();
    }, this.settleMs);
  }

  private compute(): PilotReading {
    const ev = this.sense();
    const pwm = this.generator.mode === 'pwm';
    const low = (present: boolean): NegativeLevel => (!pwm || !this.pwmSettled ? 'unknown' : present ? 'present' : 'absent');
    if (this.generator.mode === 'stateF') return { state: 'F', negativeLevel: 'unknown' };
    if (this.cpShorted) return { state: 'E', negativeLevel: low(false) };
    // No EV: the generator's own −12 V reaches the detector.
    if (!ev.plugged) return { state: 'A', negativeLevel: low(true) };
    if (!ev.s2Closed) return { state: 'B', negativeLevel: low(ev.hasDiode) };
    return { state: ev.ventilation ? 'D' : 'C', negativeLevel: low(ev.hasDiode) };
  }
}
