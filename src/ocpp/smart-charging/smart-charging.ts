/**
 * Smart charging: SetChargingProfile / ClearChargingProfile / GetCompositeSchedule, profiles persisted in the
 * journal's key-value store (namespace `ocpp.profiles`), and the composite limit fed to the station as its external
 * current limit (the control core applies the 5 s PWM rule). TxProfiles end with their transaction.
 */
import type { Clock, TimerHandle } from '../../clock.js';
import type { KeyValueStore, OutboxStore } from '../../journal/ports.js';
import type { Logger } from '../../logger.js';
import type { ChargePointPort } from '../charge-point-port.js';
import type { ConfigurationKeys } from '../config-keys.js';
import { compositeLimitAt, compositeSchedule, type ChargingProfile, type InstalledProfile, type ScheduleContext } from './schedule.js';

export const PROFILES_NAMESPACE = 'ocpp.profiles';

interface StoredProfile extends InstalledProfile {
  /** Local session a TxProfile belongs to, once its transaction runs. */
  readonly sessionId?: number;
}

export interface SmartChargingOptions {
  readonly kv: KeyValueStore;
  readonly keys: ConfigurationKeys;
  readonly port: ChargePointPort;
  readonly outbox: OutboxStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly phases: number;
  readonly nominalVoltageV: number;
  /** The station's own maximum (GetCompositeSchedule reports it where no profile limits). */
  readonly stationMaxA: number;
  /** Re-evaluation tick, ms (default 1000). */
  readonly tickMs?: number;
}

export type ClearCriteria = { id?: number; connectorId?: number; chargingProfilePurpose?: string; stackLevel?: number };

function isStoredProfile(value: unknown): value is StoredProfile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['connectorId'] === 'number' && typeof v['profile'] === 'object' && v['profile'] !== null;
}

export class SmartCharging {
  private profiles: StoredProfile[] = [];
  private timer: TimerHandle | null = null;
  private appliedLimitA: number | null | undefined = undefined;
  private context: ScheduleContext;
  /** Mutations and evaluations run one at a time: a tick never interleaves with a SetChargingProfile. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SmartChargingOptions) {
    this.context = { phases: options.phases, nominalVoltageV: options.nominalVoltageV, transactionStartMs: null, transactionId: null };
  }

  /** Loads the stored profiles. */
  async load(): Promise<void> {
    const stored = await this.options.kv.list(PROFILES_NAMESPACE);
    this.profiles = [...stored.values()].filter(isStoredProfile);
  }

  start(): void {
    if (this.timer) return;
    this.timer = this.options.clock.setInterval(() => void this.refresh(), this.options.tickMs ?? 1000);
    void this.refresh();
  }

  stop(): void {
    if (this.timer) this.options.clock.clearInterval(this.timer);
    this.timer = null;
  }

  /** Installed profiles (for tests and the status page). */
  installed(): readonly InstalledProfile[] {
    return this.profiles;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** SetChargingProfile (also a RemoteStartTransaction's profile, with `forRemoteStart`). */
  setChargingProfile(connectorId: number, profile: ChargingProfile, forRemoteStart = false): Promise<'Accepted' | 'Rejected'> {
    return this.exclusive(() => this.install(connectorId, profile, forRemoteStart));
  }

  private async install(connectorId: number, profile: ChargingProfile, forRemoteStart: boolean): Promise<'Accepted' | 'Rejected'> {
    const { keys, logger } = this.options;
    const reject = (why: string): 'Rejected' => {
      logger.info({ chargingProfileId: profile.chargingProfileId, why }, 'SetChargingProfile rejected');
      return 'Rejected';
    };
    await this.refreshContext();
    if (connectorId < 0 || connectorId > 1) return reject(`no connector ${connectorId}`);
    if (profile.stackLevel < 0 || profile.stackLevel > Number(keys.get('ChargeProfileMaxStackLevel'))) return reject('stackLevel out of range');
    const periods = profile.chargingSchedule.chargingSchedulePeriod;
    if (periods.length === 0 || periods.length > Number(keys.get('ChargingScheduleMaxPeriods'))) return reject('number of periods');
    if (periods.some((p) => p.startPeriod < 0 || p.limit < 0)) return reject('negative period');
    if (profile.chargingProfileKind !== 'Relative' && !profile.chargingSchedule.startSchedule) return reject(`${profile.chargingProfileKind} needs startSchedule`);
    if (profile.chargingProfileKind === 'Recurring' && !profile.recurrencyKind) return reject('Recurring needs recurrencyKind');
    if (profile.chargingProfilePurpose === 'ChargePointMaxProfile' && connectorId !== 0) return reject('ChargePointMaxProfile only on connector 0');
    let sessionId: number | undefined;
    if (profile.chargingProfilePurpose === 'TxProfile') {
      if (connectorId !== 1) return reject('TxProfile needs connector 1');
      const session = this.options.port.activeSession();
      if (!forRemoteStart) {
        if (!session) return reject('TxProfile without a transaction');
        if (profile.transactionId !== undefined && profile.transactionId !== this.context.transactionId) return reject('TxProfile for another transaction');
        sessionId = session.sessionId;
      }
    }
    const kept = this.profiles.filter(
      (p) =>
        p.profile.chargingProfileId !== profile.chargingProfileId &&
        !(p.connectorId === connectorId && p.profile.stackLevel === profile.stackLevel && p.profile.chargingProfilePurpose === profile.chargingProfilePurpose),
    );
    if (kept.length + 1 > Number(keys.get('MaxChargingProfilesInstalled'))) return reject('too many profiles installed');
    const removed = this.profiles.filter((p) => !kept.includes(p));
    const entry: StoredProfile = { connectorId, profile, ...(sessionId !== undefined ? { sessionId } : {}) };
    for (const p of removed) await this.options.kv.delete(PROFILES_NAMESPACE, String(p.profile.chargingProfileId));
    await this.options.kv.set(PROFILES_NAMESPACE, String(profile.chargingProfileId), entry);
    this.profiles = [...kept, entry];
    await this.evaluate();
    return 'Accepted';
  }

  /** ClearChargingProfile: by id, or every profile matching all given criteria. */
  clearChargingProfile(criteria: ClearCriteria): Promise<'Accepted' | 'Unknown'> {
    return this.exclusive(() => this.clear(criteria));
  }

  private async clear(criteria: ClearCriteria): Promise<'Accepted' | 'Unknown'> {
    const matches = (p: StoredProfile): boolean => {
      if (criteria.id !== undefined) return p.profile.chargingProfileId === criteria.id;
      return (
        (criteria.connectorId === undefined || p.connectorId === criteria.connectorId) &&
        (criteria.chargingProfilePurpose === undefined || p.profile.chargingProfilePurpose === criteria.chargingProfilePurpose) &&
        (criteria.stackLevel === undefined || p.profile.stackLevel === criteria.stackLevel)
      );
    };
    const cleared = this.profiles.filter(matches);
    if (cleared.length === 0) return 'Unknown';
    for (const p of cleared) await this.options.kv.delete(PROFILES_NAMESPACE, String(p.profile.chargingProfileId));
    this.profiles = this.profiles.filter((p) => !matches(p));
    await this.evaluate();
    return 'Accepted';
  }

  /** GetCompositeSchedule.conf for connector 0 or 1 over `durationS` from now. */
  async compositeScheduleConf(connectorId: number, durationS: number, unit: 'A' | 'W' | undefined): Promise<Record<string, unknown>> {
    if (connectorId < 0 || connectorId > 1 || durationS < 0) return { status: 'Rejected' };
    await this.refreshContext();
    const now = this.options.clock.nowMs();
    const rateUnit = unit ?? 'A';
    const watts = (a: number): number => a * this.options.nominalVoltageV * this.options.phases;
    const periods = compositeSchedule(this.profiles, now, durationS, this.context).map((p) => {
      const amps = p.limitA ?? this.options.stationMaxA;
      const limit = rateUnit === 'A' ? Math.floor(Math.min(amps, this.options.stationMaxA) * 10) / 10 : Math.floor(watts(Math.min(amps, this.options.stationMaxA)));
      return { startPeriod: p.startPeriod, limit };
    });
    const merged = periods.filter((p, i) => i === 0 || periods[i - 1]?.limit !== p.limit);
    return {
      status: 'Accepted',
      connectorId,
      scheduleStart: new Date(now).toISOString(),
      chargingSchedule: { duration: durationS, startSchedule: new Date(now).toISOString(), chargingRateUnit: rateUnit, chargingSchedulePeriod: merged },
    };
  }

  /** Re-evaluates the composite limit now and hands a changed one to the station. */
  refresh(): Promise<void> {
    return this.exclusive(() => this.evaluate());
  }

  private async evaluate(): Promise<void> {
    await this.refreshContext();
    await this.dropEndedTxProfiles();
    const limit = compositeLimitAt(this.profiles, this.options.clock.nowMs(), this.context);
    const rounded = limit === null ? null : Math.floor(limit * 10) / 10;
    if (rounded !== this.appliedLimitA) {
      this.appliedLimitA = rounded;
      this.options.port.setExternalLimitA(rounded);
    }
  }

  private async refreshContext(): Promise<void> {
    const session = this.options.port.activeSession();
    const transactionId = session ? await this.options.outbox.transactionIdFor(session.sessionId) : null;
    this.context = { ...this.context, transactionStartMs: session?.startAtMs ?? null, transactionId };
  }

  /** A TxProfile ends with its transaction; one sent with RemoteStartTransaction binds to the next session. */
  private async dropEndedTxProfiles(): Promise<void> {
    const session = this.options.port.activeSession();
    const next: StoredProfile[] = [];
    for (const p of this.profiles) {
      if (p.profile.chargingProfilePurpose !== 'TxProfile') {
        next.push(p);
        continue;
      }
      if (p.sessionId === undefined && session) {
        const bound: StoredProfile = { ...p, sessionId: session.sessionId };
        await this.options.kv.set(PROFILES_NAMESPACE, String(p.profile.chargingProfileId), bound);
        next.push(bound);
      } else if (p.sessionId !== undefined && p.sessionId !== session?.sessionId) {
        await this.options.kv.delete(PROFILES_NAMESPACE, String(p.profile.chargingProfileId));
      } else {
        next.push(p);
      }
    }
    this.profiles = next;
  }
}
