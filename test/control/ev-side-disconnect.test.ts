import assert from 'node:assert/strict';
import { buildTimeline } from '../../src/billing/timeline.js';
import { bench, type Bench } from './support.js';

const S = 1000;

/**
 * control.stopOnEvSideDisconnect false on the simulated station (real controller, runner, journal writer; the EV,
 * pilot and contactor simulated): the EV leaves and comes back within one session, a card ends it.
 */
describe('charger controller: the EV leaves and the session stays (stopOnEvSideDisconnect false)', function () {
  this.timeout(30_000);
  let b: Bench | undefined;
  afterEach(async () => {
    await b?.close();
    b = undefined;
  });

  it('unplug: contactor open, SuspendedEV, one session; back in: Charging again; the card ends it once', async () => {
    b = await bench({ control: { stopOnEvSideDisconnect: false } });
    await b.charge();
    await b.clock.tickAsync(60 * S);
    b.sim.world.unplug();
    await b.clock.tickAsync(2 * S);
    const c = b.sim.station.controller;
    assert.equal(c.snapshot().status, 'SuspendedEV');
    assert.equal(c.snapshot().contactor, 'open');
    assert.equal(c.snapshot().output.mode, 'steady');
    assert.notEqual(c.activeSession(), null, 'the session is kept');
    const sessionId = c.activeSession()?.sessionId;

    // Away for ten minutes: no idle time for a connector nobody is plugged into.
    await b.clock.tickAsync(600 * S);
    b.sim.world.plug();
    for (let i = 0; i < 100 && c.snapshot().status !== 'Charging'; i++) await b.clock.tickAsync(100);
    assert.equal(c.snapshot().status, 'Charging');
    assert.equal(c.activeSession()?.sessionId, sessionId, 'the same session continues');
    await b.clock.tickAsync(60 * S);

    assert.equal(await b.sim.station.tap('CARD'), 'stopped');
    for (let i = 0; i < 100 && c.activeSession() !== null; i++) await b.clock.tickAsync(100);
    await c.drainJournalWrites();
    assert.equal(b.recorder.sessions.length, 1);
    const session = b.recorder.sessions[0];
    assert.ok(session);
    assert.equal(session.stop?.reason, 'Local');
    const kinds = session.events.map((e) => e.kind);
    const away = session.events.find((e) => e.kind === 'suspended-evse');
    assert.deepEqual(away?.detail, { cause: 'ev-side-disconnect' });
    assert.ok(kinds.includes('resumed'), `the EV drawing again is resumed: ${kinds.join(',')}`);

    const timeline = buildTimeline(
      { startAtMs: session.start.startAtMs, stopAtMs: session.stop?.stopAtMs ?? null, plugInAtMs: session.start.plugInAtMs },
      session.events,
      b.clock.now,
    );
    assert.ok(timeline.idleMs < 5 * S, `idle ${timeline.idleMs} ms: the time away is not idle`);
    assert.ok(timeline.chargingMs > 110 * S && timeline.chargingMs < 130 * S, `charging ${timeline.chargingMs} ms: the two stretches with the EV`);
  });

  it('fixed cable: ConnectionTimeOut without the EV back ends the kept session with DeAuthorized, not before', async () => {
    b = await bench({ control: { stopOnEvSideDisconnect: false } });
    const c = b.sim.station.controller;
    c.setConnectionTimeoutS(60);
    await b.charge();
    b.sim.world.unplug();
    await b.clock.tickAsync(55 * S);
    assert.notEqual(c.activeSession(), null, 'still kept before the timeout');
    await b.clock.tickAsync(10 * S);
    await c.drainJournalWrites();
    assert.equal(c.activeSession(), null);
    assert.equal(b.recorder.sessions[0]?.stop?.reason, 'DeAuthorized');
    assert.equal(c.snapshot().status, 'Available');
  });

  it('default (true): the unplug ends the session with EVDisconnected, as before', async () => {
    b = await bench();
    await b.charge();
    b.sim.world.unplug();
    for (let i = 0; i < 100 && b.sim.station.controller.activeSession() !== null; i++) await b.clock.tickAsync(100);
    await b.sim.station.controller.drainJournalWrites();
    assert.equal(b.recorder.sessions[0]?.stop?.reason, 'EVDisconnected');
  });

  it('setStopOnEvSideDisconnect(false) at run time applies to the next unplug; (true) ends a kept session at once', async () => {
    b = await bench();
    const c = b.sim.station.controller;
    c.setStopOnEvSideDisconnect(false);
    await b.charge();
    b.sim.world.unplug();
    await b.clock.tickAsync(2 * S);
    assert.notEqual(c.activeSession(), null);
    c.setStopOnEvSideDisconnect(true);
    for (let i = 0; i < 100 && c.activeSession() !== null; i++) await b.clock.tickAsync(100);
    await c.drainJournalWrites();
    assert.equal(b.recorder.sessions[0]?.stop?.reason, 'EVDisconnected');
  });
});
