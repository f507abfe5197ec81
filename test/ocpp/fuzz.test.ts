import assert from 'node:assert/strict';
import { runFuzz } from './fuzz-run.js';

describe('OCPP fuzz: a hostile CSMS over a real websocket', function () {
  this.timeout(60_000);

  it('answers a few hundred malformed frames with 1.6 CALLERRORs and keeps the link, the queue and the state', async () => {
    const report = await runFuzz({ seed: Number(process.env['OCPP_FUZZ_SEED'] ?? 16), frames: Number(process.env['OCPP_FUZZ_FRAMES'] ?? 400), pauseEvery: 25 });
    assert.deepEqual(report.failures, []);
    assert.equal(report.frames, Number(process.env['OCPP_FUZZ_FRAMES'] ?? 400));
  });
});
