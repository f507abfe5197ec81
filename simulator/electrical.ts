import type { MeterSample, PhaseReading } from '../hal/meter.js';

/**
 * The electrical model behind the simulated meter: mains voltage per phase, the currents the EV draws, and an import
 * register that integrates the power. The register is kept in fractional Wh internally and read out as whole Wh, as a
 * real meter does.
 */
export class ElectricalModel {
  voltagesV: [number, number, number] = [230, 230, 230];
  frequencyHz = 50;
  private currentsA: [number, number, number] = [0, 0, 0];
  private energyWh: number;
  /** When set, samples repeat this one (a "frozen" meter). */
  frozen: MeterSample | null = null;

  constructor(initialRegisterWh = 1_234_567) {
    this.energyWh = initialRegisterWh;
  }

  /** Sets the per-phase currents (A) flowing to the EV from now on. */
  setCurrents(perPhaseA: number, phases: 1 | 3): void {
    this.currentsA = phases === 3 ? [perPhaseA, perPhaseA, perPhaseA] : [perPhaseA, 0, 0];
  }

  /** Integrates the present power over `dtMs`. */
  integrate(dtMs: number): void {
    this.energyWh += (this.totalPowerW() * dtMs) / 3_600_000;
  }

  /** Resets the import register (a meter swapped or reset): the driver must notice the register going backwards. */
  resetRegister(toWh = 0): void {
    this.energyWh = toWh;
  }

  totalPowerW(): number {
    return this.currentsA.reduce((sum, a, i) => sum + a * (this.voltagesV[i] ?? 0), 0);
  }

  registerWh(): number {
    return Math.floor(this.energyWh);
  }

  /** The register's exact (fractional) energy, Wh: what a reader carrying the register on starts from. */
  exactEnergyWh(): number {
    return this.energyWh;
  }

  /** A sample as a perfect meter would report it now. */
  sample(nowMs: number): MeterSample {
    if (this.frozen) return { ...this.frozen, readAtMs: nowMs };
    const phases: PhaseReading[] = this.currentsA.map((a, i) => {
      const v = this.voltagesV[i] ?? 0;
      return { voltageV: v, currentA: a, powerW: a * v };
    });
    return {
      phases,
      totalPowerW: this.totalPowerW(),
      importWh: this.registerWh(),
      frequencyHz: this.frequencyHz,
      readAtMs: nowMs,
    };
  }
}
