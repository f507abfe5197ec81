import assert from 'node:assert/strict';
import { ChargingCompletionDetector } from '../../src/billing/charging-completion.js';

const S = 1000;

describe('billing/charging-completion', () => {
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

  it('rejects a non-positive threshold', () => {
    assert.throws(() => new ChargingCompletionDetector(0, 1000), /currentThresholdA/);
  });
});
