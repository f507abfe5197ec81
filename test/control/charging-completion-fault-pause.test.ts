import assert from 'node:assert/strict';
import { ChargingCompletionDetector } from '../../src/control/charging-completion.js';

const S = 1000;

describe('control/charging-completion: a stop-class fault pause (issue 19)', () => {
  it('after a pause without samples (meter-lost) the EV in state B is neither completed nor resumed once it draws again', () => {
    const detector = new ChargingCompletionDetector(1, 60 * S);
    assert.equal(detector.observe({ atMs: 0, currentsA: [16, 16, 16] }), null);
    detector.pausedByFault();
    assert.equal(detector.isCompleted(), false, 'a pause is not a completion');
    // The meter answers again 30 s later; the EV still sits in state B (SuspendedEV) before it asks for power again.
    assert.equal(detector.observe({ atMs: 31 * S, currentsA: [0, 0, 0], suspendedEv: true }), null);
    assert.equal(detector.observe({ atMs: 32 * S, currentsA: [16, 16, 16] }), null, 'no made-up resume');
    assert.equal(detector.isCompleted(), false);
  });

  it('an EV that does not draw again after the pause completes after the hold, not at once', () => {
    const detector = new ChargingCompletionDetector(1, 60 * S);
    detector.observe({ atMs: 0, currentsA: [16] });
    detector.pausedByFault();
    assert.equal(detector.observe({ atMs: 31 * S, currentsA: [0], suspendedEv: true }), null);
    assert.equal(detector.observe({ atMs: 90 * S, currentsA: [0], suspendedEv: true }), null);
    assert.deepEqual(detector.observe({ atMs: 91 * S, currentsA: [0], suspendedEv: true }), { kind: 'charging-completed', atMs: 91 * S });
  });

  it('a pause that finds the EV idle leaves it idle; drawing again afterwards is a real resume', () => {
    const detector = new ChargingCompletionDetector(1, 60 * S);
    assert.equal(detector.observe({ atMs: 0, currentsA: [0], suspendedEv: true })?.kind, 'charging-completed');
    detector.pausedByFault();
    detector.pausedByFault();
    assert.equal(detector.isCompleted(), false, 'paused');
    assert.equal(detector.observe({ atMs: 40 * S, currentsA: [0], suspendedEv: true }), null);
    assert.equal(detector.isCompleted(), true, 'idle again, as before the pause');
    assert.deepEqual(detector.observe({ atMs: 50 * S, currentsA: [10] }), { kind: 'resumed', atMs: 50 * S });
  });
});
