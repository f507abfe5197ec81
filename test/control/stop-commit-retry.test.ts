import assert from 'node:assert/strict';
import { STOP_COMMIT_PATIENCE_MS } from '../../src/control/session-journal.js';
import { EvseError, EvseErrorCode } from '../../src/errors.js';
import type { SessionStop } from '../../src/session/recorder.js';
import { bench, faultsRaised, type Bench } from './support.js';

/** Makes the recorder's stop commit fail with `error` while `failing()` holds; counts the attempts. */
function failStops(b: Bench, error: () => Error, failing: () => boolean): { attempts: number } {
  const counter = { attempts: 0 };
  const original = b.recorder.stopSession.bind(b.recorder);
  b.recorder.stopSession = (id: number, stop: SessionStop) => {
    counter.attempts += 1;
    return failing() ? Promise.reject(error()) : original(id, stop);
  };
  return counter;
}

describe('a failed stop commit does not wedge the station', () => {
  let b: Bench;
  afterEach(async () => {
    await b.close();
  });

  it('an error that does not name the storage: retried with backoff, the stop stays pending, journal-unavailable only after the patience; then it commits', async () => {
    b = await bench();
    await b.charge();
    let failing = true;
    const stops = failStops(b, () => new Error('database is locked'), () => failing);
    const session = b.sim.station.controller.activeSessionId();
    b.sim.station.controller.stop('Local');
    await b.clock.tickAsync(5_000);
    const ctl = b.sim.station.controller;
    assert.equal(b.sim.world.contactor.commanded(), 'open', 'the contactor opens at once, whatever the journal does');
    assert.equal(ctl.snapshot().session, 'stopping', 'the stop is pending, not forgotten');
    assert.equal(ctl.activeSessionId(), session);
    assert.ok(stops.attempts >= 3 && stops.attempts <= 5, `backoff: ${stops.attempts} attempts in 5 s`);
    assert.ok(!faultsRaised(b.events).includes('journal-unavailable'), 'not yet: a short failure is ridden out');
    assert.ok(!b.events.some((e) => e.type === 'session-stopped'));

    await b.clock.tickAsync(STOP_COMMIT_PATIENCE_MS);
    assert.deepEqual(faultsRaised(b.events).filter((f) => f === 'journal-unavailable'), ['journal-unavailable'], 'raised once the failures lasted');
    const attemptsIn35s = stops.attempts;
    await b.clock.tickAsync(10 * 60_000);
    assert.ok(stops.attempts - attemptsIn35s <= 21, `bounded: ${stops.attempts - attemptsIn35s} attempts in 10 min (at most one per 30 s)`);
    assert.ok(stops.attempts - attemptsIn35s >= 19, 'still retrying');

    failing = false;
    await b.clock.tickAsync(31_000);
    const recorded = b.recorder.sessions.find((s) => s.id === session);
    assert.ok(recorded?.stop, 'the stop is committed once the journal takes it');
    assert.equal(recorded.stop.reason, 'Local');
    assert.equal(recorded.events.filter((e) => e.kind === 'stopped').length, 1, 'the stopped event once, however many attempts');
    assert.ok(b.events.some((e) => e.type === 'session-stopped' && e.sessionId === session));
    assert.equal(ctl.snapshot().session, 'none');
    assert.equal(ctl.activeSessionId(), null);
  });

  it('JournalUnavailable (the storage failed): journal-unavailable at once, the retries go on, and the stop commits when storage returns', async () => {
    b = await bench();
    await b.charge();
    let failing = true;
    failStops(b, () => new EvseError(EvseErrorCode.JournalUnavailable, 'journal unavailable (SQLITE_FULL)'), () => failing);
    const session = b.sim.station.controller.activeSessionId();
    b.sim.station.controller.stop('Remote');
    await b.clock.tickAsync(1_000);
    assert.ok(faultsRaised(b.events).includes('journal-unavailable'));
    assert.equal(b.sim.station.controller.snapshot().status, 'Faulted');
    assert.equal(b.sim.station.controller.activeSessionId(), session);
    failing = false;
    await b.clock.tickAsync(5_000);
    assert.ok(b.recorder.sessions.find((s) => s.id === session)?.stop);
    assert.ok(b.events.some((e) => e.type === 'session-stopped' && e.sessionId === session));
  });

  it('a refusal of the stop itself (InvalidArgument) is not retried: the session is given up for control, journal-unavailable raised', async () => {
    b = await bench();
    await b.charge();
    const stops = failStops(b, () => new EvseError(EvseErrorCode.InvalidArgument, 'session 1 is already stopped'), () => true);
    b.sim.station.controller.stop('Local');
    await b.clock.tickAsync(60_000);
    assert.equal(stops.attempts, 1);
    assert.ok(faultsRaised(b.events).includes('journal-unavailable'));
    assert.equal(b.sim.station.controller.snapshot().session, 'none');
  });

  it('a shutdown while a retry waits cancels it (no timer left behind, no write after dispose)', async () => {
    b = await bench();
    await b.charge();
    const stops = failStops(b, () => new Error('database is locked'), () => true);
    b.sim.station.controller.stop('Local');
    await b.clock.tickAsync(2_000);
    const before = stops.attempts;
    await b.sim.station.controller.dispose();
    await b.clock.tickAsync(120_000);
    assert.equal(stops.attempts, before);
  });
});
