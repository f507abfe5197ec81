import type { MonitorConfig } from './config.js';
import { HeldCondition } from './held.js';
import { round1, sampleEvidence, usedPhases, type Finding, type SampleDetector, type SampleInput } from './finding.js';

/**
 * A three-phase session whose phase currents differ for long: (max − min) / max above `maxRatio`. A one-phase or
 * two-phase car, a lost phase in the cable or the inlet, or a failing contact.
 */
export class PhaseImbalance implements SampleDetector {
  readonly name = 'phase-imbalance' as const;
  private readonly imbalance = new HeldCondition();

  constructor(private readonly cfg: MonitorConfig['phaseImbalance']) {}

  evaluate(input: SampleInput): Finding | null {
    const currents = usedPhases(input).map((p) => p.currentA);
    const max = Math.max(0, ...currents);
    const min = Math.min(...currents);
    const ratio = max > 0 ? (max - min) / max : 0;
    const judged = input.phases === 3 && currents.length === 3 && input.contactor.closed && input.session.id !== null;
    const heldS = this.imbalance.update(judged && max >= this.cfg.minCurrentA && ratio > this.cfg.maxRatio, input.monoMs);
    if (heldS === null || heldS < this.cfg.holdS) return null;
    return {
      detector: this.name,
      severity: 'info',
      dedupKey: `${this.name}:${input.connectorId}:${input.session.id}`,
      message:
        `The phase currents differ (${currents.map(round1).join(' / ')} A) for ${Math.round(heldS)} s of a three-phase ` +
        'session: a one- or two-phase car, or a phase lost in the cable, the inlet or a contact.',
      threshold: `(max − min) / max > ${this.cfg.maxRatio} for ${this.cfg.holdS} s above ${this.cfg.minCurrentA} A`,
      evidence: { sessionId: input.session.id, ratio: Math.round(ratio * 100) / 100, samples: [sampleEvidence(input.sample, input.phases)] },
    };
  }
}
