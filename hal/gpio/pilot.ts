import type { Clock } from '../base/clock.js';
import { EvseError, EvseErrorCode } from '../base/errors.js';
import { reducesPower, type ControlPilot, type NegativeLevel, type PilotOutput, type PilotReading, type PilotState } from '../pilot.js';
import { Debouncer } from './debounce.js';
import type { GpioLine } from './lines.js';
import { Listeners } from './listeners.js';
import type { InputSampler } from './sampler.js';

/** The logical levels of the CP comparators at one instant (true = level above the threshold). */
export interface ComparatorLevels {
  readonly atLeastA: boolean;
  readonly atLeastB: boolean;
  readonly atLeastC: boolean;
  readonly atLeastD: boolean;
  readonly overVoltage: boolean;
}

/** The comparator lines, opened. */
export interface ComparatorLines {
  readonly atLeastA: GpioLine;
  readonly atLeastB: GpioLine;
  readonly atLeastC: GpioLine;
  readonly atLeastD: GpioLine;
  readonly overVoltage?: GpioLine;
  readonly negativeLevel: GpioLine;
}

/** The PWM the pilot drives; `SysfsPwm` implements it. */
export interface PilotPwm {
  readonly periodNs: number;
  setDutyNs(dutyNs: number): void;
  release(): void;
}

/**
 * Decodes the comparator levels into a pilot state. The thresholds form a thermometer code (A ⇒ B ⇒ C ⇒ D); a code that
 * is not one (a comparator stuck or broken) reads `invalid`, so the control core opens. All comparators low is E,
 * or F while we drive F ourselves (the two look the same to comparators on the high level).
 */
export function decodePilotState(levels: ComparatorLevels, driving: PilotOutput): PilotState {
  if (levels.overVoltage) return 'invalid';
  const { atLeastA: a, atLeastB: b, atLeastC: c, atLeastD: d } = levels;
  if ((a && !b) || (b && !c) || (c && !d)) return 'invalid';
  if (a) return 'A';
  if (b) return 'B';
  if (c) return 'C';
  if (d) return 'D';
  return driving.mode === 'stateF' ? 'F' : 'E';
}

/** Duty cycle the IEC 61851-1 generator accepts here: 5 % (digital) up to 97 %. */
const MIN_DUTY_PERCENT = 5;
const MAX_DUTY_PERCENT = 97;

/** Timing of the pilot's input side. */
export interface GpioPilotOptions {
  /** A power-adding decoded state (and the negative level) must hold this long before it is reported. */
  readonly debounceMs: number;
  /** How long the negative-level detector needs after the PWM starts before its output means anything. */
  readonly negativeLevelSettleMs: number;
  /** How long a power-reducing state change must hold (see `reducesPower`); the others take `debounceMs`. */
  readonly reductionDebounceMs: number;
}

function sameReading(a: PilotReading, b: PilotReading): boolean {
  return a.state === b.state && a.negativeLevel === b.negativeLevel;
}

/**
 * ControlPilot over a sysfs PWM channel and GPIO comparator inputs. Starts in state F.
 *
 * The negative level comes from a peak-hold detector (see the README): before the PWM has run for
 * `negativeLevelSettleMs` its comparator shows what the hold kept from before (charged to −12 V by state F, or empty
 * after steady +12 V), not the diode. So the reading is `unknown` whenever the generator is not running PWM, and from
 * the moment PWM starts (from steady or F) until samples taken at least `negativeLevelSettleMs` after the start have
 * held one value for `debounceMs`; only then `present` or `absent`. A duty change while PWM runs keeps the reading.
 */
export class GpioControlPilot implements ControlPilot {
  private current: PilotOutput = { mode: 'stateF' };
  private state: Debouncer<PilotState>;
  /**
   * The debounced state when the generator last went to F, or null when the driver started in F (nothing known).
   * While we drive F every EV reads F, so this is the last word on the EV until samples after F settle.
   */
  private stateBeforeF: PilotState | null = null;
  /** The negative level; replaced by a fresh one (at `unknown`) whenever the PWM starts. */
  private negative: Debouncer<NegativeLevel>;
  /** Monotonic time the PWM started, or null while the generator is not running PWM. */
  private pwmSinceMs: number | null = null;
  /** Monotonic time the generator last changed mode (F, steady, PWM). */
  private generatorChangedAtMs = Number.NEGATIVE_INFINITY;
  /** What listeners heard last: they are told in the sampling pass, never from inside `setOutput`. */
  private announced: PilotReading;
  private readonly listeners = new Listeners<PilotReading>();
  private readonly removeTask: () => void;
  private closed = false;

  constructor(
    private readonly pwm: PilotPwm,
    private readonly comparators: ComparatorLines,
    sampler: InputSampler,
    private readonly clock: Clock,
    private readonly options: GpioPilotOptions,
    private readonly onListenerError: (err: unknown) => void = () => undefined,
  ) {
    // The constructor trusts the PWM to be at duty 0 already (SysfsPwm.open leaves it there), and says so again.
    this.pwm.setDutyNs(0);
    const now = clock.monotonicMs();
    this.state = new Debouncer<PilotState>(this.sampleState(), (from, to) => this.holdFor(from, to), now);
    this.negative = new Debouncer<NegativeLevel>('unknown', options.debounceMs, now);
    this.announced = this.read();
    this.removeTask = sampler.add((t) => this.samplePass(t));
  }

  /**
   * How long a change of the decoded state must hold. A power-reducing one passes after `reductionDebounceMs`, except
   * right after the generator changed mode: the comparators then follow our own edge through the front end's
   * peak-hold (leaving state F, all of them read low for a moment, which decodes as E), so the reading is given the
   * full debounce before it counts as the EV's.
   */
  private holdFor(from: PilotState, to: PilotState): number {
    const settling = this.clock.monotonicMs() - this.generatorChangedAtMs < this.options.debounceMs;
    return reducesPower(from, to) && !settling ? this.options.reductionDebounceMs : this.options.debounceMs;
  }

  private samplePass(now: number): void {
    this.state.update(this.sampleState(), now);
    if (this.pwmSinceMs !== null) {
      // Samples inside the settle time show the hold's past, not the diode: they count as `unknown`.
      this.negative.update(now - this.pwmSinceMs >= this.options.negativeLevelSettleMs ? this.sampleNegative() : 'unknown', now);
    }
    const reading = this.read();
    if (!sameReading(reading, this.announced)) {
      this.announced = reading;
      this.listeners.emit(reading, this.onListenerError);
    }
  }

  /** One undebounced state; a comparator that cannot be read makes it `invalid` (the core opens). */
  private sampleState(): PilotState {
    try {
      const c = this.comparators;
      const levels: ComparatorLevels = {
        atLeastA: c.atLeastA.readActive(),
        atLeastB: c.atLeastB.readActive(),
        atLeastC: c.atLeastC.readActive(),
        atLeastD: c.atLeastD.readActive(),
        overVoltage: c.overVoltage?.readActive() ?? false,
      };
      return decodePilotState(levels, this.current);
    } catch {
      return 'invalid';
    }
  }

  /**
   * One undebounced negative level. A comparator that cannot be read counts as `absent`: the unsafe answer for the
   * diode check is the one that stops charging (a missing diode fault), never `present`, and not `unknown` either,
   * which would leave the core waiting forever on a broken input.
   */
  private sampleNegative(): NegativeLevel {
    try {
      return this.comparators.negativeLevel.readActive() ? 'present' : 'absent';
    } catch {
      return 'absent';
    }
  }

  read(): PilotReading {
    return {
      state: this.state.value,
      negativeLevel: this.pwmSinceMs === null ? 'unknown' : this.negative.value,
    };
  }

  /**
   * Calls `listener` in the sampling pass whenever the reading changes. A change that `setOutput` causes (the negative
   * level going `unknown` when the PWM stops) shows in `read()` at once and reaches listeners in the next pass, so a
   * listener that sets the output is never re-entered.
   */
  onChange(listener: (reading: PilotReading) => void): () => void {
    return this.listeners.add(listener);
  }

  /**
   * Writes the generator synchronously: steady +12 V = duty 100 %, PWM = the +12 V share, state F = duty 0 (steady
   * −12 V). Throws EvseError(InvalidArgument) for a duty outside 5…97 %, EvseError(DriverFailure) when sysfs refused
   * (the output and the negative-level tracking then stay as they were).
   */
  setOutput(output: PilotOutput): void {
    if (this.closed && output.mode !== 'stateF') {
      throw new EvseError(EvseErrorCode.DriverFailure, 'pilot.pwm: the pilot driver is closed');
    }
    const period = this.pwm.periodNs;
    switch (output.mode) {
      case 'stateF':
        if (!this.closed) this.pwm.setDutyNs(0);
        break;
      case 'steady':
        this.pwm.setDutyNs(period);
        break;
      case 'pwm': {
        const duty = output.dutyPercent;
        if (!Number.isFinite(duty) || duty < MIN_DUTY_PERCENT || duty > MAX_DUTY_PERCENT) {
          throw new EvseError(
            EvseErrorCode.InvalidArgument,
            `pilot.pwm: duty cycle ${duty} % is outside ${MIN_DUTY_PERCENT}…${MAX_DUTY_PERCENT} %`,
          );
        }
        this.pwm.setDutyNs((period * duty) / 100);
        break;
      }
    }
    if (output.mode !== this.current.mode) this.generatorChangedAtMs = this.clock.monotonicMs();
    if (output.mode === 'stateF' && this.current.mode !== 'stateF') {
      this.stateBeforeF = this.state.value;
    } else if (output.mode !== 'stateF' && this.current.mode === 'stateF') {
      this.leaveStateF();
    }
    if (output.mode !== 'pwm') {
      this.pwmSinceMs = null;
    } else if (this.current.mode !== 'pwm') {
      // PWM starts: the detector starts from whatever it held; nothing it says counts until it settled again.
      const now = this.clock.monotonicMs();
      this.pwmSinceMs = now;
      this.negative = new Debouncer<NegativeLevel>('unknown', this.options.debounceMs, now);
    }
    this.current = output;
  }

  output(): PilotOutput {
    return this.current;
  }

  /**
   * The generator leaves F. A debounced F decoded while we drove −12 V ourselves is stale the moment we stop: read
   * now, the core (which feeds `read()` right after the write) would take our own F for the EV's and latch a pilot
   * fault. Fall back to the state known before F; fresh samples, under the settle debounce of `holdFor`, then say
   * what the EV really does (an unplug during F reads A within one debounce).
   */
  private leaveStateF(): void {
    if (this.state.value !== 'F' || this.stateBeforeF === null) return;
    this.state = new Debouncer<PilotState>(this.stateBeforeF, (from, to) => this.holdFor(from, to), this.clock.monotonicMs());
  }

  /** State F, stop sampling, duty 0 + disable + unexport the PWM, unexport the comparator lines. Idempotent. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    try {
      this.setOutput({ mode: 'stateF' });
    } catch {
      // release() below writes duty 0 again, best effort.
    }
    this.closed = true;
    this.removeTask();
    this.listeners.clear();
    this.pwm.release();
    for (const line of Object.values(this.comparators) as Array<GpioLine | undefined>) line?.release();
    return Promise.resolve();
  }
}
