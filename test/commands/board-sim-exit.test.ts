import assert from 'node:assert/strict';
import sinon from 'sinon';
import { exitWithin } from '../../src/commands/board-sim/run-board-sim.js';

describe('evse board-sim: waiting for the daemon to exit', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('resolves with the exit and leaves no timer behind (a pending one held the command open 20 s after every run)', async () => {
    const exited = Promise.resolve({ code: 0 });
    assert.deepEqual(await exitWithin(exited, 20_000), { code: 0 });
    assert.equal(clock.countTimers(), 0);
  });

  it('resolves null once the time is up when the daemon does not exit', async () => {
    const never = new Promise<{ code: number }>(() => undefined);
    const waiting = exitWithin(never, 20_000);
    await clock.tickAsync(20_000);
    assert.equal(await waiting, null);
    assert.equal(clock.countTimers(), 0);
  });
});
