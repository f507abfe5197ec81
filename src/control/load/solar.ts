/**
 * Solar mode: charge from export only, with hysteresis so a passing cloud does not start and stop the session every
 * minute (each stop and start wears the contactor and upsets some EVs). The surplus is what the building would export
 * if the EV drew nothing: the EV's own power minus the mains power (export is negative mains power).
 *
 * - Not charging: start once the surplus has stayed at or above `startSurplusW` for `startHoldS`.
 * - Charging: offer the surplus as current (at least the 6 A minimum, which may draw a little from the grid); stop
 *   once the surplus has stayed below `stopSurplusW` for `stopHoldS`. The offer moves by what the mains meter shows:
 *   export raises it from the pilot's present offer, import lowers it from what the EV draws. The mains reading is
 *   the one that matters (zero export, like evcc and the OpenEVSE shaper), so an EV sample taken a moment before the
 *   EV followed the last change cannot pull the offer back.
 * - `solar-min` never stops: the minimum current always, plus the surplus above it.
 */
import { limitText, type LimitWords } from '../limit-words.js';

export interface SolarSettings {
  readonly startSurplusW: number;
  readonly stopSurplusW: number;
  readonly startHoldS: number;
  readonly stopHoldS: number;
  /** The lowest current the pilot can offer (6 A). */
  readonly minA: number;
  readonly nominalVoltageV: number;
  readonly stationPhases: 1 | 3;
}

export interface SolarDecision {
  /** Amps to offer, or 0 to pause. */
  readonly amps: number;
  readonly surplusW: number;
  /** "solar surplus 3.2 kW", "waiting for solar surplus 4.1 kW (now 2.3 kW)". */
  readonly reason: string;
  /** The same as data, for the page's languages. */
  readonly words: LimitWords;
}

function decision(amps: number, surplusW: number, words: LimitWords): SolarDecision {
  return { amps, surplusW, reason: limitText(words), words };
}

export class SolarHysteresis {
  private charging = false;
  /** Since when the surplus has been on the other side of the threshold that would switch (null: it is not). */
  private crossingSinceMs: number | null = null;
  private switches = 0;

  constructor(
    private readonly settings: SolarSettings,
    private readonly keepMinimum: boolean,
  ) {}

  /** The decision for a reading taken at `monoMs`: the mains power (import positive) and the EV's power now. */
  decide(mainsPowerW: number, evPowerW: number, monoMs: number, offeredA?: number): SolarDecision {
    const s = this.settings;
    const perAmpW = s.nominalVoltageV * s.stationPhases;
    const surplusW = Math.max(0, evPowerW) - mainsPowerW;
    const evA = Math.max(0, evPowerW) / perAmpW;
    // What the EV could have from the surplus: from the offer in force when exporting (the EV may not show its last
    // step yet), from its own draw when importing (it may take less than offered).
    const base = offeredA === undefined ? evA : mainsPowerW <= 0 ? Math.max(offeredA, evA) : Math.min(offeredA, evA);
    const surplusA = base - mainsPowerW / perAmpW;
    if (this.keepMinimum) {
      const amps = Math.max(s.minA, floorTenth(surplusA));
      return decision(amps, surplusW, surplusA > s.minA ? { kind: 'solar', surplusW } : { kind: 'solar-min', minA: s.minA, surplusW });
    }
    const wantsSwitch = this.charging ? surplusW < s.stopSurplusW : surplusW >= s.startSurplusW;
    if (!wantsSwitch) this.crossingSinceMs = null;
    else {
      this.crossingSinceMs ??= monoMs;
      const holdMs = (this.charging ? s.stopHoldS : s.startHoldS) * 1000;
      if (monoMs - this.crossingSinceMs >= holdMs) {
        this.charging = !this.charging;
        this.crossingSinceMs = null;
        this.switches++;
      }
    }
    if (!this.charging) {
      return decision(0, surplusW, { kind: 'solar-wait', startW: s.startSurplusW, surplusW });
    }
    return decision(Math.max(s.minA, floorTenth(surplusA)), surplusW, { kind: 'solar', surplusW });
  }

  /** Whether solar lets the EV charge now. */
  get active(): boolean {
    return this.keepMinimum || this.charging;
  }

  /** Starts and stops so far (for the no-flapping figure). */
  get switchCount(): number {
    return this.switches;
  }
}

function floorTenth(a: number): number {
  return Math.floor(a * 10 + 1e-9) / 10;
}
