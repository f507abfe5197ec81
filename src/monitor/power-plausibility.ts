import type { MonitorConfig } from './config.js';
import { round1, sampleEvidence, usedPhases, type Finding, type SampleDetector, type SampleInput } from './finding.js';

/**
 * Per phase, the active power P against the apparent power V × I: P can never exceed it (beyond the meter's error), and
 * an EV charger's power factor is close to 1, so P far below it is implausible too. A wrong register map, a swapped CT
 * or a broken voltage sense shows this way. Several consecutive readings, since V, I and P of one reading may be
 * taken at slightly different instants of a ramp.
 */
export class PowerPlausibility implements SampleDetector {
  readonly name = 'power-plausibility' as const;
  private consecutive = 0;

  constructor(private readonly cfg: MonitorConfig['powerPlausibility']) {}

  evaluate(input: SampleInput): Finding | null {
    const bad = usedPhases(input)
      .map((p, i) => ({ phase: i + 1, va: p.voltageV * p.currentA, w: p.powerW }))
      .filter(({ va, w }) => va >= this.cfg.minApparentVa && (w > va * (1 + this.cfg.maxExcess) || w < va * this.cfg.minPowerFactor));
    if (bad.length === 0) {
      this.consecutive = 0;
      return null;
    }
    this.consecutive += 1;
    if (this.consecutive < this.cfg.consecutiveSamples) return null;
    const first = bad[0]!;
    return {
      detector: this.name,
      severity: 'warn',
      dedupKey: `${this.name}:${input.connectorId}`,
      message:
        `On phase L${first.phase} the meter reports ${Math.round(first.w)} W, while voltage × current is ` +
        `${Math.round(first.va)} VA (power factor ${round1(first.w / first.va)}): the readings do not fit together. ` +
        'Check the meter, its register map and its wiring.',
      threshold: `${this.cfg.minPowerFactor} × V·I <= P <= ${1 + this.cfg.maxExcess} × V·I, ${this.cfg.consecutiveSamples} readings`,
      evidence: {
        phases: bad.map((b) => ({ phase: b.phase, powerW: Math.round(b.w), apparentVa: Math.round(b.va) })),
        samples: [sampleEvidence(input.sample, input.phases)],
      },
    };
  }
}
