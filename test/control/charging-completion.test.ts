import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChargingCompletionDetector } from '../../src/control/charging-completion.js';

const S = 1000;

describe('control/charging-completion', () => {
  it('completes once the current stays under the threshold for the hold time, stamped when confirmed', () => {
    const detector = new ChargingCompletionDetector(1, 60 * S);
    assert.equal(detector.observe({ atMs: 0, currentsA: [16, 16, 16] }), null);
    assert.equal(detector.observe({ atMs: 10 * S, currentsA: [0.4, 0.2, 0.3] }), null);
    assert.equal(detector.observe({ atMs: 69 * S, currentsA: [0.4, 0.2, 0.3] }), null);
    assert.deepEqual(detector.observe({ atMs: 70 * S, currentsA: [0.4, 0.2, 0.3] }), { kind: 'charging-completed', atMs: 70 * S });
    assert.equal(detector.observe({ atMs: 80 * S, currentsA: [0, 0, 0] }), null, 'reported once');
  });

  it('a short dip does not complete; the hold restarts after the EV draws again', () => {
    const detector = new ChargingCompletionDetector(1, 60 * S);
    detector.observe({ atMs: 0, currentsA: [0.5] });
    detector.observe({ atMs: 50 * S, currentsA: [6] });
    assert.equal(detector.observe({ atMs: 100 * S, currentsA: [0.5] }), null);
    assert.equal(detector.observe({ atMs: 150 * S, currentsA: [0.5] }), null);
    assert.equal(detector.observe({ atMs: 160 * S, currentsA: [0.5] })?.kind, 'charging-completed');
  });

  it('completes at once on SuspendedEV, and reports a resume when the EV draws again', () => {
    const detector = new ChargingCompletionDetector(1, 60 * S);
    assert.deepEqual(detector.observe({ atMs: 5 * S, currentsA: [16], suspendedEv: true }), { kind: 'charging-completed', atMs: 5 * S });
    assert.deepEqual(detector.observe({ atMs: 600 * S, currentsA: [10] }), { kind: 'resumed', atMs: 600 * S });
    assert.equal(detector.observe({ atMs: 601 * S, currentsA: [10] }), null);
  });

  it('reports completion again after a resume, and a resume again after that', () => {
    const detector = new ChargingCompletionDetector(0.5, 60 * S);
    const kinds = [0, 30, 61, 100, 200, 259, 260, 300].map((t, i) =>
      detector.observe({ atMs: t * S, currentsA: i === 3 ? [8, 8, 8] : i === 7 ? [0.6, 0, 0] : [0.2, 0.2, 0.2] })?.kind,
    );
    assert.deepEqual(kinds, [undefined, undefined, 'charging-completed', 'resumed', undefined, undefined, 'charging-completed', 'resumed']);
  });

  it('the threshold is "every phase below": one phase at the threshold counts as drawing', () => {
    const detector = new ChargingCompletionDetector(2, 0);
    assert.equal(detector.isDrawing([0, 2, 0]), true);
    assert.equal(detector.isDrawing([1.99, 1.99, 1.99]), false);
    assert.equal(detector.observe({ atMs: 0, currentsA: [0, 2, 0] }), null);
    assert.equal(detector.observe({ atMs: 1, currentsA: [1.9, 1.9, 1.9] })?.kind, 'charging-completed', 'hold 0 completes at once');
  });

  it('interrupt() restarts a hold in progress but keeps a confirmed completion', () => {
    const detector = new ChargingCompletionDetector(1, 60 * S);
    detector.observe({ atMs: 0, currentsA: [0] });
    detector.interrupt();
    assert.equal(detector.observe({ atMs: 70 * S, currentsA: [0] }), null, 'the hold starts again at 70 s');
    assert.equal(detector.observe({ atMs: 130 * S, currentsA: [0] })?.kind, 'charging-completed');
    detector.interrupt();
    assert.equal(detector.isCompleted(), true);
    assert.equal(detector.observe({ atMs: 140 * S, currentsA: [10] })?.kind, 'resumed');
  });

  it('after a pause of the station, SuspendedEV waits the hold (the EV reacts) until the EV has drawn again', () => {
    const detector = new ChargingCompletionDetector(1, 60 * S);
    detector.interrupt();
    assert.equal(detector.observe({ atMs: 0, currentsA: [0], suspendedEv: true }), null);
    assert.equal(detector.observe({ atMs: 1 * S, currentsA: [16] }), null, 'still charging: nothing to resume');
    assert.equal(detector.observe({ atMs: 2 * S, currentsA: [0], suspendedEv: true })?.kind, 'charging-completed');
  });

  it('suspendedByStation(): one resumed when the current returns, or a completion after the hold', () => {
    const detector = new ChargingCompletionDetector(1, 60 * S);
    detector.observe({ atMs: 0, currentsA: [0], suspendedEv: true });
    assert.equal(detector.isCompleted(), true);
    detector.suspendedByStation();
    assert.equal(detector.isCompleted(), false);
    assert.equal(detector.observe({ atMs: 10 * S, currentsA: [0], suspendedEv: true }), null, 'the EV reacts first');
    assert.equal(detector.observe({ atMs: 12 * S, currentsA: [10] })?.kind, 'resumed');
    assert.equal(detector.observe({ atMs: 13 * S, currentsA: [10] }), null);
    detector.suspendedByStation();
    assert.equal(detector.observe({ atMs: 20 * S, currentsA: [0] }), null);
    assert.equal(detector.observe({ atMs: 80 * S, currentsA: [0] })?.kind, 'charging-completed', 'never drew again');
  });

  it('property: events follow the timeline rules, whatever the samples and pauses', () => {
    const step = fc.oneof(
      fc.record({
        gapMs: fc.integer({ min: 0, max: 40 * S }),
        currentA: fc.constantFrom(0, 0.3, 0.5, 0.7, 16),
        suspendedEv: fc.boolean(),
      }),
      fc.constantFrom('interrupt' as const, 'suspend' as const),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.integer({ min: 0, max: 120 * S }), (steps, holdMs) => {
        const detector = new ChargingCompletionDetector(0.5, holdMs);
        // A plain model of the rules: phase as on the timeline, the start of the low stretch, the pause flag.
        let phase: 'charging' | 'completed' | 'suspended' = 'charging';
        let lowSince: number | null = null;
        let afterPause = false;
        let atMs = 0;
        for (const s of steps) {
          if (s === 'interrupt' || s === 'suspend') {
            if (s === 'interrupt') detector.interrupt();
            else detector.suspendedByStation();
            lowSince = null;
            afterPause = true;
            if (s === 'suspend') phase = 'suspended';
            continue;
          }
          atMs += s.gapMs;
          const event = detector.observe({ atMs, currentsA: [s.currentA, 0, 0], suspendedEv: s.suspendedEv });
          let expected: string | undefined;
          if (!s.suspendedEv && s.currentA >= 0.5) {
            expected = phase === 'charging' ? undefined : 'resumed';
            phase = 'charging';
            lowSince = null;
            afterPause = false;
          } else if (phase !== 'completed') {
            lowSince ??= atMs;
            if ((s.suspendedEv && !afterPause) || atMs - lowSince >= holdMs) {
              expected = 'charging-completed';
              phase = 'completed';
              lowSince = null;
            }
          }
          assert.equal(event?.kind, expected);
          if (event !== null) assert.equal(event.atMs, atMs);
          assert.equal(detector.isCompleted(), phase === 'completed');
        }
      }),
    );
  });

  it('rejects a non-positive threshold', () => {
    assert.throws(() => new ChargingCompletionDetector(0, 1000), /currentThresholdA/);
  });
});
