import assert from 'node:assert/strict';
import { bench, type Bench } from './support.js';

/** What the station answers and stamps matches what the charger does (issue 17, item 4). */
describe("the station's answers match the state machine", function () {
  this.timeout(20_000);
  let b: Bench | undefined;
  afterEach(async () => {
    await b?.close();
    b = undefined;
  });

  it("a tap while the finished session's EV is still plugged in is not a start", async () => {
    b = await bench();
    await b.charge();
    assert.equal(await b.sim.station.tap('CARD'), 'stopped');
    for (let i = 0; i < 100 && b.sim.station.controller.snapshot().status !== 'Finishing'; i++) await b.clock.tickAsync(100);
    assert.equal(b.sim.station.controller.snapshot().status, 'Finishing');
    assert.equal(await b.sim.station.tap('OTHER'), 'ignored');
    await b.clock.tickAsync(5000);
    assert.equal(b.recorder.sessions.length, 1, 'no second session');
  });

  it('an authorization belongs to one session: the next free-vend session stamps its own', async () => {
    b = await bench({ control: { freeVend: true } });
    // Session 1: authorized by a card (a remote start) a minute before the plug-in.
    assert.equal(await b.sim.station.tap('CARD'), 'started');
    await b.clock.tickAsync(60_000);
    b.sim.world.plug();
    await b.clock.tickAsync(5000);
    b.sim.world.unplug();
    await b.clock.tickAsync(5000);
    // Session 2: free vend, an hour later, nobody taps.
    await b.clock.tickAsync(3_600_000);
    b.sim.world.plug();
    await b.clock.tickAsync(5000);
    const second = b.recorder.sessions[1];
    assert.ok(second, 'the second session started');
    assert.ok(second.start.authorizedAtMs >= second.start.plugInAtMs, 'authorized at its own plug-in, not at the old card');
  });

  it('plug-in and authorization times follow the clock in force at the start (a clock set in between)', async () => {
    b = await bench();
    b.sim.world.plug();
    await b.clock.tickAsync(2000);
    await b.sim.station.tap('CARD');
    // The CSMS sets the wall clock a year ahead before the start commits; monotonic time runs on.
    b.clock.setSystemTime(Date.now() + 365 * 24 * 3600 * 1000);
    for (let i = 0; i < 100 && b.recorder.sessions.length === 0; i++) await b.clock.tickAsync(100);
    const start = b.recorder.sessions[0]?.start;
    assert.ok(start);
    const plugBeforeStart = start.startAtMs - start.plugInAtMs;
    // Plugged in 2 s (less the 20 ms pilot debounce) before the tap, not a year before the start.
    assert.ok(plugBeforeStart >= 1900 && plugBeforeStart < 10_000, `plug-in ${plugBeforeStart} ms before the start`);
    assert.ok(start.startAtMs - start.authorizedAtMs < 10_000, 'authorized just before the start');
  });
});
