import assert from 'node:assert/strict';
import { runFuzz, type FuzzOptions } from './fuzz-run.js';

const seed = Number(process.env['OCPP_FUZZ_SEED'] ?? 16);
const frames = Number(process.env['OCPP_FUZZ_FRAMES'] ?? 400);

describe('OCPP fuzz: a hostile CSMS over a real websocket', function () {
  this.timeout(60_000);

  const runs: { name: string; options: FuzzOptions }[] = [
    { name: 'frame by frame, each waiting for its answer', options: { seed, frames, pauseEvery: 25 } },
    // A hostile CSMS does not wait for answers: bursts queue its frames ahead of the station's pongs (issue 17).
    { name: 'in bursts of 50 frames that do not wait for the answers', options: { seed: seed + 1, frames, burst: 50 } },
  ];
  for (const { name, options } of runs) {
    it(`${name}: malformed frames get a 1.6 CALLERROR, harmless valid calls a CALLRESULT, nothing else; the link, the queue and the state stay (no close, no reconnect)`, async () => {
      const report = await runFuzz(options);
      assert.deepEqual(report.failures, []);
      assert.equal(report.frames, frames);
      assert.equal(report.closes, 0, 'the station link never closed');
      assert.equal(report.reconnects, 0, 'the station never reconnected');
      assert.equal(report.closedByStation, null);
    });
  }
});
