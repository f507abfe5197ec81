/**
 * The reference negative-level detector as physics, for tests: a signal diode into C = 100 nF with a 1 MΩ bleed
 * (τ_decay 100 ms), charged through the 1 kΩ CP source resistance in the PWM's low phase only (τ_charge 0.1 ms); the
 * comparator is active below −11 V. It is deliberately not kinder than the circuit: it starts from whatever it held
 * (−12 V after state F, near 0 after steady +12 V), and at 97 % duty it needs about ten periods to reach −11 V.
 */
export class PeakHoldDetector {
  /** Voltage on the hold capacitor (negative). */
  volts = 0;

  constructor(
    private readonly tauChargeMs = 0.1,
    private readonly tauDecayMs = 100,
    private readonly thresholdV = -11,
  ) {}

  /**
   * Advances one PWM period. `highShare` is the +12 V share of the period (0 = steady −12 V, state F; 1 = steady
   * +12 V). `lowLevelV` is what CP reaches in the low phase: −12 V with the EV's diode (or no EV), about −8.8 V with a
   * diode-less EV in state B (its 2.74 kΩ loads the 1 kΩ source).
   */
  step(periodMs: number, highShare: number, lowLevelV: number): void {
    const highMs = periodMs * highShare;
    const lowMs = periodMs - highMs;
    // High phase: the diode blocks; the bleed discharges toward 0.
    this.volts *= Math.exp(-highMs / this.tauDecayMs);
    // Low phase: the diode conducts only while CP is below the held voltage.
    if (lowLevelV < this.volts) this.volts = lowLevelV + (this.volts - lowLevelV) * Math.exp(-lowMs / this.tauChargeMs);
    else this.volts *= Math.exp(-lowMs / this.tauDecayMs);
  }

  /** The comparator output. */
  get active(): boolean {
    return this.volts < this.thresholdV;
  }
}
