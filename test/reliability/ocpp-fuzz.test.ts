import assert from 'node:assert/strict';
import { runFuzz } from '../ocpp/fuzz-run.js';

describe('OCPP fuzz, long: 10,000 hostile frames over a real websocket', function () {
  this.timeout(600_000);

  for (const seed of [1, 2]) {
    it(`seed ${seed}: every malformed CALL gets a 1.6 CALLERROR, nothing else; no close, no reconnect, state unchanged`, async () => {
      const report = await runFuzz({ seed, frames: 10_000, pauseEvery: 97 });
      assert.deepEqual(report.failures, []);
      assert.equal(report.frames, 10_000);
    });
  }
});
