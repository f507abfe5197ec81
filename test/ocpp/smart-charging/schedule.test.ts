import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  compositeLimitAt,
  compositeSchedule,
  profileLimitAt,
  type ChargingProfile,
  type InstalledProfile,
  type ScheduleContext,
} from '../../../src/ocpp/smart-charging/schedule.js';

const T0 = Date.UTC(2026, 2, 2, 0, 0, 0); // a Monday
const ctx: ScheduleContext = { phases: 3, nominalVoltageV: 230, transactionStartMs: null, transactionId: null };
const iso = (ms: number): string => new Date(ms).toISOString();

function profile(over: Partial<ChargingProfile> & Pick<ChargingProfile, 'chargingProfilePurpose'>): ChargingProfile {
  return {
    chargingProfileId: 1,
    stackLevel: 0,
    chargingProfileKind: 'Absolute',
    chargingSchedule: { startSchedule: iso(T0), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
    ...over,
  };
}

describe('charging schedules (pure)', () => {
  it('absolute: periods by startPeriod, nothing before the start or after the duration', () => {
    const p = profile({
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingSchedule: { startSchedule: iso(T0), duration: 3600, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }, { startPeriod: 1800, limit: 8 }] },
    });
    assert.equal(profileLimitAt(p, T0 - 1, ctx), null);
    assert.equal(profileLimitAt(p, T0, ctx), 16);
    assert.equal(profileLimitAt(p, T0 + 1_799_999, ctx), 16);
    assert.equal(profileLimitAt(p, T0 + 1_800_000, ctx), 8);
    assert.equal(profileLimitAt(p, T0 + 3_600_000, ctx), null);
  });

  it('recurring daily and weekly repeat from startSchedule', () => {
    const daily = profile({
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Recurring',
      recurrencyKind: 'Daily',
      chargingSchedule: { startSchedule: iso(T0 + 18 * 3_600_000), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }, { startPeriod: 4 * 3600, limit: 32 }] },
    });
    assert.equal(profileLimitAt(daily, T0 + 17 * 3_600_000, ctx), null, 'before the first occurrence');
    assert.equal(profileLimitAt(daily, T0 + 19 * 3_600_000, ctx), 6);
    assert.equal(profileLimitAt(daily, T0 + 23 * 3_600_000, ctx), 32);
    assert.equal(profileLimitAt(daily, T0 + 5 * 86_400_000 + 19 * 3_600_000, ctx), 6, 'five days later, same hour');
    assert.equal(profileLimitAt(daily, T0 + 5 * 86_400_000 + 12 * 3_600_000, ctx), 32, 'noon is still the previous evening period');
    const weekly = profile({
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Recurring',
      recurrencyKind: 'Weekly',
      chargingSchedule: { startSchedule: iso(T0), duration: 86_400, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] },
    });
    assert.equal(profileLimitAt(weekly, T0 + 7 * 86_400_000 + 1000, ctx), 10, 'next Monday');
    assert.equal(profileLimitAt(weekly, T0 + 8 * 86_400_000 + 1000, ctx), null, 'Tuesday');
  });

  it('relative: counted from the transaction start; not in force without a transaction', () => {
    const p = profile({
      chargingProfilePurpose: 'TxProfile',
      chargingProfileKind: 'Relative',
      chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 20 }, { startPeriod: 600, limit: 10 }] },
    });
    assert.equal(profileLimitAt(p, T0, ctx), null);
    const inTx = { ...ctx, transactionStartMs: T0 + 5000 };
    assert.equal(profileLimitAt(p, T0 + 5000 + 599_000, inTx), 20);
    assert.equal(profileLimitAt(p, T0 + 5000 + 600_000, inTx), 10);
  });

  it('W converts to A with the phases in use and the nominal voltage', () => {
    const p = profile({ chargingProfilePurpose: 'TxDefaultProfile', chargingSchedule: { startSchedule: iso(T0), chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11_040 }] } });
    assert.equal(profileLimitAt(p, T0, ctx), 16);
    const onePhase = profile({ chargingProfilePurpose: 'TxDefaultProfile', chargingSchedule: { startSchedule: iso(T0), chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 3680, numberPhases: 1 }] } });
    assert.equal(profileLimitAt(onePhase, T0, ctx), 16);
  });

  it('validFrom/validTo bound a profile', () => {
    const p = profile({ chargingProfilePurpose: 'TxDefaultProfile', validFrom: iso(T0 + 1000), validTo: iso(T0 + 2000) });
    assert.equal(profileLimitAt(p, T0 + 500, ctx), null);
    assert.equal(profileLimitAt(p, T0 + 1500, ctx), 16);
    assert.equal(profileLimitAt(p, T0 + 2000, ctx), null);
  });

  it('highest stack level in force wins; when it ends the lower one takes over; composite = min(max, tx ?? default)', () => {
    const low: InstalledProfile = { connectorId: 0, profile: profile({ chargingProfilePurpose: 'TxDefaultProfile', chargingProfileId: 1, stackLevel: 0, chargingSchedule: { startSchedule: iso(T0), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] } }) };
    const high: InstalledProfile = { connectorId: 0, profile: profile({ chargingProfilePurpose: 'TxDefaultProfile', chargingProfileId: 2, stackLevel: 5, chargingSchedule: { startSchedule: iso(T0), duration: 60, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 24 }] } }) };
    const max: InstalledProfile = { connectorId: 0, profile: profile({ chargingProfilePurpose: 'ChargePointMaxProfile', chargingProfileId: 3, chargingSchedule: { startSchedule: iso(T0), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 20 }] } }) };
    const tx: InstalledProfile = { connectorId: 1, profile: profile({ chargingProfilePurpose: 'TxProfile', chargingProfileId: 4, transactionId: 77, chargingSchedule: { startSchedule: iso(T0), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 7 }] } }) };
    const all = [low, high, max, tx];
    assert.equal(compositeLimitAt(all, T0 + 1000, ctx), 20, 'stack 5 (24 A) capped by the station max (20 A)');
    assert.equal(compositeLimitAt(all, T0 + 61_000, ctx), 16, 'stack 5 ended: stack 0');
    const inTx = { ...ctx, transactionStartMs: T0, transactionId: 77 };
    assert.equal(compositeLimitAt(all, T0 + 1000, inTx), 7, 'TxProfile replaces TxDefault');
    assert.equal(compositeLimitAt(all, T0 + 1000, { ...inTx, transactionId: 78 }), 20, 'a TxProfile of another transaction does not apply');
    assert.deepEqual(compositeSchedule(all, T0, 120, ctx), [
      { startPeriod: 0, limitA: 20 },
      { startPeriod: 60, limitA: 16 },
    ]);
  });

  it('invariant: the composite never exceeds the ChargePointMaxProfile limit in force', () => {
    const arbPeriods = fc.array(fc.record({ startPeriod: fc.integer({ min: 0, max: 7200 }), limit: fc.integer({ min: 0, max: 640 }).map((x) => x / 10) }), { minLength: 1, maxLength: 5 });
    const arbProfile = fc.record({
      purpose: fc.constantFrom('ChargePointMaxProfile', 'TxDefaultProfile', 'TxProfile'),
      stackLevel: fc.integer({ min: 0, max: 10 }),
      offsetS: fc.integer({ min: -3600, max: 3600 }),
      duration: fc.option(fc.integer({ min: 1, max: 7200 }), { nil: undefined }),
      periods: arbPeriods,
    });
    fc.assert(
      fc.property(fc.array(arbProfile, { maxLength: 6 }), fc.integer({ min: 0, max: 7200 }), (specs, atS) => {
        const installed: InstalledProfile[] = specs.map((s, i) => ({
          connectorId: s.purpose === 'ChargePointMaxProfile' ? 0 : 1,
          profile: {
            chargingProfileId: i,
            stackLevel: s.stackLevel,
            chargingProfilePurpose: s.purpose,
            chargingProfileKind: 'Absolute',
            chargingSchedule: {
              startSchedule: iso(T0 + s.offsetS * 1000),
              ...(s.duration !== undefined ? { duration: s.duration } : {}),
              chargingRateUnit: 'A',
              chargingSchedulePeriod: s.periods,
            },
          },
        }));
        const at = T0 + atS * 1000;
        const inTx = { ...ctx, transactionStartMs: T0, transactionId: 1 };
        const composite = compositeLimitAt(installed, at, inTx);
        const top = installed
          .filter((p) => p.profile.chargingProfilePurpose === 'ChargePointMaxProfile' && profileLimitAt(p.profile, at, inTx) !== null)
          .sort((a, b) => b.profile.stackLevel - a.profile.stackLevel)[0];
        if (!top) return true; // no station maximum in force at this instant: nothing caps the composite
        const cap = profileLimitAt(top.profile, at, inTx) ?? Infinity;
        return composite !== null && composite <= cap;
      }),
    );
  });
});
