import type { Clock, TimerHandle } from '../clock.js';
import type { ControlConfig, LimitsConfig } from './config.js';
import type { LoadLimit } from './load/load-manager.js';
import { offeredCurrent, type OfferedCurrent } from './power-limit.js';

/**
 * Who set an external limit. Each source keeps its own and the offer follows the least of them, so one source never
 * lifts another's: an MQTT limit that expires leaves the CSMS's smart-charging limit in force, and the reverse.
 */
export type ExternalLimitSource = 'smart-charging' | 'home-automation';

export interface OfferGovernorDeps {
  readonly limits: LimitsConfig;
  readonly control: ControlConfig;
  readonly clock: Clock;
  /** Whether a temperature fault asks for derating now. */
  readonly derating: () => boolean;
  /** The amps the state machine offers now, and whether the pilot runs PWM (an offer change is then visible to the EV). */
  readonly applied: () => { readonly amps: number; readonly pwm: boolean };
  /** Takes a new offer into effect (the runner feeds it to the state machine). */
  readonly apply: (offer: OfferedCurrent) => void;
}

/**
 * The offer the pilot makes: the smallest of the ratings, the external (smart charging) limit and temperature
 * derating, with IEC 61851-1's pacing: a reduction acts at once, an increase at most every `pwmChangeMinIntervalS`.
 */
export class OfferGovernor {
  private readonly externalLimits = new Map<ExternalLimitSource, number>();
  private loadLimit: LoadLimit | null = null;
  private offer: OfferedCurrent;
  private lastChangeMono = Number.NEGATIVE_INFINITY;
  private timer: TimerHandle | undefined;

  constructor(private readonly deps: OfferGovernorDeps) {
    this.offer = this.target();
  }

  /** The offer in force (or being paced in). */
  current(): OfferedCurrent {
    return this.offer;
  }

  /** A limit in A from one source (smart charging by default); null removes that source's limit only. */
  setExternalLimit(limitA: number | null, source: ExternalLimitSource = 'smart-charging'): void {
    if (limitA === null) this.externalLimits.delete(source);
    else this.externalLimits.set(source, limitA);
    this.update();
  }

  /** The building's limit (load management: fuse, solar), with its reason; null when it does not limit. */
  setLoadLimit(limit: LoadLimit | null): void {
    if (limit?.amps === this.loadLimit?.amps && limit?.reason === this.loadLimit?.reason) return;
    this.loadLimit = limit;
    this.update();
  }

  /** Re-evaluates the offer (a fault started or ended derating, a limit changed). */
  update(): void {
    const target = this.target();
    const { amps: applied, pwm } = this.deps.applied();
    this.cancelTimer();
    if (target.amps === applied) {
      this.offer = target;
      return;
    }
    const minGapMs = this.deps.control.pwmChangeMinIntervalS * 1000;
    const sinceLast = this.deps.clock.monotonicMs() - this.lastChangeMono;
    if (target.amps < applied || sinceLast >= minGapMs || !pwm) {
      this.offer = target;
      this.lastChangeMono = this.deps.clock.monotonicMs();
      this.deps.apply(target);
    } else {
      this.timer = this.deps.clock.setTimeout(() => {
        this.timer = undefined;
        this.update();
      }, minGapMs - sinceLast);
    }
  }

  dispose(): void {
    this.cancelTimer();
  }

  private target(): OfferedCurrent {
    const { limits, control } = this.deps;
    return offeredCurrent({
      hardwareMaxA: limits.hardwareMaxA,
      cableMaxA: limits.cableMaxA,
      configuredMaxA: limits.configuredMaxA,
      externalA: this.externalLimits.size === 0 ? null : Math.min(...this.externalLimits.values()),
      temperatureA: this.deps.derating() ? control.temperature.derateToA : null,
      load: this.loadLimit,
    });
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
