/**
 * 2.0.1 charging profiles (K01) as they arrive on the wire, the checks 2.0.1 asks beyond the schema (each refusal with
 * a statusInfo reasonCode), and their mapping onto the 1.6 schedule engine (src/ocpp/smart-charging/schedule.ts):
 * evseId → connectorId, ChargingStationMaxProfile → ChargePointMaxProfile, the first chargingSchedule.
 */
import type { ChargingProfile, ChargingProfilePurpose, InstalledProfile } from '../../smart-charging/schedule.js';

export type Purpose201 = 'ChargingStationExternalConstraints' | 'ChargingStationMaxProfile' | 'TxDefaultProfile' | 'TxProfile';

export interface SchedulePeriod201 {
  readonly startPeriod: number;
  readonly limit: number;
  readonly numberPhases?: number;
  readonly phaseToUse?: number;
}

export interface ChargingSchedule201 {
  readonly id: number;
  readonly startSchedule?: string;
  readonly duration?: number;
  readonly chargingRateUnit: 'A' | 'W';
  readonly chargingSchedulePeriod: readonly SchedulePeriod201[];
  readonly minChargingRate?: number;
}

export interface ChargingProfile201 {
  readonly id: number;
  readonly stackLevel: number;
  readonly chargingProfilePurpose: Purpose201;
  readonly chargingProfileKind: 'Absolute' | 'Recurring' | 'Relative';
  readonly recurrencyKind?: 'Daily' | 'Weekly';
  readonly validFrom?: string;
  readonly validTo?: string;
  readonly transactionId?: string;
  readonly chargingSchedule: readonly ChargingSchedule201[];
}

/** A profile as installed: on the station (evseId 0) or on EVSE 1. What the journal keeps. */
export interface Installed201 {
  readonly evseId: number;
  readonly profile: ChargingProfile201;
}

/** Limits this station sets (2.0.1's SmartChargingCtrlr is not in its device model: fixed here, as 1.6's key defaults). */
export const MAX_STACK_LEVEL = 8;
export const MAX_PERIODS = 24;
export const MAX_PROFILES = 20;

/** A refusal: the statusInfo of a Rejected answer (reasonCode at most 20 characters, per the schema). */
export interface Refusal {
  readonly reasonCode: string;
  readonly additionalInfo: string;
}

const refuse = (reasonCode: string, additionalInfo: string): Refusal => ({ reasonCode, additionalInfo });

/** What the check needs about the station at the moment of the call. */
export interface InstallContext {
  /** The running transaction's id (station-authored), or null when none runs (or the CSMS cannot know it yet). */
  readonly transactionId: string | null;
  readonly installed: readonly Installed201[];
}

const windowOf = (p: ChargingProfile201): [number, number] => [
  p.validFrom ? Date.parse(p.validFrom) : -Infinity,
  p.validTo ? Date.parse(p.validTo) : Infinity,
];

/** Why 2.0.1 forbids installing `profile` on `evseId` now, or null when it may be installed. */
export function refusalOf(evseId: number, profile: ChargingProfile201, ctx: InstallContext): Refusal | null {
  if (evseId < 0 || evseId > 1) return refuse('UnknownEvse', `this station has EVSE 0 (the station) and 1 only, not ${evseId}`);
  const purpose = profile.chargingProfilePurpose;
  if (purpose === 'ChargingStationExternalConstraints') return refuse('InvalidProfile', 'ChargingStationExternalConstraints is set by an external system, not by the CSMS');
  if (purpose === 'ChargingStationMaxProfile' && evseId !== 0) return refuse('InvalidEvseId', 'ChargingStationMaxProfile only on evseId 0');
  if (purpose === 'ChargingStationMaxProfile' && profile.chargingProfileKind === 'Relative') return refuse('InvalidProfile', 'ChargingStationMaxProfile cannot be Relative');
  if (purpose !== 'TxProfile' && profile.transactionId !== undefined) return refuse('InvalidProfile', 'transactionId only in a TxProfile');
  if (purpose === 'TxProfile') {
    if (evseId !== 1) return refuse('InvalidEvseId', 'TxProfile only on an EVSE (evseId 1)');
    if (ctx.transactionId === null) return refuse('TxNotFound', 'no transaction runs on EVSE 1');
    if (profile.transactionId === undefined) return refuse('TxNotFound', 'TxProfile without transactionId');
    if (profile.transactionId !== ctx.transactionId) return refuse('TxNotFound', `transaction ${profile.transactionId} is not the one running`);
  }
  if (profile.stackLevel < 0 || profile.stackLevel > MAX_STACK_LEVEL) return refuse('InvalidStackLevel', `stackLevel 0..${MAX_STACK_LEVEL}`);
  if (profile.chargingSchedule.length !== 1) return refuse('InvalidSchedule', 'one chargingSchedule per profile (ISO 15118 schedule choice is not supported)');
  const schedule = profile.chargingSchedule[0] as ChargingSchedule201;
  const periods = schedule.chargingSchedulePeriod;
  if (periods.length > MAX_PERIODS) return refuse('InvalidSchedule', `at most ${MAX_PERIODS} periods`);
  if (periods[0]?.startPeriod !== 0) return refuse('InvalidSchedule', 'the first period starts at 0');
  if (periods.some((p, i) => i > 0 && p.startPeriod <= (periods[i - 1] as SchedulePeriod201).startPeriod)) return refuse('InvalidSchedule', 'startPeriod must increase');
  if (periods.some((p) => p.limit < 0)) return refuse('InvalidSchedule', 'negative limit');
  if (periods.some((p) => p.numberPhases !== undefined && (p.numberPhases < 1 || p.numberPhases > 3))) return refuse('InvalidSchedule', 'numberPhases 1..3');
  if (periods.some((p) => p.phaseToUse !== undefined)) return refuse('InvalidSchedule', 'phaseToUse needs phase switching, which this station lacks');
  if (schedule.duration !== undefined && schedule.duration < 0) return refuse('InvalidSchedule', 'negative duration');
  if (profile.chargingProfileKind !== 'Relative' && !schedule.startSchedule) return refuse('InvalidSchedule', `${profile.chargingProfileKind} needs startSchedule`);
  if (profile.chargingProfileKind === 'Recurring' && !profile.recurrencyKind) return refuse('InvalidProfile', 'Recurring needs recurrencyKind');
  const [from, to] = windowOf(profile);
  if (from >= to) return refuse('InvalidProfile', 'validFrom is not before validTo');
  // K01.FR.06: another profile (another id) with the same stackLevel and purpose on the same EVSE and an overlapping
  // validity is refused, not replaced (1.6 replaced it). A TxProfile of another transaction never overlaps.
  const clash = ctx.installed.find((i) => {
    const p = i.profile;
    if (p.id === profile.id || i.evseId !== evseId || p.stackLevel !== profile.stackLevel || p.chargingProfilePurpose !== purpose) return false;
    if (purpose === 'TxProfile' && p.transactionId !== profile.transactionId) return false;
    const [f, t] = windowOf(p);
    return f < to && from < t;
  });
  if (clash) return refuse('DuplicateProfile', `profile ${clash.profile.id} has this stackLevel and purpose on EVSE ${evseId}`);
  const others = ctx.installed.filter((i) => i.profile.id !== profile.id).length;
  if (others + 1 > MAX_PROFILES) return refuse('TooManyProfiles', `at most ${MAX_PROFILES} profiles installed`);
  return null;
}

const PURPOSE_16: Record<Exclude<Purpose201, 'ChargingStationExternalConstraints'>, ChargingProfilePurpose> = {
  ChargingStationMaxProfile: 'ChargePointMaxProfile',
  TxDefaultProfile: 'TxDefaultProfile',
  TxProfile: 'TxProfile',
};

/**
 * The 1.6 engine's view of an installed 2.0.1 profile. The transactionId is left out: the caller passes only the
 * TxProfiles of the running transaction (the engine's ids are 1.6 integers, 2.0.1's are station-authored strings).
 */
export function toEngine(installed: Installed201): InstalledProfile | null {
  const p = installed.profile;
  const schedule = p.chargingSchedule[0];
  if (!schedule || p.chargingProfilePurpose === 'ChargingStationExternalConstraints') return null;
  const profile: ChargingProfile = {
    chargingProfileId: p.id,
    stackLevel: p.stackLevel,
    chargingProfilePurpose: PURPOSE_16[p.chargingProfilePurpose],
    chargingProfileKind: p.chargingProfileKind,
    ...(p.recurrencyKind ? { recurrencyKind: p.recurrencyKind } : {}),
    ...(p.validFrom ? { validFrom: p.validFrom } : {}),
    ...(p.validTo ? { validTo: p.validTo } : {}),
    chargingSchedule: {
      ...(schedule.duration !== undefined ? { duration: schedule.duration } : {}),
      ...(schedule.startSchedule ? { startSchedule: schedule.startSchedule } : {}),
      chargingRateUnit: schedule.chargingRateUnit,
      chargingSchedulePeriod: schedule.chargingSchedulePeriod.map((s) => ({
        startPeriod: s.startPeriod,
        limit: s.limit,
        ...(s.numberPhases !== undefined ? { numberPhases: s.numberPhases } : {}),
      })),
      ...(schedule.minChargingRate !== undefined ? { minChargingRate: schedule.minChargingRate } : {}),
    },
  };
  return { connectorId: installed.evseId, profile };
}

/** A stored entry read back from the journal: the shape this module wrote (anything else is ignored). */
export function isInstalled201(value: unknown): value is Installed201 {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const p = v['profile'] as Record<string, unknown> | null | undefined;
  return (
    typeof v['evseId'] === 'number' &&
    typeof p === 'object' &&
    p !== null &&
    typeof p['id'] === 'number' &&
    typeof p['stackLevel'] === 'number' &&
    typeof p['chargingProfilePurpose'] === 'string' &&
    Array.isArray(p['chargingSchedule'])
  );
}
