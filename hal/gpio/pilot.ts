import type { Clock } from '../base/clock.js';
import { EvseError, EvseErrorCode } from '../base/errors.js';
import type { ControlPilot, PilotOutput, PilotReading, PilotState } from '../pilot.js';
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
  readonly negativeLevel: boolean;
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

function sameReading(a: PilotReading, b: PilotReading): boolean {
  return a.state === b.state && a.negativeLevelOk === b.negativeLevelOk;
}

/** ControlPilot over a sysfs PWM channel and GPIO comparator inputs. Starts in state F. */
export class GpioControlPilot implements ControlPilot {
  private current: PilotOutput = { mode: 'stateF' };
  private readonly debounced: Debouncer<PilotReading>;
  private readonly listeners = new Listeners<PilotReading>();
  private readonly removeTask: () => void;
  private closed = false;

  constructor(
    private readonly pwm: PilotPwm,
    private readonly comparators: ComparatorLines,
    sampler: InputSampler,
    clock: Clock,
    debounceMs: number,
    private readonly onListenerError: (err: unknown) => void = () => undefined,
  ) {
    // The constructor trusts the PWM to be at duty 0 already (SysfsPwm.open leaves it there), and says so again.
    this.pwm.setDutyNs(0);
    this.debounced = new Debouncer<PilotReading>(this.sample(), debounceMs, clock.monotonicMs(), sameReading);
    this.removeTask = sampler.add((now) => {
      if (this.debounced.update(this.sample(), now)) this.listeners.emit(this.debounced.value, this.onListenerError);
    });
  }

  /** One undebounced reading; a comparator that cannot be read makes the reading `invalid`. */
  private sample(): PilotReading {
    try {
      const c = this.comparators;
      const levels: ComparatorLevels = {
        atLeastA: c.atLeastA.readActive(),
        atLeastB: c.atLeastB.readActive(),
        atLeastC: c.atLeastC.readActive(),
        atLeastD: c.atLeastD.readActive(),
        overVoltage: c.overVoltage?.readActive() ?? false,
        negativeLevel: c.negativeLevel.readActive(),
      };
      return { state: decodePilotState(levels, this.current), negativeLevelOk: levels.negativeLevel };
    } catch {
      return { state: 'invalid', negativeLevelOk: false };
    }
  }

  read(): PilotReading {
    return this.debounced.value;
  }

  onChange(listener: (reading: PilotReading) => void): () => void {
    return this.listeners.add(listener);
  }

  /**
   * Writes the generator synchronously: steady +12 V = duty 100 %, PWM = the +12 V share, state F = duty 0 (steady
   * −12 V). Throws EvseError(InvalidArgument) for a duty outside 5…97 %, EvseError(DriverFailure) when sysfs refused.
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
    this.current = output;
  }

  output(): PilotOutput {
    return this.current;
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
