import type { MonitorConfig } from './config.js';
import { HeldCondition } from './held.js';
import { round1, sampleEvidence, usedPhases, type Finding, type SampleDetector, type SampleInput } from './finding.js';

/**
 * An EV that draws, but far below the offer, for long: all phases together against offer × phases. A one-phase car on
 * three phases, a cable with a low current rating, a hot inlet derating. An EV that pauses (draws nothing) is not this.
 */
export class UnderDraw implements SampleDetector {
  readonly name = 'under-draw' as const;
  private readonly underDraw = new HeldCondition();

  constructor(private readonly cfg: MonitorConfig['underDraw']) {}

  evaluate(input: SampleInput): Finding | null {
    const currents = usedPhases(input).map((p) => p.currentA);
    const total = currents.reduce((a, b) => a + b, 0);
    const offered = input.offer.amps * input.phases;
    const drawing = Math.max(0, ...currents) >= this.cfg.minCurrentA;
    const judged = input.contactor.closed && input.session.id !== null && input.offer.amps > 0 && drawing;
    const heldS = this.underDraw.update(judged && total < offered * this.cfg.maxFraction, input.monoMs);
    if (heldS === null || heldS < this.cfg.holdS) return null;
    return {
      detector: this.name,
      severity: 'info',
      dedupKey: `${this.name}:${input.connectorId}:${input.session.id}`,
      message:
        `For ${Math.round(heldS / 60)} min the EV has drawn ${round1(total)} A in all against ${offered} A offered ` +
        `(${input.offer.amps} A × ${input.phases}): a one-phase car on three phases, a weak cable or a hot inlet may limit it.`,
      threshold: `< ${this.cfg.maxFraction} × offer for ${this.cfg.holdS} s`,
      evidence: { sessionId: input.session.id, offeredA: input.offer.amps, totalA: round1(total), samples: [sampleEvidence(input.sample, input.phases)] },
    };
  }
}
