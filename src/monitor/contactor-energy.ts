import type { MonitorConfig } from './config.js';
import { maxCurrentA, Recent, round1, sampleEvidence, type Finding, type SampleDetector, type SampleEvidence, type SampleInput } from './finding.js';

/**
 * Current or energy while the contactor is commanded open: welded contacts, a bypass around the contactor, or someone
 * drawing power past the station. Judged after a grace time (the contactor's own delay, the meter's integration).
 */
export class EnergyWhileOpen implements SampleDetector {
  readonly name = 'energy-while-open' as const;
  private baselineWh: number | null = null;
  private readonly recent = new Recent<SampleEvidence>(5);

  constructor(private readonly cfg: MonitorConfig['energyWhileOpen']) {}

  evaluate(input: SampleInput): Finding | null {
    if (input.contactor.closed || input.monoMs - input.contactor.sinceMono < this.cfg.graceS * 1000) {
      this.baselineWh = null;
      this.recent.clear();
      return null;
    }
    this.baselineWh ??= input.sample.importWh;
    this.recent.push(sampleEvidence(input.sample, input.phases));
    const current = maxCurrentA(input);
    const wh = input.sample.importWh - this.baselineWh;
    if (current <= this.cfg.minCurrentA && wh < this.cfg.minEnergyWh) return null;
    return {
      detector: this.name,
      severity: 'critical',
      dedupKey: `${this.name}:${input.connectorId}`,
      message:
        `The meter shows ${round1(current)} A and ${wh} Wh although the contactor has been commanded open for ` +
        `${Math.round((input.monoMs - input.contactor.sinceMono) / 1000)} s: welded contacts, a bypass around the ` +
        'contactor, or power drawn past the station. Have the installation checked before the next charge.',
      threshold: `current > ${this.cfg.minCurrentA} A or energy >= ${this.cfg.minEnergyWh} Wh, ${this.cfg.graceS} s after opening`,
      evidence: { currentA: round1(current), energyWh: wh, samples: this.recent.list() },
    };
  }
}

/** The register counting while no authorized session runs (after a grace time around a session's end). */
export class EnergyWithoutSession implements SampleDetector {
  readonly name = 'energy-without-session' as const;
  private baselineWh: number | null = null;
  private readonly recent = new Recent<SampleEvidence>(5);

  constructor(private readonly cfg: MonitorConfig['energyWithoutSession']) {}

  evaluate(input: SampleInput): Finding | null {
    if (input.session.id !== null || input.monoMs - input.session.sinceMono < this.cfg.graceS * 1000) {
      this.baselineWh = null;
      this.recent.clear();
      return null;
    }
    this.baselineWh ??= input.sample.importWh;
    this.recent.push(sampleEvidence(input.sample, input.phases));
    const wh = input.sample.importWh - this.baselineWh;
    if (wh < this.cfg.minEnergyWh) return null;
    return {
      detector: this.name,
      severity: 'critical',
      dedupKey: `${this.name}:${input.connectorId}`,
      message:
        `The meter counted ${wh} Wh while no authorized session was running: energy is being drawn that nobody ` +
        'is billed for (a bypass, welded contacts, or unauthorized use).',
      threshold: `>= ${this.cfg.minEnergyWh} Wh outside a session (after ${this.cfg.graceS} s)`,
      evidence: { energyWh: wh, sinceRegisterWh: this.baselineWh, samples: this.recent.list() },
    };
  }
}
