import assert from 'node:assert/strict';
import sinon from 'sinon';
import { systemClock } from '../../src/clock.js';
import { createSimStation } from '../../src/commands/sim/sim-station.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryRecorder } from '../../src/session/memory-recorder.js';
import type { SessionStop } from '../../src/session/recorder.js';

/** A journal whose stop commit takes 3 s (a busy SD card): the stop's commit comes back long after the EV left. */
class SlowStopRecorder extends MemoryRecorder {
  stopCommittedAtMs: number | null = null;
  override async stopSession(sessionId: number, stop: SessionStop): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await super.stopSession(sessionId, stop);
    this.stopCommittedAtMs = Date.now();
  }
}

describe('session journal: the unplug after an EV-side stop', () => {
  it('is stamped when the pilot saw the EV leave, not when the stop commit came back', async () => {
    const clock = sinon.useFakeTimers({ now: Date.parse('2026-06-01T09:00:00Z') });
    const recorder = new SlowStopRecorder();
    const sim = await createSimStation({ config: parseConfig({}), clock: systemClock, logger: silentLogger(), recorder, meterPath: 'direct' });
    try {
      sim.world.plug();
      await clock.tickAsync(100);
      await sim.station.tap('CARD');
      for (let i = 0; i < 100 && sim.station.controller.snapshot().status !== 'Charging'; i++) await clock.tickAsync(100);
      assert.equal(sim.station.controller.snapshot().status, 'Charging');
      await clock.tickAsync(60_000);

      const unpluggedAtMs = Date.now();
      sim.world.unplug();
      await clock.tickAsync(10_000);

      const session = recorder.sessions[0];
      assert.ok(session?.stop, 'the session stopped');
      assert.equal(session.stop.reason, 'EVDisconnected');
      assert.ok(recorder.stopCommittedAtMs !== null && recorder.stopCommittedAtMs >= unpluggedAtMs + 3000);
      assert.ok(session.unplugAtMs !== null, 'the unplug is journaled');
      // The pilot is read every few hundred ms at most; the commit came back 3 s later.
      assert.ok(
        session.unplugAtMs - unpluggedAtMs < 1000,
        `unplug stamped ${session.unplugAtMs - unpluggedAtMs} ms after the EV left (stop committed after ${recorder.stopCommittedAtMs - unpluggedAtMs} ms)`,
      );
      assert.equal(session.events.find((e) => e.kind === 'unplugged')?.atMs, session.unplugAtMs);
    } finally {
      await sim.close();
      clock.restore();
    }
  });
});
