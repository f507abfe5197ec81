import assert from 'node:assert/strict';
import { runFuzz, type FuzzOptions } from '../ocpp/fuzz-run.js';

describe('OCPP fuzz, long: 10,000 hostile frames over a real websocket', function () {
  this.timeout(900_000);

  const runs: { name: string; options: FuzzOptions }[] = [
    { name: 'seed 1, frame by frame', options: { seed: 1, frames: 10_000, pauseEvery: 97 } },
    { name: 'seed 2, frame by frame', options: { seed: 2, frames: 10_000, pauseEvery: 97 } },
    // Bursts that do not wait for the answers, as a hostile CSMS sends them (issue 17: pongs behind a backlog).
    { name: 'seed 3, bursts of 200', options: { seed: 3, frames: 10_000, burst: 200 } },
  ];
  for (const { name, options } of runs) {
    it(`${name}: malformed CALLs get a 1.6 CALLERROR, harmless valid calls a CALLRESULT, nothing else; no close, no reconnect, state unchanged`, async () => {
      const report = await runFuzz(options);
      assert.deepEqual(report.failures, []);
      assert.equal(report.frames, 10_000);
      assert.equal(report.closes, 0, 'the station link never closed');
      assert.equal(report.reconnects, 0, 'the station never reconnected');
      assert.equal(report.closedByStation, null);
    });
  }
});
