import type { MonitorConfig } from './config.js';
import { sampleEvidence, type Finding, type SampleDetector, type SampleEvidence, type SampleInput } from './finding.js';

/**
 * The import register going backwards, or moving more than the station's maximum power can deliver in the time
 * between two readings: a replaced or reset meter, a wrong register map, or a corrupted reading. Billing rests on it.
 */
export class RegisterJump implements SampleDetector {
  readonly name = 'register-jump' as const;
  private last: { wh: number; monoMs: number; evidence: SampleEvidence } | null = null;

  constructor(private readonly cfg: MonitorConfig['registerJump']) {}

  evaluate(input: SampleInput): Finding | null {
    const last = this.last;
    const evidence = sampleEvidence(input.sample, input.phases);
    this.last = { wh: input.sample.importWh, monoMs: input.monoMs, evidence };
    if (last === null) return null;
    const delta = input.sample.importWh - last.wh;
    const elapsedS = Math.max(0, input.monoMs - last.monoMs) / 1000;
    const allowedWh = (this.cfg.maxPowerW * elapsedS) / 3600 + this.cfg.toleranceWh;
    const base = { detector: this.name, evidence: { deltaWh: delta, elapsedS, allowedWh: Math.round(allowedWh), samples: [last.evidence, evidence] } };
    if (delta < 0) {
      return {
        ...base,
        severity: 'critical',
        dedupKey: `${this.name}:backwards:${input.connectorId}`,
        message:
          `The meter's import register went backwards by ${-delta} Wh (${last.wh} → ${input.sample.importWh} Wh): the ` +
          'meter was reset or replaced, or the reading is wrong. Bills computed from it are not trustworthy.',
        threshold: 'the register never decreases',
      };
    }
    if (delta > allowedWh) {
      return {
        ...base,
        severity: 'critical',
        dedupKey: `${this.name}:jump:${input.connectorId}`,
        message:
          `The meter's import register jumped ${delta} Wh in ${elapsedS.toFixed(1)} s, more than ${this.cfg.maxPowerW} W ` +
          'could deliver: a corrupted reading or a wrong register. Check the meter before trusting bills.',
        threshold: `<= ${this.cfg.maxPowerW} W × elapsed + ${this.cfg.toleranceWh} Wh`,
      };
    }
    return null;
  }
}
