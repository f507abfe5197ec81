import type { MonitorConfig } from './config.js';
import { sampleEvidence, type Finding, type SampleDetector, type SampleEvidence, type SampleInput } from './finding.js';

/**
 * A meter whose values froze still answers with valid frames, so no driver can see it. If the reported power should
 * have moved the import register by well over its resolution and the register stood still, the meter is suspect.
 *
 * Judged on readings actually taken, pair by pair: between two readings the register can only be expected to have
 * counted what the lower of their two powers delivers over the time between them. The power at the end alone charged
 * a whole delayed poll (a loaded machine, a slow answer) at a power that may only just have ramped up: a charge
 * starting late inside a 7 s gap at 11 kW counted as 21 Wh that never could have reached the register.
 * (Moved here from the control core's sample monitor: it is an anomaly to report, not a safety action.)
 */
export class FrozenMeter implements SampleDetector {
  readonly name = 'frozen-meter' as const;
  private last: { wh: number; monoMs: number; powerW: number } | null = null;
  private expectedWh = 0;
  private first: SampleEvidence | null = null;

  constructor(private readonly cfg: MonitorConfig['frozenMeter']) {}

  evaluate(input: SampleInput): Finding | null {
    const { sample } = input;
    const last = this.last;
    const powerW = Math.max(0, sample.totalPowerW);
    if (last === null || sample.importWh !== last.wh) {
      this.last = { wh: sample.importWh, monoMs: input.monoMs, powerW };
      this.expectedWh = 0;
      this.first = sampleEvidence(sample, input.phases);
      return null;
    }
    this.expectedWh += (Math.min(last.powerW, powerW) * Math.max(0, input.monoMs - last.monoMs)) / 3_600_000;
    this.last = { wh: last.wh, monoMs: input.monoMs, powerW };
    if (this.expectedWh <= this.cfg.minEnergyWh) return null;
    const expected = Math.round(this.expectedWh);
    this.expectedWh = 0;
    return {
      detector: this.name,
      severity: 'warn',
      dedupKey: `${this.name}:${input.connectorId}`,
      message:
        `The meter's import register stayed at ${sample.importWh} Wh while the power it reports should have added ` +
        `${expected} Wh: the meter's values look frozen. Sessions may be billed too little.`,
      threshold: `register still after > ${this.cfg.minEnergyWh} Wh of reported power`,
      evidence: { stuckAtWh: sample.importWh, expectedWh: expected, samples: [this.first, sampleEvidence(sample, input.phases)] },
    };
  }
}
