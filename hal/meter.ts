/**
 * Energy meter contract. Drivers (Modbus RTU in `hal/modbus/`, the simulator's meter) implement it;
 * nothing here knows about charging.
 */

/** One phase as the meter reports it. */
export interface PhaseReading {
  /** RMS voltage to neutral, volts. */
  readonly voltageV: number;
  /** RMS current, amperes. */
  readonly currentA: number;
  /** Active power, watts (import positive). */
  readonly powerW: number;
}

/** A complete, fresh reading of the meter. */
export interface MeterSample {
  /** L1 (and L2, L3 on a three-phase meter). */
  readonly phases: readonly PhaseReading[];
  /** Total active power, watts. */
  readonly totalPowerW: number;
  /**
   * Active energy import register in whole watt-hours, as read from the meter (not integrated by us).
   * Billing rests on this number: it is an integer and never derived from power.
   */
  readonly importWh: number;
  /** Mains frequency in hertz, or null when the meter map has no frequency register. */
  readonly frequencyHz: number | null;
  /** Wall-clock time the reading was taken, epoch milliseconds UTC. */
  readonly readAtMs: number;
  /** The meter's own signed record (e.g. OCMF) passed through unchanged, where the meter provides one. */
  readonly signedRecord?: string;
}

/** Why a read did not produce a sample. Each kind is counted separately by drivers. */
export type MeterErrorKind =
  | 'timeout'
  | 'crc'
  | 'exception'
  | 'wrong-unit'
  | 'short-frame'
  | 'port'
  | 'implausible';

/** A failed meter read. Never carries decoded numbers: a bad frame is not a reading. */
export class MeterReadError extends Error {
  constructor(
    readonly kind: MeterErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'MeterReadError';
  }
}

/** An energy meter the station polls. */
export interface EnergyMeter {
  /**
   * Reads one fresh sample. Resolves only with values decoded from a valid answer taken now;
   * rejects with {@link MeterReadError} otherwise (a stale value is never returned as fresh).
   * Calls are not concurrent: the caller awaits one read before starting the next.
   */
  read(): Promise<MeterSample>;
  /** Releases the port. Further reads reject. */
  close(): Promise<void>;
}
