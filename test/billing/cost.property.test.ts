import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeCost, type CostBreakdown, type CostSession } from '../../src/billing/cost.js';
import { RunningCostTracker } from '../../src/billing/running-cost.js';
import { dayNames, parseTariff, type Tariff } from '../../src/billing/tariff-schema.js';
import type { TimelineEvent } from '../../src/billing/timeline.js';

const MINUTE = 60_000;

/** A decimal with up to 6 places from integer micro-units. */
const price = (maxMicros: number): fc.Arbitrary<string> =>
  fc.integer({ min: 0, max: maxMicros }).map((micros) => (micros / 1_000_000).toFixed(6));

function wallTime(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** Tariffs with random band boundaries (one set for weekdays, one for weekends), fees, caps and tax. */
const tariffArb: fc.Arbitrary<Tariff> = fc
  .record({
    currency: fc.constantFrom('EUR', 'JPY', 'KWD', 'CHF'),
    timeZone: fc.constantFrom('Europe/Berlin', 'UTC', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'),
    weekdayCuts: fc.uniqueArray(fc.integer({ min: 1, max: 95 }), { maxLength: 5 }),
    weekendCuts: fc.uniqueArray(fc.integer({ min: 1, max: 95 }), { maxLength: 3 }),
    bandPrices: fc.array(price(900_000), { minLength: 6, maxLength: 6 }),
    pricePerChargingHour: price(3_000_000),
    idleFeePerMinute: price(200_000),
    idleGraceMinutes: fc.integer({ min: 0, max: 60 }),
    flatFee: price(2_000_000),
    minPrice: price(3_000_000),
    maxExtra: fc.option(price(50_000_000)),
    taxRatePercent: price(25_000_000),
  })
  .map((r) => {
    const bandsFor = (days: string[], cuts: number[]): object[] => {
      const minutes = [0, ...[...cuts].sort((a, b) => a - b).map((c) => c * 15), 1440];
      return minutes.slice(1).map((to, i) => ({
        days,
        from: wallTime(minutes[i] ?? 0),
        to: wallTime(to),
        pricePerKwh: r.bandPrices[i] ?? '0',
      }));
    };
    const maxPrice = r.maxExtra === null ? null : (Number(r.minPrice) + Number(r.maxExtra)).toFixed(6);
    return parseTariff({
      currency: r.currency,
      timeZone: r.timeZone,
      energyBands: [...bandsFor([...dayNames.slice(0, 5)], r.weekdayCuts), ...bandsFor(['sat', 'sun'], r.weekendCuts)],
      pricePerChargingHour: r.pricePerChargingHour,
      idleFeePerMinute: r.idleFeePerMinute,
      idleGraceMinutes: r.idleGraceMinutes,
      flatFee: r.flatFee,
      minPrice: r.minPrice,
      maxPrice,
      taxRatePercent: r.taxRatePercent,
    });
  });

interface GeneratedSession {
  readonly startAtMs: number;
  readonly meterStartWh: number;
  readonly samples: readonly { atMs: number; importWh: number }[];
  readonly events: readonly TimelineEvent[];
}

/** Sessions starting near the 2026 DST changes or anywhere in 2026, with uneven sampling and a charging-completed. */
const sessionArb: fc.Arbitrary<GeneratedSession> = fc
  .record({
    startAtMs: fc.oneof(
      fc.integer({ min: Date.UTC(2026, 2, 28, 18), max: Date.UTC(2026, 2, 29, 6) }),
      fc.integer({ min: Date.UTC(2026, 9, 24, 18), max: Date.UTC(2026, 9, 25, 6) }),
      fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }),
    ),
    meterStartWh: fc.integer({ min: 0, max: 10_000_000 }),
    steps: fc.array(fc.record({ dtMs: fc.integer({ min: 1000, max: 45 * MINUTE }), dWh: fc.integer({ min: 0, max: 8000 }) }), {
      minLength: 1,
      maxLength: 30,
    }),
    completedAtStep: fc.option(fc.nat()),
    resumedAfterMs: fc.option(fc.integer({ min: 1, max: 30 * MINUTE })),
    // Faults raised and cleared (or not) during the session; high-temperature is a derate fault, not a pause.
    faults: fc.array(
      fc.record({
        name: fc.constantFrom('meter-lost', 'soft-overcurrent', 'over-voltage', 'high-temperature'),
        atPermille: fc.integer({ min: 0, max: 1100 }),
        durationMs: fc.integer({ min: 1, max: 90 * MINUTE }),
        cleared: fc.boolean(),
      }),
      { maxLength: 4 },
    ),
  })
  .map((r) => {
    let atMs = r.startAtMs;
    let importWh = r.meterStartWh;
    const samples = r.steps.map((step) => {
      atMs += step.dtMs;
      importWh += step.dWh;
      return { atMs, importWh };
    });
    const events: TimelineEvent[] = [{ kind: 'energy-flow-started', atMs: r.startAtMs }];
    if (r.completedAtStep !== null) {
      const completedAt = samples[r.completedAtStep % samples.length];
      if (completedAt !== undefined) {
        events.push({ kind: 'charging-completed', atMs: completedAt.atMs - 500 });
        if (r.resumedAfterMs !== null) events.push({ kind: 'resumed', atMs: completedAt.atMs - 500 + r.resumedAfterMs });
      }
    }
    const spanMs = atMs - r.startAtMs;
    for (const fault of r.faults) {
      const raisedAt = r.startAtMs + Math.floor((spanMs * fault.atPermille) / 1000);
      events.push({ kind: 'fault-raised', atMs: raisedAt, detail: { fault: fault.name } });
      if (fault.cleared) events.push({ kind: 'fault-cleared', atMs: raisedAt + fault.durationMs, detail: { fault: fault.name } });
    }
    events.sort((a, b) => a.atMs - b.atMs);
    return { startAtMs: r.startAtMs, meterStartWh: r.meterStartWh, samples, events };
  });

function finalSession(g: GeneratedSession): CostSession {
  const last = g.samples[g.samples.length - 1];
  return {
    startAtMs: g.startAtMs,
    stopAtMs: last?.atMs ?? g.startAtMs,
    meterStartWh: g.meterStartWh,
    meterStopWh: last?.importWh ?? g.meterStartWh,
    unplugAtMs: (last?.atMs ?? g.startAtMs) + 20 * MINUTE,
    samples: g.samples.slice(0, -1),
    events: g.events,
  };
}

function lineSum(cost: CostBreakdown): number {
  return (
    cost.energy.reduce((sum, s) => sum + s.amountMinor, 0) +
    cost.time.amountMinor +
    cost.idle.amountMinor +
    cost.flatFeeMinor +
    cost.cap.adjustmentMinor +
    cost.taxMinor
  );
}

/** Integer micro-units of a decimal of up to 6 places ("0.123456" → 123456n). */
function micros(decimal: string): bigint {
  const [whole = '0', fraction = ''] = decimal.split('.');
  return BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
}

/** Stop-class faults of the generator (written out here, not taken from the engine): they pause the session. */
const pausingFaults = new Set(['meter-lost', 'soft-overcurrent', 'over-voltage']);

/**
 * Charging and idle time written out independently of the timeline engine, from the README's rules: the session is cut
 * at every event, and each piece is classified by the state at its start. Charging: the last flow event says energy
 * flows, before the stop, and no stop-class fault is active. Idle: after a charging-completed (until energy flows
 * again) with no fault active, or after the stop until the unplug. A fault is active from its raise to its clear.
 */
function independentDurations(session: CostSession): { chargingMs: number; idleMs: number } {
  const stopAtMs = session.stopAtMs ?? 0;
  const endMs = session.unplugAtMs ?? stopAtMs;
  const cuts = [...new Set([session.startAtMs, stopAtMs, endMs, ...session.events.map((e) => e.atMs)])]
    .filter((t) => t >= session.startAtMs && t <= endMs)
    .sort((a, b) => a - b);
  let chargingMs = 0;
  let idleMs = 0;
  for (let i = 0; i + 1 < cuts.length; i += 1) {
    const from = cuts[i] ?? 0;
    const length = (cuts[i + 1] ?? 0) - from;
    const before = session.events.filter((e) => e.atMs <= from);
    if (from >= stopAtMs) {
      idleMs += length;
      continue;
    }
    // A fault is active when its latest raise/clear so far is a raise (raising an active fault again changes nothing).
    const paused = [...pausingFaults].some(
      (name) => before.filter((e) => (e.kind === 'fault-raised' || e.kind === 'fault-cleared') && e.detail?.['fault'] === name).pop()?.kind === 'fault-raised',
    );
    if (paused) continue;
    const lastFlow = before.filter((e) => ['energy-flow-started', 'resumed', 'charging-completed', 'suspended-evse'].includes(e.kind)).pop();
    if (lastFlow?.kind === 'energy-flow-started' || lastFlow?.kind === 'resumed') chargingMs += length;
    else if (lastFlow?.kind === 'charging-completed') idleMs += length;
  }
  return { chargingMs, idleMs };
}

/**
 * The total written out independently of the engine: the exact net over a common denominator, capped, taxed, and
 * rounded half-up to minor units once. Charging and idle time come from {@link independentDurations}.
 */
function independentTotalMinor(tariff: Tariff, cost: CostBreakdown, session: CostSession): number {
  const durations = independentDurations(session);
  const billableIdleMs = Math.max(0, durations.idleMs - tariff.idleGraceMinutes * MINUTE);
  const denominator = 1_000_000n * 3_600_000n; // µ-units × ms per hour
  let net = 0n;
  for (const segment of cost.energy) net += micros(segment.pricePerKwh) * BigInt(segment.wh) * 3_600n;
  net += micros(tariff.pricePerChargingHour) * BigInt(durations.chargingMs);
  net += micros(tariff.idleFeePerMinute) * BigInt(billableIdleMs) * 60n;
  net += micros(tariff.flatFee) * 3_600_000n;
  const min = micros(tariff.minPrice) * 3_600_000n;
  if (net < min) net = min;
  if (tariff.maxPrice !== null && net > micros(tariff.maxPrice) * 3_600_000n) net = micros(tariff.maxPrice) * 3_600_000n;
  const grossNumerator = net * (100_000_000n + micros(tariff.taxRatePercent)) * 10n ** BigInt(cost.minorUnits);
  const grossDenominator = denominator * 100_000_000n;
  return Number((2n * grossNumerator + grossDenominator) / (2n * grossDenominator));
}

describe('billing/cost properties', () => {
  it('the breakdown sums to the total, and the energy segments to the metered energy', () => {
    fc.assert(
      fc.property(tariffArb, sessionArb, (tariff, generated) => {
        const session = finalSession(generated);
        const cost = computeCost(tariff, session, (session.unplugAtMs ?? 0) + MINUTE, 'UTC');
        assert.equal(lineSum(cost), cost.totalMinor);
        const independent = independentDurations(session);
        assert.equal(cost.time.chargingMs, independent.chargingMs, 'charging time excludes fault pauses');
        assert.equal(cost.idle.idleMs, independent.idleMs, 'idle time excludes fault pauses');
        assert.equal(cost.totalMinor, independentTotalMinor(tariff, cost, session), 'rounded once from the exact total');
        assert.equal(cost.netMinor + cost.taxMinor, cost.totalMinor);
        assert.equal(cost.energyWh, (session.meterStopWh ?? 0) - (session.meterStartWh ?? 0));
        for (const [i, segment] of cost.energy.entries()) {
          assert.ok(segment.wh >= 0);
          assert.equal(segment.toWh - segment.fromWh, segment.wh);
          assert.equal(segment.fromMs, i === 0 ? session.startAtMs : cost.energy[i - 1]?.toMs);
        }
        if (cost.energy.length > 0) assert.equal(cost.energy[cost.energy.length - 1]?.toMs, session.stopAtMs);
        assert.ok(cost.totalMinor >= 0);
      }),
      { numRuns: 150 },
    );
  });

  it('the running cost never decreases during a session, up to the final cost', () => {
    fc.assert(
      fc.property(tariffArb, sessionArb, (tariff, generated) => {
        let previous = -1;
        for (let k = 0; k <= generated.samples.length; k += 1) {
          const nowMs = k === 0 ? generated.startAtMs : (generated.samples[k - 1]?.atMs ?? 0);
          const running = computeCost(
            tariff,
            {
              startAtMs: generated.startAtMs,
              stopAtMs: null,
              meterStartWh: generated.meterStartWh,
              samples: generated.samples.slice(0, k),
              events: generated.events.filter((e) => e.atMs <= nowMs),
            },
            nowMs,
          );
          assert.ok(running.totalMinor >= previous, `${running.totalMinor} after ${previous} at sample ${k}`);
          assert.equal(running.final, false);
          previous = running.totalMinor;
        }
        const session = finalSession(generated);
        const final = computeCost(tariff, { ...session, unplugAtMs: null }, session.stopAtMs ?? 0);
        assert.ok(final.totalMinor >= previous, `final ${final.totalMinor} below running ${previous}`);
      }),
      { numRuns: 60 },
    );
  });

  it('the incremental tracker agrees with computeCost at every sample and after the stop', () => {
    fc.assert(
      fc.property(tariffArb, sessionArb, (tariff, generated) => {
        const tracker = new RunningCostTracker(tariff, { startAtMs: generated.startAtMs, stopAtMs: null, meterStartWh: generated.meterStartWh });
        const added: TimelineEvent[] = [];
        const pending = [...generated.events];
        for (const [k, sample] of generated.samples.entries()) {
          while (pending[0] !== undefined && pending[0].atMs <= sample.atMs) {
            const event = pending.shift();
            if (event) {
              tracker.addEvent(event);
              added.push(event);
            }
          }
          tracker.addSample(sample.atMs, sample.importWh);
          const expected = computeCost(
            tariff,
            { startAtMs: generated.startAtMs, stopAtMs: null, meterStartWh: generated.meterStartWh, samples: generated.samples.slice(0, k + 1), events: added },
            sample.atMs,
          );
          assert.deepEqual(tracker.cost(sample.atMs), expected);
        }
        const last = generated.samples[generated.samples.length - 1];
        if (last === undefined) return;
        tracker.stop(last.atMs + 1000, last.importWh + 7);
        tracker.unplug(last.atMs + 60_000);
        const expectedFinal = computeCost(
          tariff,
          {
            startAtMs: generated.startAtMs,
            stopAtMs: last.atMs + 1000,
            meterStartWh: generated.meterStartWh,
            meterStopWh: last.importWh + 7,
            unplugAtMs: last.atMs + 60_000,
            samples: generated.samples,
            events: added,
          },
          last.atMs + 120_000,
        );
        assert.deepEqual(tracker.cost(last.atMs + 120_000), expectedFinal);
      }),
      { numRuns: 40 },
    );
  });
});
