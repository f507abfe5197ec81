import assert from 'node:assert/strict';
import { buildTimeline, estimateCompletion, type PowerSample, type TimelineEvent } from '../../src/billing/timeline.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 4, 4, 8);
const at = (minutes: number): number => T0 + minutes * MINUTE;

describe('billing/timeline', () => {
  it('lists every milestone and divides connected time into charging, idle and the rest', () => {
    const events: TimelineEvent[] = [
      { kind: 'plugged-in', atMs: at(0) },
      { kind: 'authorized', atMs: at(1) },
      { kind: 'energy-flow-started', atMs: at(2) },
      { kind: 'suspended-evse', atMs: at(30) },
      { kind: 'resumed', atMs: at(40) },
      { kind: 'charging-completed', atMs: at(100) },
      { kind: 'stopped', atMs: at(130) },
      { kind: 'unplugged', atMs: at(150) },
    ];
    const timeline = buildTimeline(
      { plugInAtMs: at(0), authorizedAtMs: at(1), startAtMs: at(1), stopAtMs: at(130), unplugAtMs: at(150), stopReason: 'Local', clockTrusted: true },
      events,
      at(200),
    );
    assert.equal(timeline.pluggedInAtMs, at(0));
    assert.equal(timeline.authorizedAtMs, at(1));
    assert.equal(timeline.energyFlowStartedAtMs, at(2));
    assert.equal(timeline.chargingCompletedAtMs, at(100));
    assert.equal(timeline.stoppedAtMs, at(130));
    assert.equal(timeline.stopReason, 'Local');
    assert.equal(timeline.unpluggedAtMs, at(150));
    assert.deepEqual(timeline.charging, [
      { fromMs: at(2), toMs: at(30) },
      { fromMs: at(40), toMs: at(100) },
    ]);
    assert.deepEqual(timeline.idle, [{ fromMs: at(100), toMs: at(150) }]);
    assert.equal(timeline.connectedMs, 150 * MINUTE);
    assert.equal(timeline.chargingMs, 88 * MINUTE);
    assert.equal(timeline.idleMs, 50 * MINUTE);
    assert.deepEqual(timeline.end, { atMs: at(130), clockTrusted: true });
  });

  it('counts the time after a stop until the unplug as idle, even when the EV was still charging', () => {
    const timeline = buildTimeline(
      { startAtMs: at(0), stopAtMs: at(60), unplugAtMs: at(75), stopReason: 'Remote' },
      [{ kind: 'energy-flow-started', atMs: at(1) }],
      at(90),
    );
    assert.deepEqual(timeline.charging, [{ fromMs: at(1), toMs: at(60) }]);
    assert.deepEqual(timeline.idle, [{ fromMs: at(60), toMs: at(75) }]);
    assert.equal(timeline.chargingCompletedAtMs, null, 'stopped while charging: the EV never completed');
  });

  it('a charging-completed followed by a resume is not the completion', () => {
    const timeline = buildTimeline(
      { startAtMs: at(0), stopAtMs: null },
      [
        { kind: 'energy-flow-started', atMs: at(0) },
        { kind: 'charging-completed', atMs: at(50) },
        { kind: 'resumed', atMs: at(55) },
      ],
      at(70),
    );
    assert.equal(timeline.chargingCompletedAtMs, null);
    assert.deepEqual(timeline.idle, [{ fromMs: at(50), toMs: at(55) }]);
    assert.equal(timeline.chargingMs, 65 * MINUTE);
    assert.equal(timeline.end.atMs, null, 'still running: no end time yet');
  });

  it('runs an open session to now, and ends a stopped one at the stop when no unplug was journaled', () => {
    const open = buildTimeline({ startAtMs: at(0), stopAtMs: null }, [], at(45));
    assert.equal(open.connectedMs, 45 * MINUTE);
    assert.equal(open.chargingMs, 45 * MINUTE, 'no flow events: charging from start to now');
    const stopped = buildTimeline({ startAtMs: at(0), stopAtMs: at(30), clockTrusted: false }, [], at(500));
    assert.equal(stopped.connectedMs, 30 * MINUTE);
    assert.equal(stopped.idleMs, 0);
    assert.deepEqual(stopped.end, { atMs: at(30), clockTrusted: false });
  });

  it('never counts charging before the transaction started', () => {
    const timeline = buildTimeline(
      { plugInAtMs: at(0), startAtMs: at(5), stopAtMs: at(20) },
      [{ kind: 'energy-flow-started', atMs: at(3) }],
      at(30),
    );
    assert.deepEqual(timeline.charging, [{ fromMs: at(5), toMs: at(20) }]);
    assert.equal(timeline.connectedMs, 20 * MINUTE);
  });

  describe('estimateCompletion', () => {
    const steady = (minutes: number, powerW: (m: number) => number): PowerSample[] => {
      const samples: PowerSample[] = [];
      let wh = 0;
      for (let m = 0; m <= minutes; m += 1) {
        samples.push({ atMs: at(m), importWh: Math.round(wh), totalPowerW: powerW(m) });
        wh += powerW(m) / 60;
      }
      return samples;
    };

    it('from an energy target at the recent mean power', () => {
      // 11 kW for 20 minutes ≈ 3667 Wh; 10 000 Wh target → ≈ 34.5 more minutes.
      const estimate = estimateCompletion(steady(20, () => 11_000), { meterStartWh: 0, energyTargetWh: 10_000 });
      assert.equal(estimate?.basis, 'energy-target');
      const minutesLeft = ((estimate?.atMs ?? 0) - at(20)) / MINUTE;
      assert.ok(Math.abs(minutesLeft - 34.5) < 0.2, `${minutesLeft} minutes`);
    });

    it('says done when the target is reached', () => {
      const estimate = estimateCompletion(steady(20, () => 11_000), { meterStartWh: 0, energyTargetWh: 1000 });
      assert.deepEqual(estimate, { atMs: at(20), basis: 'energy-target' });
    });

    it('from a falling power trend without a target', () => {
      // Tapering 100 W per minute from 7 kW: zero 50 minutes after minute 20.
      const estimate = estimateCompletion(steady(20, (m) => 7000 - 100 * m), { meterStartWh: 0 });
      assert.equal(estimate?.basis, 'power-trend');
      assert.equal(estimate?.atMs, at(70));
    });

    it('gives none for flat power without a target, or no samples', () => {
      assert.equal(estimateCompletion(steady(20, () => 7000), { meterStartWh: 0 }), null);
      assert.equal(estimateCompletion([], { meterStartWh: 0, energyTargetWh: 5 }), null);
    });
  });
});
