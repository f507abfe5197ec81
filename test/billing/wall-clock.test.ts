import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  WallClockSplitter,
  formatWallTime,
  isKnownTimeZone,
  offsetMsAt,
  splitByWallClock,
  startOfLocalDate,
  wallTimeAt,
  type WallTime,
} from '../../src/billing/wall-clock.js';

const HOUR = 3_600_000;
const hourOfDay = (wall: WallTime): { key: number; untilMinuteOfDay: number } => {
  const hour = Math.floor(wall.msOfDay / HOUR);
  return { key: hour, untilMinuteOfDay: (hour + 1) * 60 };
};

describe('billing/wall-clock', () => {
  it('knows Berlin offsets on both sides of the 2026 changes', () => {
    assert.equal(offsetMsAt('Europe/Berlin', Date.UTC(2026, 2, 29, 0, 59, 59, 999)), HOUR);
    assert.equal(offsetMsAt('Europe/Berlin', Date.UTC(2026, 2, 29, 1)), 2 * HOUR);
    assert.equal(offsetMsAt('Europe/Berlin', Date.UTC(2026, 9, 25, 0, 59, 59, 999)), 2 * HOUR);
    assert.equal(offsetMsAt('Europe/Berlin', Date.UTC(2026, 9, 25, 1)), HOUR);
    assert.equal(offsetMsAt('Asia/Kolkata', Date.UTC(2026, 0, 1)), 5.5 * HOUR);
  });

  it('gives the wall date, ISO weekday and time of day', () => {
    const wall = wallTimeAt('Europe/Berlin', Date.UTC(2026, 2, 28, 23, 30, 15, 250));
    assert.deepEqual(wall, { year: 2026, month: 3, day: 29, weekday: 6, msOfDay: (30 * 60 + 15) * 1000 + 250, offsetMs: HOUR });
    assert.equal(formatWallTime('America/St_Johns', Date.UTC(2026, 0, 1, 12)), '2026-01-01 08:30:00 -03:30');
  });

  it('finds the start of a local date, also where midnight does not exist', () => {
    assert.equal(startOfLocalDate('Europe/Berlin', 2026, 10, 25), Date.UTC(2026, 9, 24, 22));
    // Chile skips 00:00–01:00 on 6 September 2026: the day starts at 01:00 local (04:00 UTC).
    assert.equal(formatWallTime('America/Santiago', startOfLocalDate('America/Santiago', 2026, 9, 6)), '2026-09-06 01:00:00 -03:00');
  });

  it('rejects unknown zones', () => {
    assert.equal(isKnownTimeZone('Europe/Berlin'), true);
    assert.equal(isKnownTimeZone('Europe/Nowhere'), false);
  });

  it('has 23 local hours on 29 March and 25 on 25 October (hour 2 twice)', () => {
    const spring = splitByWallClock('Europe/Berlin', startOfLocalDate('Europe/Berlin', 2026, 3, 29), startOfLocalDate('Europe/Berlin', 2026, 3, 30), hourOfDay);
    assert.equal(spring.length, 23);
    assert.ok(!spring.some((p) => p.key === 2));
    const autumn = splitByWallClock('Europe/Berlin', startOfLocalDate('Europe/Berlin', 2026, 10, 25), startOfLocalDate('Europe/Berlin', 2026, 10, 26), hourOfDay);
    const two = autumn.find((p) => p.key === 2);
    assert.equal(autumn.length, 24, 'the repeated hour 2 is one stretch of two real hours');
    assert.equal((two?.toMs ?? 0) - (two?.fromMs ?? 0), 2 * HOUR);
  });

  it('the incremental splitter gives the same pieces as a fresh split, however the end grows (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'UTC'),
        fc.integer({ min: Date.UTC(2026, 2, 27), max: Date.UTC(2026, 10, 5) }),
        fc.array(fc.integer({ min: 1, max: 7 * HOUR }), { minLength: 1, maxLength: 8 }),
        (zone, fromMs, steps) => {
          const splitter = new WallClockSplitter(zone, fromMs, hourOfDay);
          let toMs = fromMs;
          for (const step of steps) {
            toMs += step;
            const fresh = splitByWallClock(zone, fromMs, toMs, hourOfDay);
            assert.deepEqual(splitter.piecesUntil(toMs), fresh);
            // Pieces tile the range and each has the hour its start shows on the wall.
            assert.equal(fresh[0]?.fromMs, fromMs);
            assert.equal(fresh[fresh.length - 1]?.toMs, toMs);
            for (const piece of fresh) assert.equal(piece.key, Math.floor(wallTimeAt(zone, piece.fromMs).msOfDay / HOUR));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
