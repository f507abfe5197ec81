import type { FaultName } from '../control/faults.js';
import type { MonitorConfig } from './config.js';
import type { Finding } from './finding.js';

/** Raise times kept per fault within the window (far above any sensible `maxCount`). */
const FAULT_TIMES_KEPT = 1000;

const hours = (ms: number): number => Math.round((ms / 3_600_000) * 10) / 10;

/** The same fault raised too often within a window (for example more than 3 RCD trips in 24 h). */
export class FaultRepeat {
  readonly name = 'fault-repeat' as const;
  private readonly times = new Map<FaultName, number[]>();
  constructor(private readonly cfg: MonitorConfig['faultRepeat']) {}

  raised(fault: FaultName, monoMs: number, atMs: number): Finding | null {
    const windowMs = this.cfg.windowH * 3_600_000;
    const kept = (this.times.get(fault) ?? []).filter((t) => monoMs - t <= windowMs);
    kept.push(monoMs);
    // Bounded: a fault flapping every second must not grow this; beyond the cap the count is "at least".
    if (kept.length > FAULT_TIMES_KEPT) kept.shift();
    this.times.set(fault, kept);
    if (kept.length <= this.cfg.maxCount) return null;
    return {
      detector: this.name,
      severity: 'critical',
      dedupKey: `${this.name}:${fault}`,
      message: `The fault ${fault} was raised ${kept.length} times within ${this.cfg.windowH} h: it keeps coming back; the installation or the EVs using it need a look.`,
      threshold: `> ${this.cfg.maxCount} within ${this.cfg.windowH} h`,
      evidence: { fault, count: kept.length, lastAtMs: atMs, agesH: kept.slice(-20).map((t) => hours(monoMs - t)) },
    };
  }
}

/** Plug-ins keep happening but no session delivers energy: the station looks available and is not. */
export class NoSuccess {
  readonly name = 'no-success' as const;
  private lastSuccessMono: number;
  private plugIns = 0;
  private failedSessions: number[] = [];
  constructor(private readonly cfg: MonitorConfig['noSuccess'], startMono: number) {
    this.lastSuccessMono = startMono;
  }

  plugIn(): void {
    this.plugIns += 1;
  }

  sessionEnded(sessionId: number, energyWh: number, monoMs: number): void {
    if (energyWh >= this.cfg.minEnergyWh) {
      this.lastSuccessMono = monoMs;
      this.plugIns = 0;
      this.failedSessions = [];
    } else if (this.failedSessions.length < 50) this.failedSessions.push(sessionId);
  }

  check(monoMs: number): Finding | null {
    const sinceMs = monoMs - this.lastSuccessMono;
    if (sinceMs < this.cfg.days * 86_400_000 || this.plugIns < this.cfg.minPlugIns) return null;
    return {
      detector: this.name,
      severity: 'critical',
      dedupKey: this.name,
      message: `No session has delivered at least ${this.cfg.minEnergyWh} Wh for ${Math.floor(sinceMs / 86_400_000)} days, although EVs were plugged in ${this.plugIns} times: drivers cannot charge here.`,
      threshold: `${this.cfg.days} days without success, >= ${this.cfg.minPlugIns} plug-ins`,
      evidence: { plugIns: this.plugIns, daysWithoutSuccess: Math.round((sinceMs / 86_400_000) * 10) / 10, sessionIds: this.failedSessions },
    };
  }
}

/** The CSMS link down longer than allowed: remote start, authorization and billing upstream do not work. */
export class CsmsDown {
  readonly name = 'csms-down' as const;
  /** Null while up, or while nobody reported on the link (a station without a CSMS). */
  private downSinceMono: number | null = null;
  constructor(private readonly cfg: MonitorConfig['csmsDown']) {}

  link(up: boolean, monoMs: number): void {
    if (up) this.downSinceMono = null;
    else this.downSinceMono ??= monoMs;
  }

  check(monoMs: number, nowMs: number): Finding | null {
    if (this.downSinceMono === null) return null;
    const downMs = monoMs - this.downSinceMono;
    if (downMs < this.cfg.maxDownMin * 60_000) return null;
    return {
      detector: this.name,
      severity: 'warn',
      dedupKey: this.name,
      message: `The link to the CSMS has been down for ${Math.round(downMs / 60_000)} min: sessions run offline and reach the CSMS only when it is back.`,
      threshold: `down > ${this.cfg.maxDownMin} min`,
      evidence: { downSinceMs: nowMs - downMs, downMin: Math.round(downMs / 60_000) },
    };
  }
}

/** The journal's file system nearly full: soon no session can start (the journal must commit first). */
export class DiskFull {
  readonly name = 'disk-full' as const;
  constructor(private readonly cfg: MonitorConfig['diskFull']) {}

  check(space: { readonly freeBytes: number; readonly totalBytes: number; readonly path: string }): Finding | null {
    const freeMb = space.freeBytes / 1_048_576;
    const fraction = space.totalBytes > 0 ? space.freeBytes / space.totalBytes : 1;
    if (freeMb >= this.cfg.minFreeMb && fraction >= this.cfg.minFreeFraction) return null;
    return {
      detector: this.name,
      severity: 'critical',
      dedupKey: `${this.name}:${space.path}`,
      message: `The journal's disk (${space.path}) has only ${Math.round(freeMb)} MB free (${(fraction * 100).toFixed(1)} %): free space or prune the journal before sessions can no longer start.`,
      threshold: `>= ${this.cfg.minFreeMb} MB and >= ${this.cfg.minFreeFraction * 100} % free`,
      evidence: { path: space.path, freeBytes: space.freeBytes, totalBytes: space.totalBytes },
    };
  }
}
