import type { MonitorConfig } from './config.js';
import type { Finding, SessionDetector, SessionSummary } from './finding.js';

const minutes = (ms: number): number => Math.round(ms / 60_000);

/** A session that delivered no energy: the EV never started (a start-up failure, a cable or pilot problem). */
export class ZeroEnergy implements SessionDetector {
  readonly name = 'zero-energy' as const;
  constructor(private readonly cfg: MonitorConfig['zeroEnergy']) {}
  evaluate(s: SessionSummary): Finding | null {
    if (s.energyWh > this.cfg.maxWh) return null;
    return {
      detector: this.name,
      severity: 'warn',
      dedupKey: `${this.name}:${s.connectorId}`,
      message: `Session ${s.sessionId} ended (${s.reason}) after ${minutes(s.stopMono - s.startMono)} min with ${s.energyWh} Wh: the EV never charged.`,
      threshold: `energy <= ${this.cfg.maxWh} Wh`,
      evidence: { sessionIds: [s.sessionId], energyWh: s.energyWh, reason: s.reason },
    };
  }
}

/** Very short sessions repeated on one connector: a driver retrying, a car that keeps aborting, a flaky cable. */
export class ShortSessions implements SessionDetector {
  readonly name = 'short-sessions' as const;
  private readonly recent = new Map<number, { id: number; stopMono: number; durationS: number }[]>();
  constructor(private readonly cfg: MonitorConfig['shortSessions']) {}
  evaluate(s: SessionSummary): Finding | null {
    const durationS = (s.stopMono - s.startMono) / 1000;
    const windowMs = this.cfg.windowH * 3_600_000;
    const kept = (this.recent.get(s.connectorId) ?? []).filter((r) => s.stopMono - r.stopMono <= windowMs);
    if (durationS < this.cfg.maxDurationS) kept.push({ id: s.sessionId, stopMono: s.stopMono, durationS: Math.round(durationS) });
    this.recent.set(s.connectorId, kept);
    if (kept.length < this.cfg.count) return null;
    return {
      detector: this.name,
      severity: 'warn',
      dedupKey: `${this.name}:${s.connectorId}`,
      message: `${kept.length} sessions on connector ${s.connectorId} lasted less than ${this.cfg.maxDurationS} s each within ${this.cfg.windowH} h: charging keeps aborting right after it starts.`,
      threshold: `${this.cfg.count} sessions < ${this.cfg.maxDurationS} s within ${this.cfg.windowH} h`,
      evidence: { sessionIds: kept.map((r) => r.id), durationsS: kept.map((r) => r.durationS) },
    };
  }
}

/** A session suspended and resumed many times: an EV or a load manager oscillating. */
export class SuspendCycles implements SessionDetector {
  readonly name = 'suspend-cycles' as const;
  constructor(private readonly cfg: MonitorConfig['suspendCycles']) {}
  evaluate(s: SessionSummary): Finding | null {
    if (s.resumes <= this.cfg.maxCycles) return null;
    return {
      detector: this.name,
      severity: 'info',
      dedupKey: `${this.name}:${s.sessionId}`,
      message: `Session ${s.sessionId} was suspended and resumed ${s.resumes} times: the EV or the power limit keeps switching charging on and off, which wears the contactor.`,
      threshold: `> ${this.cfg.maxCycles} cycles`,
      evidence: { sessionIds: [s.sessionId], resumes: s.resumes },
    };
  }
}

/** More energy in one session than a plausible battery takes: a wrong meter, a register jump, or not an EV. */
export class SessionEnergy implements SessionDetector {
  readonly name = 'session-energy' as const;
  constructor(private readonly cfg: MonitorConfig['sessionEnergy']) {}
  evaluate(s: SessionSummary): Finding | null {
    if (s.energyWh <= this.cfg.maxWh) return null;
    return {
      detector: this.name,
      severity: 'warn',
      dedupKey: `${this.name}:${s.sessionId}`,
      message: `Session ${s.sessionId} delivered ${(s.energyWh / 1000).toFixed(1)} kWh, more than any car battery holds: check the meter, or what is plugged in.`,
      threshold: `<= ${this.cfg.maxWh} Wh per session`,
      evidence: { sessionIds: [s.sessionId], energyWh: s.energyWh },
    };
  }
}

/** A session that a fault ended. */
export class SessionFault implements SessionDetector {
  readonly name = 'session-fault' as const;
  evaluate(s: SessionSummary): Finding | null {
    if (s.endedByFault === null) return null;
    return {
      detector: this.name,
      severity: 'warn',
      dedupKey: `${this.name}:${s.sessionId}`,
      message: `Session ${s.sessionId} was ended by the fault ${s.endedByFault} (${s.reason}) after ${s.energyWh} Wh: the driver's charge did not finish.`,
      threshold: 'a fault that ends sessions',
      evidence: { sessionIds: [s.sessionId], fault: s.endedByFault, reason: s.reason, energyWh: s.energyWh },
    };
  }
}
