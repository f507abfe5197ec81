import type { MeterSample } from '../../hal/meter.js';
import type { SampleInput } from '../../src/monitor/finding.js';

/** A reading: per-phase currents at `voltageV`, P = V·I·pf per phase. */
export function reading(importWh: number, currentsA: readonly number[], opts: { voltageV?: number; pf?: number; atMs?: number } = {}): MeterSample {
  const v = opts.voltageV ?? 230;
  const pf = opts.pf ?? 1;
  const phases = currentsA.map((a) => ({ voltageV: v, currentA: a, powerW: v * a * pf }));
  return {
    phases,
    totalPowerW: phases.reduce((sum, p) => sum + p.powerW, 0),
    importWh,
    frequencyHz: 50,
    readAtMs: opts.atMs ?? 1_780_000_000_000,
  };
}

/** A sample input of a normal charge at `monoMs`: contactor closed, session 1, offer 16 A, all since 0. */
export function input(monoMs: number, sample: MeterSample, over: Partial<Omit<SampleInput, 'sample' | 'monoMs'>> = {}): SampleInput {
  return {
    sample,
    monoMs,
    contactor: { closed: true, sinceMono: 0 },
    session: { id: 1, sinceMono: 0 },
    offer: { amps: 16, sinceMono: 0 },
    phases: 3,
    connectorId: 1,
    ...over,
  };
}
