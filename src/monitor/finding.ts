import type { MeterSample } from '../../hal/meter.js';
import type { StopReason } from '../control/charger-fsm.js';
import type { FaultName } from '../control/faults.js';
import type { AlertSeverity } from '../journal/types.js';

export type DetectorName =
  | 'energy-while-open'
  | 'energy-without-session'
  | 'register-jump'
  | 'over-offer'
  | 'power-plausibility'
  | 'phase-imbalance'
  | 'under-draw'
  | 'frozen-meter'
  | 'zero-energy'
  | 'short-sessions'
  | 'suspend-cycles'
  | 'session-energy'
  | 'session-fault'
  | 'fault-repeat'
  | 'no-success'
  | 'csms-down'
  | 'disk-full';

/** One meter reading as evidence: compact, JSON, the wall time it was read. */
export interface SampleEvidence {
  readonly atMs: number;
  readonly importWh: number;
  readonly powerW: number;
  /** Per phase: volts, amperes, watts. */
  readonly phases: readonly (readonly [number, number, number])[];
}

/** What a detector found: enough for the operator to see it without the detector's code. */
export interface Finding {
  readonly detector: DetectorName;
  readonly severity: AlertSeverity;
  /** Stable while the same condition persists (the same connector, fault, session …): one alert for it. */
  readonly dedupKey: string;
  /** Plain language, for the operator: what was seen and what it may mean. */
  readonly message: string;
  /** The threshold that was crossed, as configured. */
  readonly threshold: string;
  /** The samples, sessions or counts that show it (JSON). */
  readonly evidence: Readonly<Record<string, unknown>>;
}

/** A meter sample with what the station knew when it arrived. */
export interface SampleInput {
  readonly sample: MeterSample;
  /** Monotonic time the sample arrived. */
  readonly monoMs: number;
  /** The contactor as last commanded, and since when (monotonic). */
  readonly contactor: { readonly closed: boolean; readonly sinceMono: number };
  /** The authorized session running, or null; `sinceMono` is when that last changed. */
  readonly session: { readonly id: number | null; readonly sinceMono: number };
  /** The current the pilot offers (0 without PWM), and since when it has this value. */
  readonly offer: { readonly amps: number; readonly sinceMono: number };
  readonly phases: 1 | 3;
  readonly connectorId: number;
}

export interface SampleDetector {
  /** A DetectorName for the built-in ones; it names the detector in logs and when it is switched off. */
  readonly name: string;
  evaluate(input: SampleInput): Finding | null;
}

/** One finished session, as the session-level detectors judge it. */
export interface SessionSummary {
  readonly sessionId: number;
  readonly connectorId: number;
  /** Monotonic start and stop. */
  readonly startMono: number;
  readonly stopMono: number;
  readonly energyWh: number;
  readonly reason: StopReason;
  /** Suspended (EV or EVSE) → Charging transitions. */
  readonly resumes: number;
  /** The fault that ended it, or null. */
  readonly endedByFault: FaultName | null;
}

export interface SessionDetector {
  readonly name: DetectorName;
  evaluate(session: SessionSummary): Finding | null;
}

export function sampleEvidence(s: MeterSample, phases: number): SampleEvidence {
  return {
    atMs: s.readAtMs,
    importWh: s.importWh,
    powerW: Math.round(s.totalPowerW),
    phases: s.phases.slice(0, phases).map((p) => [round1(p.voltageV), round1(p.currentA), Math.round(p.powerW)] as const),
  };
}

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Keeps the last `size` items (evidence windows). */
export class Recent<T> {
  private readonly items: T[] = [];
  constructor(private readonly size: number) {}
  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.size) this.items.shift();
  }
  clear(): void {
    this.items.length = 0;
  }
  list(): readonly T[] {
    return [...this.items];
  }
}

/** The phases of a sample the connector uses. */
export function usedPhases(input: SampleInput): MeterSample['phases'] {
  return input.sample.phases.slice(0, input.phases);
}

export function maxCurrentA(input: SampleInput): number {
  return Math.max(0, ...usedPhases(input).map((p) => p.currentA));
}
