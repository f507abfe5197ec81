import type { MonitorConfig } from './config.js';
import { HeldCondition } from './held.js';
import { maxCurrentA, Recent, round1, sampleEvidence, type Finding, type SampleDetector, type SampleEvidence, type SampleInput } from './finding.js';

/**
 * An EV drawing more than the pilot offers, beyond a tolerance: it ignores the PWM. IEC 61851-1 gives the EV 5 s to
 * follow a new duty cycle, so the offer must have stood `reactionS` (5 s and one sample interval) and the excess
 * must have held `holdS`. Quick enough to find it before the control core's soft overcurrent (7 s) opens the contactor.
 */
export class OverOffer implements SampleDetector {
  readonly name = 'over-offer' as const;
  private readonly excess = new HeldCondition();
  private readonly recent = new Recent<SampleEvidence>(5);

  constructor(private readonly cfg: MonitorConfig['overOffer']) {}

  evaluate(input: SampleInput): Finding | null {
    const offered = input.offer.amps;
    const current = maxCurrentA(input);
    // The excess is timed from its first reading; it counts only once the EV has had its reaction time.
    const heldS = this.excess.update(input.contactor.closed && offered > 0 && current > offered + this.cfg.toleranceA, input.monoMs);
    if (heldS === null) {
      this.recent.clear();
      return null;
    }
    this.recent.push(sampleEvidence(input.sample, input.phases));
    const settled = input.monoMs - input.offer.sinceMono >= this.cfg.reactionS * 1000;
    if (heldS < this.cfg.holdS || !settled) return null;
    return {
      detector: this.name,
      severity: 'warn',
      dedupKey: `${this.name}:${input.connectorId}`,
      message:
        `The EV draws ${round1(current)} A although the station offers ${offered} A (for ${Math.round(heldS)} s): it ` +
        'ignores the pilot signal. Its on-board charger may be faulty; the supply may be overloaded.',
      threshold: `current > offer + ${this.cfg.toleranceA} A for ${this.cfg.holdS} s, ${this.cfg.reactionS} s after the offer changed`,
      evidence: { offeredA: offered, currentA: round1(current), heldS: Math.round(heldS), samples: this.recent.list() },
    };
  }
}
