import { currentForDuty } from '../hal/pilot-duty.js';
import type { PilotOutput } from '../hal/pilot.js';

/** What kind of car is plugged in. */
export interface EvProfile {
  /** The on-board charger's maximum current per phase. */
  readonly maxCurrentA: number;
  readonly phases: 1 | 3;
  readonly batteryWh: number;
  readonly startSocPercent: number;
  /** The EV stops asking for power (C→B) at this state of charge. */
  readonly targetSocPercent: number;
  /** Delay between seeing the PWM change and closing/opening S2, ms. */
  readonly reactionMs?: number;
  /** False simulates a missing pilot diode. */
  readonly hasDiode?: boolean;
  /** Asks for ventilation (state D instead of C). */
  readonly needsVentilation?: boolean;
}

/**
 * A simulated electric vehicle: plugs in (B), closes S2 once PWM is offered (C), draws min(offered, its maximum,
 * battery taper) on 1 or 3 phases, its SoC rises, it returns to B when full, and it can be unplugged.
 * It can also misbehave: ignore a reduced PWM (keeps drawing the highest current it was ever offered, keeps S2
 * closed when PWM is removed).
 */
export class SimEv {
  plugged = false;
  s2Closed = false;
  ignoresPwm = false;
  hasDiode: boolean;
  private energyWh: number;
  private highestOfferA = 0;
  private s2DesireSinceMs: number | null = null;

  constructor(readonly profile: EvProfile) {
    this.hasDiode = profile.hasDiode ?? true;
    this.energyWh = (profile.batteryWh * profile.startSocPercent) / 100;
  }

  get socPercent(): number {
    return (this.energyWh / this.profile.batteryWh) * 100;
  }

  get full(): boolean {
    return this.socPercent >= this.profile.targetSocPercent;
  }

  plug(): void {
    this.plugged = true;
    this.s2Closed = false;
    this.highestOfferA = 0;
    this.s2DesireSinceMs = null;
  }

  unplug(): void {
    this.plugged = false;
    this.s2Closed = false;
    this.s2DesireSinceMs = null;
  }

  /** Current the EV reads from the generator (0 without PWM). */
  static offeredA(output: PilotOutput): number {
    return output.mode === 'pwm' ? currentForDuty(output.dutyPercent) : 0;
  }

  /**
   * Advances the EV by `dtMs`: decides S2 from what the generator offers (with the reaction delay) and returns the
   * current per phase it draws, given whether the contactor delivers power.
   */
  advance(nowMs: number, output: PilotOutput, powered: boolean, dtMs: number, voltageV: number): number {
    if (!this.plugged) return 0;
    const offered = SimEv.offeredA(output);
    if (offered > this.highestOfferA) this.highestOfferA = offered;
    const pwmOn = output.mode === 'pwm';
    const wantS2 = !this.full && (pwmOn || (this.ignoresPwm && this.s2Closed));
    if (wantS2 !== this.s2Closed) {
      this.s2DesireSinceMs ??= nowMs;
      if (nowMs - this.s2DesireSinceMs >= (this.profile.reactionMs ?? 500)) {
        this.s2Closed = wantS2;
        this.s2DesireSinceMs = null;
      }
    } else {
      this.s2DesireSinceMs = null;
    }
    if (!powered || !this.s2Closed) return 0;
    const limit = this.ignoresPwm ? this.highestOfferA : offered;
    const current = Math.min(limit, this.profile.maxCurrentA, this.taperA());
    const wh = (current * voltageV * this.profile.phases * dtMs) / 3_600_000;
    this.energyWh = Math.min(this.profile.batteryWh, this.energyWh + wh);
    return current;
  }

  /** Constant current to 80 % SoC, then a linear taper to a fifth of the maximum at 100 %. */
  private taperA(): number {
    const soc = this.socPercent;
    if (soc <= 80) return this.profile.maxCurrentA;
    const share = 1 - ((soc - 80) / 20) * 0.8;
    return Math.max(0, this.profile.maxCurrentA * share);
  }
}
