/**
 * The control-pilot front end of the reference circuit, as electrical formulas: the ±12 V generator behind its 1 kΩ
 * source resistor, the EV's resistor network and diode, the comparators on the peak-held high level, and the
 * negative-level detector (a peak-hold capacitor integrated analytically). Values are computed from the divider, never
 * tabled, so a changed resistor changes every level consistently. See README.md, "Reference circuit".
 */

/** Component values of the reference circuit (README.md lists the same numbers). */
export const pilotCircuit = {
  /** Generator amplitude, volts (±12 V). */
  generatorV: 12,
  /** Generator source resistor, ohms. */
  sourceOhm: 1000,
  /** EV: always across CP–PE behind the diode (state B ≈ 9 V). */
  r2Ohm: 2740,
  /** EV: closed in parallel by S2 (state C ≈ 6 V). */
  r3Ohm: 1300,
  /** EV: closed by S2 instead of R3 when the EV needs ventilation (state D ≈ 3 V). */
  r3VentilationOhm: 270,
  /** Negative peak-hold: capacitor, farads. */
  detectorCapF: 100e-9,
  /** Negative peak-hold: bleed resistor to ground, ohms. */
  detectorBleedOhm: 1e6,
  /** The negative-level comparator is active while the capacitor is below this, volts. */
  negativeThresholdV: -11,
} as const;

/** Charging time constant of the detector: source resistance × C = 0.1 ms. */
export const detectorChargeTauMs = pilotCircuit.sourceOhm * pilotCircuit.detectorCapF * 1000;
/** Decay time constant of the detector: bleed × C = 100 ms. */
export const detectorDecayTauMs = pilotCircuit.detectorBleedOhm * pilotCircuit.detectorCapF * 1000;
/**
 * Worst-case time from PWM start to a valid negative-level reading (README.md): about 1 period at 27 % duty, 8–9
 * periods at 97 %, and 8.7 ms for a capacitor still holding −12 V from state F to decay past −11 V when the diode is
 * missing. The drivers wait `negativeLevelSettleMs` = 10.
 */
export const negativeLevelSettleMs = 10;

/** Thresholds of the positive comparators (thermometer code; active = above), volts. */
export const comparatorThresholdsV = {
  atLeastA: 10.5,
  atLeastB: 7.5,
  atLeastC: 4.5,
  atLeastD: 1.5,
  overVoltage: 13.5,
} as const;

/** What hangs on CP–PE, as the circuit sees it. */
export interface CpLoad {
  /** An EV is plugged in. */
  readonly evConnected: boolean;
  /** The EV's S2 is closed (asks for power). */
  readonly s2Closed: boolean;
  /** S2 switches the 270 Ω ventilation resistor instead of 1.3 kΩ (state D). */
  readonly needsVentilation: boolean;
  /** The EV's diode is fitted (false: the negative half is loaded by the resistors too). */
  readonly hasDiode: boolean;
  /** CP shorted to PE (state E). */
  readonly cpShorted: boolean;
}

/** The EV's resistance across CP–PE in ohms, or null when nothing is connected (open circuit). */
export function evResistanceOhm(load: CpLoad): number | null {
  if (!load.evConnected) return null;
  if (!load.s2Closed) return pilotCircuit.r2Ohm;
  const r3 = load.needsVentilation ? pilotCircuit.r3VentilationOhm : pilotCircuit.r3Ohm;
  return parallel(pilotCircuit.r2Ohm, r3);
}

function parallel(a: number, b: number): number {
  return (a * b) / (a + b);
}

/** Voltage on CP while the generator drives `sourceV` through the source resistor into the load. */
function dividedV(sourceV: number, loadOhm: number | null): number {
  if (loadOhm === null) return sourceV;
  return (sourceV * loadOhm) / (loadOhm + pilotCircuit.sourceOhm);
}

/** The CP voltage during the generator's +12 V phase and its −12 V phase. */
export interface CpLevels {
  readonly highV: number;
  readonly lowV: number;
}

/**
 * CP levels from the divider: the positive half is loaded by the EV's resistors behind its diode; the negative half
 * only when the diode is missing (the diode blocks it, so CP sits at −12 V). A short pulls both halves to 0 V.
 */
export function cpLevels(load: CpLoad): CpLevels {
  if (load.cpShorted) return { highV: 0, lowV: 0 };
  const g = pilotCircuit.generatorV;
  const r = evResistanceOhm(load);
  return { highV: dividedV(g, r), lowV: load.hasDiode || r === null ? -g : dividedV(-g, r) };
}

/**
 * What the generator drives, as the share of each period at +12 V. `pwm` with 0 < share < 1; steady levels otherwise.
 */
export type GeneratorWave =
  | { readonly kind: 'steady'; readonly positive: boolean }
  | { readonly kind: 'pwm'; readonly periodMs: number; readonly highShare: number };

/** The sysfs PWM channel as the generator sees it; null when the channel is not exported. */
export interface PwmChannelView {
  readonly enabled: boolean;
  readonly periodNs: number;
  readonly dutyNs: number;
  readonly polarity: 'normal' | 'inversed';
}

/**
 * The generator's output from the PWM channel files. Not exported, disabled or period 0: the idle pin gives −12 V
 * (state F). Otherwise `duty_cycle` is the pin-high share of `period`, "inversed" polarity flips it, and an inverting
 * amplifier (`amplifierInverting`, config `polarity: "inversed"`) flips it back: the driver always writes the +12 V
 * share. duty = period is steady +12 V, duty 0 steady −12 V.
 */
export function generatorWave(pwm: PwmChannelView | null, amplifierInverting = false): GeneratorWave {
  if (pwm === null || !pwm.enabled || pwm.periodNs <= 0) return { kind: 'steady', positive: false };
  const duty = Math.min(Math.max(pwm.dutyNs, 0), pwm.periodNs);
  const pinHighShare = pwm.polarity === 'inversed' ? 1 - duty / pwm.periodNs : duty / pwm.periodNs;
  const share = amplifierInverting ? 1 - pinHighShare : pinHighShare;
  if (share >= 1) return { kind: 'steady', positive: true };
  if (share <= 0) return { kind: 'steady', positive: false };
  return { kind: 'pwm', periodMs: pwm.periodNs / 1e6, highShare: share };
}

/** The level the positive peak-hold sees: the high level while any +12 V phase exists, else the −12 V level. */
export function peakHighV(wave: GeneratorWave, levels: CpLevels): number {
  return wave.kind === 'steady' && !wave.positive ? levels.lowV : levels.highV;
}

/** The comparator outputs (logical: true = active). */
export interface ComparatorOutputs {
  readonly atLeastA: boolean;
  readonly atLeastB: boolean;
  readonly atLeastC: boolean;
  readonly atLeastD: boolean;
  readonly overVoltage: boolean;
  readonly negativeLevel: boolean;
}

/** Thermometer code of the peak-held high level, plus the negative detector's comparator. */
export function comparatorOutputs(highV: number, detectorV: number): ComparatorOutputs {
  const t = comparatorThresholdsV;
  return {
    atLeastA: highV > t.atLeastA,
    atLeastB: highV > t.atLeastB,
    atLeastC: highV > t.atLeastC,
    atLeastD: highV > t.atLeastD,
    overVoltage: highV > t.overVoltage,
    negativeLevel: detectorV < pilotCircuit.negativeThresholdV,
  };
}

/** Beyond this many periods in one step the capacitor is at its periodic steady state; stepping stops early. */
const maxPeriodsPerStep = 20_000;

/**
 * The negative-level detector: a signal diode into C = 100 nF with a 1 MΩ bleed to ground. It charges through the
 * 1 kΩ source resistance (τ = 0.1 ms) only while CP is below the capacitor's voltage (the PWM's low phase), and decays
 * toward 0 V (τ = 100 ms) the rest of the time. Integrated exactly per phase segment, so a step of any length gives
 * the same voltage as many small ones. It starts discharged (0 V): before the generator has driven a low phase it
 * reads inactive.
 */
export class NegativePeakHold {
  private capV = 0;
  /** Position inside the current PWM period, ms (the period starts with its +12 V phase). */
  private phaseMs = 0;

  /** The capacitor's voltage (≤ 0). */
  get voltageV(): number {
    return this.capV;
  }

  /** Comparator output: active while the capacitor is below −11 V. */
  get active(): boolean {
    return this.capV < pilotCircuit.negativeThresholdV;
  }

  /** Restarts the PWM period (the generator starts a new wave with its high phase). */
  restartPeriod(): void {
    this.phaseMs = 0;
  }

  /** Advances by `dtMs` with the generator driving `wave` into CP whose levels are `levels`. */
  advance(dtMs: number, wave: GeneratorWave, levels: CpLevels): void {
    if (!(dtMs > 0)) return;
    if (wave.kind === 'steady') {
      this.segment(dtMs, wave.positive ? levels.highV : levels.lowV);
      return;
    }
    const highMs = wave.periodMs * wave.highShare;
    let left = dtMs;
    let periods = 0;
    while (left > 0) {
      if (this.phaseMs >= wave.periodMs) {
        this.phaseMs -= wave.periodMs;
        periods += 1;
        if (periods > maxPeriodsPerStep) {
          this.phaseMs = (this.phaseMs + left) % wave.periodMs;
          return;
        }
      }
      const inHigh = this.phaseMs < highMs;
      const end = inHigh ? highMs : wave.periodMs;
      const seg = Math.min(end - this.phaseMs, left);
      this.segment(seg, inHigh ? levels.highV : levels.lowV);
      this.phaseMs += seg;
      left -= seg;
    }
  }

  /** One stretch of constant CP voltage: charge toward it through the diode when below the capacitor, else bleed. */
  private segment(ms: number, cpV: number): void {
    if (cpV < this.capV) {
      this.capV = cpV + (this.capV - cpV) * Math.exp(-ms / detectorChargeTauMs);
    } else {
      // Bleeding toward 0 V; once above a negative CP level the diode conducts again and holds it there.
      this.capV = Math.min(this.capV * Math.exp(-ms / detectorDecayTauMs), Math.min(cpV, 0));
    }
  }
}
