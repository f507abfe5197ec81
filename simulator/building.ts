import type { MeterSample } from '../hal/meter.js';

/**
 * The building around a simulated station, for load management: the household's load per phase and a PV plant, both
 * as functions of the time of day, and the meter at the grid connection that sees them together with the EV. The
 * mains meter is served over the same virtual RS-485 line as the EV meter (its own unit id), so the station reads it
 * through the real driver.
 */
export interface BuildingProfile {
  readonly name: string;
  /** Household load per phase in W at `secondOfDay` (0 … 86 399). */
  household(secondOfDay: number): readonly [number, number, number];
  /** PV output in W (spread evenly over three phases by the inverter). */
  pv(secondOfDay: number): number;
}

const HOUR = 3600;

/** Whether `s` lies within [from, to) hours of the day. */
const between = (s: number, from: number, to: number): boolean => s >= from * HOUR && s < to * HOUR;

/**
 * A family house on a 25 A connection: 300 W base per phase; a heat pump (3 × 1.2 kW) running 20 minutes of every
 * hour; an oven on L1 and L2 (2 × 2.3 kW) at dinner time, with a hob on L3 (3.5 kW) for part of it; a kettle on L1
 * (2.2 kW) for 3 minutes a few times a day; a washing machine on L2 (2 kW) in the morning. No PV.
 */
export const familyHouse: BuildingProfile = {
  name: 'house',
  household(s) {
    const load: [number, number, number] = [300, 300, 300];
    if (s % HOUR < 20 * 60) for (let p = 0; p < 3; p++) load[p] = (load[p] ?? 0) + 1200;
    if (between(s, 17.5, 18.75)) {
      load[0] += 2300;
      load[1] += 2300;
    }
    if (between(s, 17.75, 18.25)) load[2] += 3500;
    for (const h of [7, 12, 16, 21]) if (s >= h * HOUR && s < h * HOUR + 180) load[0] += 2200;
    if (between(s, 9, 10.5)) load[1] += 2000;
    return load;
  },
  pv: () => 0,
};

/**
 * A house with 10 kWp of PV on a clear day with passing clouds in the afternoon: the sun from 06:00 to 20:00 (a sine,
 * 8.5 kW peak at 13:00), clouds cutting it to a third for a few minutes at a time between 14:00 and 16:00, and a
 * smaller household (250 W base per phase, the heat pump 3 × 0.8 kW for 15 minutes an hour, cooking at 18:00).
 */
export const solarHouse: BuildingProfile = {
  name: 'solar-day',
  household(s) {
    const load: [number, number, number] = [250, 250, 250];
    if (s % HOUR < 15 * 60) for (let p = 0; p < 3; p++) load[p] = (load[p] ?? 0) + 800;
    if (between(s, 18, 18.75)) load[0] += 2300;
    return load;
  },
  pv(s) {
    if (!between(s, 6, 20)) return 0;
    const sun = 8500 * Math.sin((Math.PI * (s - 6 * HOUR)) / (14 * HOUR));
    // Clouds: 4 minutes of shade every 13 minutes between 14:00 and 16:00.
    const cloudy = between(s, 14, 16) && s % (13 * 60) < 4 * 60;
    return Math.max(0, cloudy ? sun / 3 : sun);
  },
};

export const buildingProfiles: readonly BuildingProfile[] = [familyHouse, solarHouse];

/**
 * The meter at the grid connection: household + EV − PV per phase, signed (export negative), at `nominalVoltageV`.
 * Its import register counts imported energy only, like a bidirectional meter's import register.
 */
export class MainsMeterModel {
  private importWh = 5_000_000;
  private exportWh = 0;
  private lastMs: number | null = null;

  constructor(
    private readonly building: BuildingProfile,
    /** The EV meter's sample now (what the EV draws). */
    private readonly ev: () => MeterSample,
    /** The building's local time of day in seconds for a wall time (the simulated day). */
    private readonly secondOfDay: (nowMs: number) => number,
    private readonly nominalVoltageV = 230,
  ) {}

  /** The grid connection now: what the building, the PV and the EV add up to. */
  sample(nowMs: number): MeterSample {
    const s = this.secondOfDay(nowMs);
    const house = this.building.household(s);
    const pvPerPhase = this.building.pv(s) / 3;
    const ev = this.ev();
    const phases = [0, 1, 2].map((i) => {
      const powerW = (house[i] ?? 0) - pvPerPhase + (ev.phases[i]?.powerW ?? 0);
      return { voltageV: this.nominalVoltageV, currentA: Math.abs(powerW) / this.nominalVoltageV, powerW };
    });
    const totalPowerW = phases.reduce((sum, p) => sum + p.powerW, 0);
    if (this.lastMs !== null && nowMs > this.lastMs) {
      const wh = (totalPowerW * (nowMs - this.lastMs)) / 3_600_000;
      if (wh > 0) this.importWh += wh;
      else this.exportWh -= wh;
    }
    this.lastMs = nowMs;
    return { phases, totalPowerW, importWh: Math.round(this.importWh), frequencyHz: 50, readAtMs: nowMs };
  }

  /** Energy exported so far (for the surplus report of the simulated day). */
  get exportedWh(): number {
    return this.exportWh;
  }
}
