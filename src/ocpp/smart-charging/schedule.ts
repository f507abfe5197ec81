/**
 * OCPP 1.6 charging profiles as pure functions of time: the limit one profile sets at an instant (absolute,
 * recurring daily/weekly, or relative to the transaction start; validity window; duration), the prevailing profile
 * of a purpose (highest stackLevel among those active at that instant), and the composite limit
 * min(ChargePointMax, Tx if present else TxDefault). Limits are in amperes per phase; W converts with the phases in use
 * and the nominal voltage.
 */

export type ChargingProfilePurpose = 'ChargePointMaxProfile' | 'TxDefaultProfile' | 'TxProfile';

export interface ChargingSchedulePeriod {
  readonly startPeriod: number;
  readonly limit: number;
  readonly numberPhases?: number;
}

export interface ChargingSchedule {
  readonly duration?: number;
  readonly startSchedule?: string;
  readonly chargingRateUnit: 'A' | 'W';
  readonly chargingSchedulePeriod: readonly ChargingSchedulePeriod[];
  readonly minChargingRate?: number;
}

export interface ChargingProfile {
  readonly chargingProfileId: number;
  readonly transactionId?: number;
  readonly stackLevel: number;
  readonly chargingProfilePurpose: ChargingProfilePurpose;
  readonly chargingProfileKind: 'Absolute' | 'Recurring' | 'Relative';
  readonly recurrencyKind?: 'Daily' | 'Weekly';
  readonly validFrom?: string;
  readonly validTo?: string;
  readonly chargingSchedule: ChargingSchedule;
}

/** A profile as installed on a connector (0 = the whole station). */
export interface InstalledProfile {
  readonly connectorId: number;
  readonly profile: ChargingProfile;
}

/** What the evaluation needs to know about the station and the running transaction. */
export interface ScheduleContext {
  /** Phases wired (1 or 3). */
  readonly phases: number;
  readonly nominalVoltageV: number;
  /** Start of the running transaction (Relative profiles), or null. */
  readonly transactionStartMs: number | null;
  /** The CSMS transactionId of the running transaction, or null. */
  readonly transactionId: number | null;
}

const DAY_MS = 86_400_000;

/** Start of the schedule instance that covers `atMs`, or null when none does (yet). */
function scheduleStartMs(profile: ChargingProfile, atMs: number, ctx: ScheduleContext): number | null {
  const { chargingSchedule: schedule } = profile;
  switch (profile.chargingProfileKind) {
    case 'Absolute':
      return schedule.startSchedule ? Date.parse(schedule.startSchedule) : null;
    case 'Relative':
      return ctx.transactionStartMs;
    case 'Recurring': {
      if (!schedule.startSchedule) return null;
      const first = Date.parse(schedule.startSchedule);
      if (atMs < first) return null;
      const periodMs = profile.recurrencyKind === 'Weekly' ? 7 * DAY_MS : DAY_MS;
      return first + Math.floor((atMs - first) / periodMs) * periodMs;
    }
  }
}

/** Amperes per phase for a schedule limit. */
export function toAmps(limit: number, unit: 'A' | 'W', numberPhases: number | undefined, ctx: ScheduleContext): number {
  if (unit === 'A') return limit;
  const phases = Math.max(1, Math.min(numberPhases ?? ctx.phases, ctx.phases));
  return limit / (ctx.nominalVoltageV * phases);
}

/** The limit (A per phase) one profile sets at `atMs`, or null when it is not in force then. */
export function profileLimitAt(profile: ChargingProfile, atMs: number, ctx: ScheduleContext): number | null {
  if (profile.validFrom && atMs < Date.parse(profile.validFrom)) return null;
  if (profile.validTo && atMs >= Date.parse(profile.validTo)) return null;
  const start = scheduleStartMs(profile, atMs, ctx);
  if (start === null || atMs < start) return null;
  const elapsedS = (atMs - start) / 1000;
  const { duration, chargingSchedulePeriod, chargingRateUnit } = profile.chargingSchedule;
  if (duration !== undefined && elapsedS >= duration) return null;
  let current: ChargingSchedulePeriod | undefined;
  for (const period of chargingSchedulePeriod) {
    if (period.startPeriod <= elapsedS && (!current || period.startPeriod >= current.startPeriod)) current = period;
  }
  if (!current) return null;
  return toAmps(current.limit, chargingRateUnit, current.numberPhases, ctx);
}

/** Whether an installed profile applies to connector 1's transaction context at all (TxProfile needs its transaction). */
function applies(installed: InstalledProfile, ctx: ScheduleContext): boolean {
  const { profile } = installed;
  if (profile.chargingProfilePurpose !== 'TxProfile') return true;
  if (ctx.transactionStartMs === null) return false;
  return profile.transactionId === undefined || profile.transactionId === ctx.transactionId;
}

/** The prevailing limit of one purpose at `atMs`: highest stackLevel among the profiles in force then. */
export function purposeLimitAt(profiles: readonly InstalledProfile[], purpose: ChargingProfilePurpose, atMs: number, ctx: ScheduleContext): number | null {
  let best: { stackLevel: number; limit: number } | null = null;
  for (const installed of profiles) {
    if (installed.profile.chargingProfilePurpose !== purpose || !applies(installed, ctx)) continue;
    const limit = profileLimitAt(installed.profile, atMs, ctx);
    if (limit === null) continue;
    if (!best || installed.profile.stackLevel > best.stackLevel) best = { stackLevel: installed.profile.stackLevel, limit };
  }
  return best?.limit ?? null;
}

/**
 * The composite limit (A per phase) for connector 1 at `atMs`, or null when no profile limits it:
 * min(ChargePointMaxProfile, TxProfile if in force else TxDefaultProfile). A connector-1 TxDefaultProfile overrides
 * one installed on connector 0.
 */
export function compositeLimitAt(profiles: readonly InstalledProfile[], atMs: number, ctx: ScheduleContext): number | null {
  const stationMax = purposeLimitAt(profiles.filter((p) => p.connectorId === 0), 'ChargePointMaxProfile', atMs, ctx);
  const tx = purposeLimitAt(profiles.filter((p) => p.connectorId === 1), 'TxProfile', atMs, ctx);
  const txDefault =
    purposeLimitAt(profiles.filter((p) => p.connectorId === 1), 'TxDefaultProfile', atMs, ctx) ??
    purposeLimitAt(profiles.filter((p) => p.connectorId === 0), 'TxDefaultProfile', atMs, ctx);
  const txLimit = tx ?? txDefault;
  if (stationMax === null) return txLimit;
  if (txLimit === null) return stationMax;
  return Math.min(stationMax, txLimit);
}

/** Instants in [fromMs, toMs) where some profile's output may change (period starts, ends, validity bounds). */
function changePoints(profiles: readonly InstalledProfile[], fromMs: number, toMs: number, ctx: ScheduleContext): number[] {
  const points = new Set<number>([fromMs]);
  const add = (ms: number): void => {
    if (ms > fromMs && ms < toMs) points.add(ms);
  };
  for (const { profile } of profiles) {
    if (profile.validFrom) add(Date.parse(profile.validFrom));
    if (profile.validTo) add(Date.parse(profile.validTo));
    const schedule = profile.chargingSchedule;
    const starts: number[] = [];
    if (profile.chargingProfileKind === 'Recurring' && schedule.startSchedule) {
      const periodMs = profile.recurrencyKind === 'Weekly' ? 7 * DAY_MS : DAY_MS;
      const first = Date.parse(schedule.startSchedule);
      const k0 = Math.max(0, Math.floor((fromMs - first) / periodMs));
      for (let k = k0; first + k * periodMs < toMs; k += 1) starts.push(first + k * periodMs);
    } else {
      const start = scheduleStartMs(profile, fromMs, ctx);
      if (start !== null) starts.push(start);
    }
    for (const start of starts) {
      add(start);
      for (const period of schedule.chargingSchedulePeriod) add(start + period.startPeriod * 1000);
      if (schedule.duration !== undefined) add(start + schedule.duration * 1000);
    }
  }
  return [...points].sort((a, b) => a - b);
}

/** One period of a composite schedule: seconds from its start, and the limit (null = unlimited). */
export interface CompositePeriod {
  readonly startPeriod: number;
  readonly limitA: number | null;
}

/** The composite schedule over [fromMs, fromMs + durationS), as periods where the limit changes. */
export function compositeSchedule(profiles: readonly InstalledProfile[], fromMs: number, durationS: number, ctx: ScheduleContext): CompositePeriod[] {
  const periods: CompositePeriod[] = [];
  for (const at of changePoints(profiles, fromMs, fromMs + durationS * 1000, ctx)) {
    const limitA = compositeLimitAt(profiles, at, ctx);
    if (periods.at(-1)?.limitA === limitA) continue;
    periods.push({ startPeriod: Math.round((at - fromMs) / 1000), limitA });
  }
  return periods;
}
