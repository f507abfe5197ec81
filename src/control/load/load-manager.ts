import { limitText, type LimitWords } from '../limit-words.js';
import { fuseLimit } from './fuse-limit.js';
import { FuseHeat, defaultFuseCurve, type FuseCurvePoint } from './fuse-curve.js';
import { describeImplausibleMains, implausibleMains, type MainsReading } from './mains-reading.js';
import { SolarHysteresis, type SolarSettings } from './solar.js';

/** Load management's modes; the MQTT `set/load_mode` and the operator page choose among them. */
export const loadModes = ['off', 'fuse', 'solar', 'solar-min'] as const;
export type LoadMode = (typeof loadModes)[number];

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
  /**
   * What the pilot offers now (0 without PWM). An EV that follows the pilot draws no more, so the EV's share of a
   * mains reading is never taken above it: an EV sample older than the mains reading (the EV stopped in between)
   * would otherwise hide the household behind current the EV no longer draws.
   */
  readonly offeredA?: number;
}

/** What set load management's limit: the fuse's room, solar surplus, a cut to protect the fuse, a lost mains meter. */
export type LoadLimitKind = 'fuse' | 'solar' | 'cut' | 'lost';

/** A limit on the offer from load management, with the reason the driver and operator see. */
export interface LoadLimit {
  readonly amps: number;
  readonly kind: LoadLimitKind;
  /** In English (`limitText(words)`). */
  readonly reason: string;
  /** The reason as data, for the page's languages. */
  readonly words: LimitWords;
}

function loadLimit(amps: number, kind: LoadLimitKind, words: LimitWords): LoadLimit {
  return { amps, kind, reason: limitText(words), words };
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
  /** The fuse's limit last given (before solar and the cut), or null before the first reading. */
  private lastFuseAmps: number | null = null;

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

  /** The last plausible reading, the surplus, and why the meter counts as lost (for reports and metrics). */
  figures(): { readonly reading: MainsReading | null; readonly surplusW: number | null; readonly lost: string | null } {
    return { reading: this.lastReading, surplusW: this.surplusW, lost: this.lost };
  }

  /**
   * A mains reading and the EV's draw at the same moment. Returns the new limit, and the meter's health when the
   * reading was not believed (it then counts as a meter error: the fallback applies).
   */
  onReading(reading: MainsReading, ev: EvDraw): { limit: LoadLimit | null; health: MainsHealth } {
    const s = this.settings;
    const why = implausibleMains(reading, s.fuseA, s.pvInstalled);
    // Not believed: a meter error, never a number. The limit in force stays; the poller counts it as a failed read
    // and, after a few in a row, calls onLost.
    if (why !== null) return { limit: this.limit(), health: { ok: false, why: describeImplausibleMains(why) } };
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

    // The EV's part of this mains reading. The two meters are read a moment apart, so the EV sample may be older or
    // newer than the mains one. Too high an EV part hides household load (unsafe); too low only lowers the room, and
    // the hold below keeps that from sawing the offer. So the EV sample is taken as it is, capped by the pilot's offer
    // (an EV that just stopped may still show its old draw).
    const cap = ev.offeredA ?? Number.POSITIVE_INFINITY;
    const evA = ev.currentsA.map((a) => Math.min(cap, a)) as unknown as [number, number, number];
    const fuse = fuseLimit({ mainsA: reading.currentsA, evA, fuseA: s.fuseA, marginA: s.marginA, stationPhases: s.stationPhases });
    let amps = fuse.amps;
    let cooling = false;
    const held = this.lastFuseAmps;
    // While the pilot offers current, reduce only when the mains current is over the fuse minus the margin: while it
    // is under, what the EV draws now fits, and a smaller room is the two meters' timing (an EV sample from before its
    // ramp), not the building. Without PWM the room is taken as it is, so no EV starts on a limit the house outgrew.
    const target = s.fuseA - s.marginA;
    const phases = s.stationPhases === 1 ? [0] : [0, 1, 2];
    const underTarget = phases.every((i) => (reading.currentsA[i] ?? 0) <= target);
    const pilotOffers = (ev.offeredA ?? Number.POSITIVE_INFINITY) > 0;
    if (held !== null && amps < held && underTarget && pilotOffers) amps = held;
    if (share > WARM_SHARE && held !== null && amps > held) {
      amps = held;
      cooling = true;
    }
    this.lastFuseAmps = amps;
    let limit = loadLimit(amps, 'fuse', { ...fuse.words, cooling });
    if (this.cut) limit = loadLimit(0, 'cut', { ...fuse.words, kind: 'fuse-cut' });

    if (this.mode === 'solar' || this.mode === 'solar-min') {
      const decision = (this.mode === 'solar' ? this.solar : this.solarMin).decide(reading.powerW, ev.powerW, reading.monoMs, ev.offeredA);
      this.surplusW = decision.surplusW;
      if (decision.amps < limit.amps) limit = loadLimit(decision.amps, 'solar', decision.words);
    } else this.surplusW = ev.powerW - reading.powerW;

    this.latest = limit;
    return { limit: this.limit(), health: { ok: true } };
  }

  /** The mains meter stopped answering (or answers nonsense): fall back, never assume the building is idle. */
  onLost(why: string): LoadLimit | null {
    this.lost = why;
    this.lastFuseAmps = null;
    this.lastMono = null;
    this.latest = this.fallback();
    return this.limit();
  }

  private fallback(): LoadLimit {
    const solarMode = this.mode === 'solar' || this.mode === 'solar-min';
    return solarMode
      ? loadLimit(this.mode === 'solar-min' ? Math.min(this.settings.fallbackA, this.settings.minA) : 0, 'lost', { kind: 'mains-lost', safeA: null })
      : loadLimit(this.settings.fallbackA, 'lost', { kind: 'mains-lost', safeA: this.settings.fallbackA });
  }
}
