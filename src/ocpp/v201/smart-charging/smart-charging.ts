/**
 * Smart charging for 2.0.1 (K01, K08, K09, K10) on the 1.6 schedule engine: the installed profiles are kept in the
 * journal's key-value store (namespace `ocpp201.profiles`, as 1.6 keeps its own in `ocpp.profiles`), so they survive a
 * restart; the composite limit (A per phase) goes to the station as its external limit, re-evaluated every tick. A
 * TxProfile ends with its transaction.
 */
import type { Clock, TimerHandle } from '../../../clock.js';
import type { KeyValueStore } from '../../../journal/ports.js';
import type { Logger } from '../../../logger.js';
import type { ChargePointPort } from '../../charge-point-port.js';
import { compositeLimitAt, compositeSchedule, type InstalledProfile, type ScheduleContext } from '../../smart-charging/schedule.js';
import { isInstalled201, refusalOf, toEngine, type ChargingProfile201, type Installed201, type Refusal } from './profiles.js';

export const PROFILES_201_NAMESPACE = 'ocpp201.profiles';

export interface SmartCharging201Options {
  readonly kv: KeyValueStore;
  readonly port: ChargePointPort;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly phases: number;
  readonly nominalVoltageV: number;
  /** The station's own maximum (the composite schedule reports it where no profile limits). */
  readonly stationMaxA: number;
  /** The transactionId (station-authored) of a session the CSMS may know, or undefined. */
  readonly transactionIdOf: (sessionId: number) => string | undefined;
  /** Re-evaluation tick, ms (default 1000). */
  readonly tickMs?: number;
}

export interface ClearCriteria201 {
  readonly id?: number;
  readonly evseId?: number;
  readonly chargingProfilePurpose?: string;
  readonly stackLevel?: number;
}

export interface CompositeSchedule201 {
  readonly evseId: number;
  readonly duration: number;
  readonly scheduleStart: string;
  readonly chargingRateUnit: 'A' | 'W';
  readonly chargingSchedulePeriod: { startPeriod: number; limit: number }[];
}

export class SmartCharging201 {
  private profiles: Installed201[] = [];
  private timer: TimerHandle | null = null;
  private appliedLimitA: number | null | undefined = undefined;
  /** Mutations and evaluations run one at a time: a tick never interleaves with a SetChargingProfile. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SmartCharging201Options) {}

  /** Loads the stored profiles (a restart keeps them; a TxProfile whose transaction ended is dropped at the first tick). */
  async load(): Promise<void> {
    const stored = await this.options.kv.list(PROFILES_201_NAMESPACE);
    this.profiles = [...stored.values()].filter(isInstalled201);
  }

  start(): void {
    if (this.timer) return;
    this.timer = this.options.clock.setInterval(() => this.tick(), this.options.tickMs ?? 1000);
    this.tick();
  }

  /** A tick's failure (the journal closing under a stopping client) is logged; the next tick tries again. */
  private tick(): void {
    this.refresh().catch((err: unknown) => this.options.logger.warn({ err }, 'smart charging: evaluation failed'));
  }

  stop(): void {
    if (this.timer) this.options.clock.clearInterval(this.timer);
    this.timer = null;
  }

  installed(): readonly Installed201[] {
    return this.profiles;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The running transaction's id as the CSMS knows it, or null. */
  private runningTransactionId(): string | null {
    const session = this.options.port.activeSession();
    if (!session || session.sessionId < 0) return null;
    return this.options.transactionIdOf(session.sessionId) ?? null;
  }

  /** K01: installs (or replaces, same id) a profile; null when Accepted, else why not. */
  set(evseId: number, profile: ChargingProfile201): Promise<Refusal | null> {
    return this.exclusive(async () => {
      const refusal = refusalOf(evseId, profile, { transactionId: this.runningTransactionId(), installed: this.profiles });
      if (refusal) {
        this.options.logger.info({ chargingProfileId: profile.id, ...refusal }, 'SetChargingProfile rejected');
        return refusal;
      }
      const entry: Installed201 = { evseId, profile };
      await this.options.kv.set(PROFILES_201_NAMESPACE, String(profile.id), entry);
      this.profiles = [...this.profiles.filter((p) => p.profile.id !== profile.id), entry];
      await this.evaluate();
      return null;
    });
  }

  /** K10: by id, or every profile matching all the given criteria (none given: all). True when any was cleared. */
  clear(criteria: ClearCriteria201): Promise<boolean> {
    return this.exclusive(async () => {
      const matches = (i: Installed201): boolean =>
        criteria.id !== undefined
          ? i.profile.id === criteria.id
          : (criteria.evseId === undefined || i.evseId === criteria.evseId) &&
            (criteria.chargingProfilePurpose === undefined || i.profile.chargingProfilePurpose === criteria.chargingProfilePurpose) &&
            (criteria.stackLevel === undefined || i.profile.stackLevel === criteria.stackLevel);
      const cleared = this.profiles.filter(matches);
      if (cleared.length === 0) return false;
      for (const i of cleared) await this.options.kv.delete(PROFILES_201_NAMESPACE, String(i.profile.id));
      this.profiles = this.profiles.filter((i) => !matches(i));
      await this.evaluate();
      return true;
    });
  }

  /** The engine's profiles now: every profile but the TxProfiles of other transactions. */
  private engineProfiles(): InstalledProfile[] {
    const running = this.runningTransactionId();
    return this.profiles
      .filter((i) => i.profile.chargingProfilePurpose !== 'TxProfile' || (running !== null && i.profile.transactionId === running))
      .map(toEngine)
      .filter((p): p is InstalledProfile => p !== null);
  }

  private context(): ScheduleContext {
    const session = this.options.port.activeSession();
    return {
      phases: this.options.phases,
      nominalVoltageV: this.options.nominalVoltageV,
      transactionStartMs: session?.startAtMs ?? null,
      // TxProfiles reach the engine without an id (only the running transaction's): any number matches them.
      transactionId: null,
    };
  }

  /** K08: the composite schedule of `evseId` (0: the grid connection, the same single EVSE here) over `durationS` from now. */
  composite(evseId: number, durationS: number, unit: 'A' | 'W' | undefined): Promise<CompositeSchedule201> {
    return this.exclusive(() => {
      const now = this.options.clock.nowMs();
      const rateUnit = unit ?? 'A';
      const { stationMaxA, nominalVoltageV, phases } = this.options;
      const periods = compositeSchedule(this.engineProfiles(), now, durationS, this.context()).map((p) => {
        const amps = Math.min(p.limitA ?? stationMaxA, stationMaxA);
        return { startPeriod: p.startPeriod, limit: rateUnit === 'A' ? Math.floor(amps * 10) / 10 : Math.floor(amps * nominalVoltageV * phases) };
      });
      const merged = periods.filter((p, i) => i === 0 || periods[i - 1]?.limit !== p.limit);
      return Promise.resolve({
        evseId,
        duration: durationS,
        scheduleStart: new Date(now).toISOString(),
        chargingRateUnit: rateUnit,
        chargingSchedulePeriod: merged,
      });
    });
  }

  refresh(): Promise<void> {
    return this.exclusive(() => this.evaluate());
  }

  private async evaluate(): Promise<void> {
    await this.dropEndedTxProfiles();
    const limit = compositeLimitAt(this.engineProfiles(), this.options.clock.nowMs(), this.context());
    const rounded = limit === null ? null : Math.floor(limit * 10) / 10;
    if (rounded !== this.appliedLimitA) {
      this.appliedLimitA = rounded;
      this.options.port.setExternalLimitA(rounded);
    }
  }

  /** A TxProfile lives as long as its transaction: gone when no session runs or another one does. */
  private async dropEndedTxProfiles(): Promise<void> {
    const session = this.options.port.activeSession();
    // A session still committing (no id yet) or not yet on the wire: its transaction's id is unknown, keep all.
    if (session && (session.sessionId < 0 || this.options.transactionIdOf(session.sessionId) === undefined)) return;
    const running = this.runningTransactionId();
    const ended = this.profiles.filter((i) => i.profile.chargingProfilePurpose === 'TxProfile' && i.profile.transactionId !== running);
    if (ended.length === 0) return;
    for (const i of ended) await this.options.kv.delete(PROFILES_201_NAMESPACE, String(i.profile.id));
    this.profiles = this.profiles.filter((i) => !ended.includes(i));
  }
}
