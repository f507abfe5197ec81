import assert from 'node:assert/strict';
import { SessionCurve } from '../../src/web/session-curve.js';

const T0 = Date.parse('2026-11-21T17:00:00Z');
const reading = (i: number) => ({ readAtMs: T0 + i * 1000, totalPowerW: i % 2 === 0 ? 7000 : 7400, importWh: 10_000 + 2 * i });

describe('web: the connected session kept as a curve on the station thread', () => {
  it('keeps a 3,000-reading session in at most 1,000 points, whole: the mean power, the first reading, the offer', () => {
    const curve = new SessionCurve(1000);
    curve.add(null, reading(-1), 0);
    for (let i = 0; i < 3000; i++) curve.add(5, reading(i), i < 1500 ? 16 : 10);
    const kept = curve.series(5, 100);
    assert.ok(kept);
    assert.equal(kept.readings, 3000);
    assert.equal(kept.firstAtMs, T0);
    assert.equal(kept.firstWh, 10_000);
    assert.equal(kept.points.length, 100);
    assert.ok(kept.points.every((p) => p.powerW === 7200), 'every point is the mean of its readings');
    assert.equal(kept.points[0]?.offeredA, 16);
    assert.equal(kept.points[99]?.offeredA, 10);
    assert.equal(kept.points[99]?.importWh, 10_000 + 2 * 2999);
    assert.equal(kept.points[99]?.at, new Date(T0 + 2999_000).toISOString());
    assert.ok((curve as unknown as { points: unknown[] }).points.length <= 1000);
  });

  it('answers only for a session seen from its start (after a restart mid-session the journal answers)', () => {
    const curve = new SessionCurve();
    curve.add(7, reading(0), 16);
    curve.add(7, reading(1), 16);
    assert.equal(curve.series(7, 10), null, 'the first reading already belonged to session 7');
    curve.add(8, reading(2), 16);
    assert.equal(curve.series(7, 10), null, 'a new session replaces the kept one');
    assert.equal(curve.series(8, 10)?.points.length, 1);
    curve.add(null, reading(3), 0);
    assert.equal(curve.series(8, 10)?.points.length, 1, 'an unplugged station keeps the last curve');
  });
});
