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
  /** How long a remote start's TxProfile waits for its session (TxCtrlr.EVConnectionTimeOut), ms; default 10 min. */
  readonly remoteStartWindowMs?: () => number;
}

/** F01: RequestStartTransaction's TxProfile, waiting for the session of its token (nothing of it is journaled yet). */
interface PendingTxProfile {
  readonly idTag: string;
  readonly profile: ChargingProfile201;
  readonly atMs: number;
  /** Its session was seen running: once that session is gone, so is the profile. */
  seen: boolean;
}

/** Stands for the transactionId a remote start's TxProfile will get, while it is checked. */
const NOT_YET_STARTED = '(the transaction of this remote start)';

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
  private pending: PendingTxProfile | null = null;
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

  /**
   * F01 RequestStartTransaction with a chargingProfile: why it cannot be the new transaction's TxProfile, or null. It
   * must be a TxProfile without a transactionId (the station authors that) and pass every K01 check.
   */
  remoteStartRefusal(profile: ChargingProfile201): Refusal | null {
    if (profile.chargingProfilePurpose !== 'TxProfile') return { reasonCode: 'InvalidProfile', additionalInfo: 'a remote start takes a TxProfile only' };
    if (profile.transactionId !== undefined) return { reasonCode: 'InvalidProfile', additionalInfo: 'the transaction does not exist yet: no transactionId' };
    return refusalOf(1, { ...profile, transactionId: NOT_YET_STARTED }, { transactionId: NOT_YET_STARTED, installed: this.profiles });
  }

  /**
   * F01: the next session of `idTag` started from now on (within the window) takes `profile` as its TxProfile: it
   * limits that session at once, and is installed with the transactionId once the transaction's id is on the wire.
   * Returns a cancel (the start was not taken after all).
   */
  expectRemoteStart(idTag: string, profile: ChargingProfile201): () => void {
    const pending: PendingTxProfile = { idTag, profile, atMs: this.options.clock.nowMs(), seen: false };
    this.pending = pending;
    this.tick();
    return () => {
      if (this.pending === pending) this.pending = null;
      this.tick();
    };
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

  /** The engine's profiles now: every profile but the TxProfiles of other transactions; a remote start's for its own. */
  private engineProfiles(): InstalledProfile[] {
    const running = this.runningTransactionId();
    const pending = this.pending !== null && this.pendingSessionRuns(this.pending) ? [{ evseId: 1, profile: this.pending.profile }] : [];
    return [...this.profiles.filter((i) => i.profile.chargingProfilePurpose !== 'TxProfile' || (running !== null && i.profile.transactionId === running)), ...pending]
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
    await this.installPending();
    const limit = compositeLimitAt(this.engineProfiles(), this.options.clock.nowMs(), this.context());
    const rounded = limit === null ? null : Math.floor(limit * 10) / 10;
    if (rounded !== this.appliedLimitA) {
      this.appliedLimitA = rounded;
      this.options.port.setExternalLimitA(rounded);
    }
  }

  /** The running session is the one a pending remote start's profile waits for (its token, started since). */
  private pendingSessionRuns(pending: PendingTxProfile): boolean {
    const session = this.options.port.activeSession();
    return session !== null && session.idTag === pending.idTag && session.startAtMs >= pending.atMs;
  }

  /**
   * A remote start's TxProfile becomes an installed one (journaled, with the transactionId) once its session's id is
   * on the wire; it is dropped when its window passed without the session.
   */
  private async installPending(): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    if (!this.pendingSessionRuns(pending)) {
      const windowMs = this.options.remoteStartWindowMs?.() ?? 600_000;
      if (pending.seen || this.options.clock.nowMs() - pending.atMs > windowMs) {
        this.pending = null;
        this.options.logger.info({ chargingProfileId: pending.profile.id }, 'remote start TxProfile dropped: no session came');
      }
      return;
    }
    pending.seen = true;
    const transactionId = this.runningTransactionId();
    if (transactionId === null) return;
    const entry: Installed201 = { evseId: 1, profile: { ...pending.profile, transactionId } };
    await this.options.kv.set(PROFILES_201_NAMESPACE, String(entry.profile.id), entry);
    this.profiles = [...this.profiles.filter((p) => p.profile.id !== entry.profile.id), entry];
    if (this.pending === pending) this.pending = null;
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
