import { fuseLimit } from './fuse-limit.js';
import { FuseHeat, defaultFuseCurve, type FuseCurvePoint } from './fuse-curve.js';
import { describeImplausibleMains, implausibleMains, type MainsReading } from './mains-reading.js';
import { SolarHysteresis, type SolarSettings } from './solar.js';

export type LoadMode = 'off' | 'fuse' | 'solar' | 'solar-min';

export interface LoadSettings {
  readonly mode: LoadMode;
  /** The main fuse per phase, A. */
  readonly fuseA: number;
  /** Kept free below the fuse, A. */
  readonly marginA: number;
  /** Offered while the mains meter is lost (fuse mode; solar modes pause). */
  readonly fallbackA: number;
  /** Whether the building has PV (export is then plausible). */
  readonly pvInstalled: boolean;
  readonly solar: Omit<SolarSettings, 'minA' | 'nominalVoltageV' | 'stationPhases'>;
  readonly minA: number;
  readonly nominalVoltageV: number;
  readonly stationPhases: 1 | 3;
  /** Share of the fuse's tolerance (see fuse-curve.ts) at which the station cuts its load: well before the fuse. */
  readonly cutAtShare?: number;
  readonly curve?: readonly FuseCurvePoint[];
}

/** What the EV meter says now, for the fuse arithmetic (its own current) and the surplus (its own power). */
export interface EvDraw {
  readonly currentsA: readonly [number, number, number];
  readonly powerW: number;
}

/** A limit on the offer from load management, with the reason the driver and operator see. */
export interface LoadLimit {
  readonly amps: number;
  readonly reason: string;
}

/** What happened to the mains meter, for the fault and the log. */
export type MainsHealth =
  | { readonly ok: true }
  | { readonly ok: false; readonly why: string };

const DEFAULT_CUT_AT_SHARE = 0.8;
/** Above this share of the tolerance used, the offer does not rise: a fuse still warm from an overload gets time to cool. */
const WARM_SHARE = 0.3;

/**
 * The offer's limit from the building: fuse mode keeps the mains current under the fuse minus the margin; solar modes
 * charge from surplus (and keep the fuse too). Fed each mains reading with the EV's draw at that moment; a lost or
 * implausible mains meter falls back to `fallbackA` (fuse) or a pause (solar), never to "the building is idle".
 * An overload the EV does not shed in time (it may take 5 s to follow the pilot) is cut — limit 0, so the pilot stops
 * offering and the contactor opens after the usual grace — once 80 % of the fuse's tolerance is used; and while the
 * fuse is still warm from an overload (30 % used) the limit does not rise, so repeated spikes do not add up.
 */
export class LoadManager {
  private mode: LoadMode;
  private readonly heat: FuseHeat;
  private readonly solar: SolarHysteresis;
  private readonly solarMin: SolarHysteresis;
  private lastMono: number | null = null;
  private cut = false;
  private lost: string | null = null;
  private latest: LoadLimit | null = null;
  private lastReading: MainsReading | null = null;
  private surplusW: number | null = null;
  private limitedMs = 0;

  constructor(private readonly settings: LoadSettings) {
    this.mode = settings.mode;
    this.heat = new FuseHeat(settings.curve ?? defaultFuseCurve);
    const solarSettings: SolarSettings = {
      ...settings.solar,
      minA: settings.minA,
      nominalVoltageV: settings.nominalVoltageV,
      stationPhases: settings.stationPhases,
    };
    this.solar = new SolarHysteresis(solarSettings, false);
    this.solarMin = new SolarHysteresis(solarSettings, true);
  }

  get currentMode(): LoadMode {
    return this.mode;
  }

  setMode(mode: LoadMode): LoadLimit | null {
    this.mode = mode;
    this.latest = this.lost !== null ? this.fallback() : this.lastReading !== null ? this.latest : null;
    if (mode === 'off') this.latest = null;
    return this.latest;
  }

  /** The limit in force (null: load management does not limit). */
  limit(): LoadLimit | null {
    return this.mode === 'off' ? null : this.latest;
  }

  /** The last plausible reading, the surplus, and the ms spent limited by the fuse (for reports and metrics). */
  figures(): { readonly reading: MainsReading | null; readonly surplusW: number | null; readonly fuseLimitedMs: number; readonly lost: string | null } {
    return { reading: this.lastReading, surplusW: this.surplusW, fuseLimitedMs: this.limitedMs, lost: this.lost };
  }

  /**
   * A mains reading and the EV's draw at the same moment. Returns the new limit, and the meter's health when the
   * reading was not believed (it then counts as a meter error: the fallback applies).
   */
  onReading(reading: MainsReading, ev: EvDraw): { limit: LoadLimit | null; health: MainsHealth } {
    const s = this.settings;
    const why = implausibleMains(reading, s.fuseA, s.pvInstalled);
    if (why !== null) {
      const text = describeImplausibleMains(why);
      this.onLost(text);
      return { limit: this.limit(), health: { ok: false, why: text } };
    }
    this.lost = null;
    const seconds = this.lastMono === null ? 0 : Math.max(0, (reading.monoMs - this.lastMono) / 1000);
    this.lastMono = reading.monoMs;
    this.lastReading = reading;

    const worst = Math.max(...reading.currentsA.map((a) => a / s.fuseA));
    const share = this.heat.add(worst, seconds);
    const cutAt = s.cutAtShare ?? DEFAULT_CUT_AT_SHARE;
    // Cut only while the overload persists (the EV did not shed it in time); give back once the mains current is under
    // the fuse and the fuse has cooled to half the cut level, so one late EV does not start a cut-and-retry cycle.
    if (share >= cutAt && worst > 1) this.cut = true;
    else if (this.cut && worst <= 1 && share < cutAt / 2) this.cut = false;

    const fuse = fuseLimit({ mainsA: reading.currentsA, evA: ev.currentsA, fuseA: s.fuseA, marginA: s.marginA, stationPhases: s.stationPhases });
    let limit: LoadLimit = { amps: fuse.amps, reason: fuse.reason };
    const previous = this.latest;
    if (share > WARM_SHARE && previous !== null && previous.amps < limit.amps && previous.reason.startsWith('mains')) {
      limit = { amps: previous.amps, reason: previous.reason.endsWith('(fuse cooling)') ? previous.reason : `${previous.reason} (fuse cooling)` };
    }
    if (this.cut) limit = { amps: 0, reason: `mains overload: ${fuse.reason}, charging cut to protect the fuse` };

    if (this.mode === 'solar' || this.mode === 'solar-min') {
      const decision = (this.mode === 'solar' ? this.solar : this.solarMin).decide(reading.powerW, ev.powerW, reading.monoMs);
      this.surplusW = decision.surplusW;
      if (decision.amps < limit.amps) limit = { amps: decision.amps, reason: decision.reason };
    } else this.surplusW = ev.powerW - reading.powerW;

    if (limit.reason.startsWith('mains') && this.latest?.reason.startsWith('mains') === true) this.limitedMs += seconds * 1000;
    this.latest = limit;
    return { limit: this.limit(), health: { ok: true } };
  }

  /** The mains meter stopped answering (or answers nonsense): fall back, never assume the building is idle. */
  onLost(why: string): LoadLimit | null {
    this.lost = why;
    this.lastMono = null;
    this.latest = this.fallback();
    return this.limit();
  }

  private fallback(): LoadLimit {
    const solarMode = this.mode === 'solar' || this.mode === 'solar-min';
    return solarMode
      ? { amps: this.mode === 'solar-min' ? Math.min(this.settings.fallbackA, this.settings.minA) : 0, reason: 'mains meter lost: solar charging paused' }
      : { amps: this.settings.fallbackA, reason: `mains meter lost: safe current ${this.settings.fallbackA} A` };
  }
}
