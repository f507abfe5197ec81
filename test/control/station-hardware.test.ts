import assert from 'node:assert/strict';
import { bench, faultsRaised, type Bench } from './support.js';

/** The runner's side of the cable lock, state D and ConnectionTimeOut (hardware-truth issue, defects d, f, g). */
describe('control core with a cable lock, state D and ConnectionTimeOut (simulated hardware)', function () {
  this.timeout(20_000);
  let b: Bench | undefined;
  afterEach(async () => {
    await b?.close();
    b = undefined;
  });

  it('locks and confirms before the contactor closes, unlocks after the session stopped', async () => {
    b = await bench({}, { cableLock: true });
    const order: string[] = [];
    b.sim.world.contactor.onCommand = (p) => order.push(`contactor ${p}`);
    const lock = b.sim.world.cableLock;
    const drive = lock.lock.bind(lock);
    lock.lock = async () => {
      order.push('lock');
      const r = await drive();
      order.push('locked');
      return r;
    };
    await b.charge();
    assert.equal(lock.position(), 'locked');
    assert.ok(order.indexOf('locked') < order.indexOf('contactor closed'), order.join(', '));
    await b.sim.station.tap('CARD');
    await b.clock.tickAsync(6000);
    assert.equal(b.sim.station.controller.snapshot().session, 'none');
    assert.equal(lock.position(), 'unlocked');
    assert.equal(b.sim.world.contactor.commanded(), 'open');
  });

  it('a lock that does not confirm: cable-lock-failed, and the contactor never closes', async () => {
    b = await bench({}, { cableLock: true });
    const closes: string[] = [];
    b.sim.world.contactor.onCommand = (p) => closes.push(p);
    b.sim.world.inject('lock-jammed');
    b.sim.world.plug();
    await b.clock.tickAsync(100);
    await b.sim.station.tap('CARD');
    await b.clock.tickAsync(5000);
    assert.ok(faultsRaised(b.events).includes('cable-lock-failed'));
    assert.ok(!closes.includes('closed'));
  });

  it('UnlockConnector stops the session with UnlockCommand and answers Unlocked once the lock confirmed', async () => {
    b = await bench({}, { cableLock: true });
    await b.charge();
    const answer = b.sim.station.controller.unlockConnector();
    await b.clock.tickAsync(6000);
    assert.equal(await answer, 'Unlocked');
    assert.equal(b.recorder.sessions[0]?.stop?.reason, 'UnlockCommand');
    assert.equal(b.sim.world.cableLock.position(), 'unlocked');
  });

  it('UnlockConnector on a fixed-cable station is NotSupported', async () => {
    b = await bench();
    assert.equal(await b.sim.station.controller.unlockConnector(), 'NotSupported');
  });

  it('state D without ventilation: refused with ventilation-unavailable; with it, the station charges in D', async () => {
    b = await bench();
    b.sim.world.replaceEv({ ...b.sim.world.ev.profile, needsVentilation: true });
    const closes: string[] = [];
    b.sim.world.contactor.onCommand = (p) => closes.push(p);
    b.sim.world.plug();
    await b.clock.tickAsync(100);
    await b.sim.station.tap('CARD');
    await b.clock.tickAsync(5000);
    assert.ok(faultsRaised(b.events).includes('ventilation-unavailable'));
    assert.ok(!closes.includes('closed'));
    await b.close();

    b = await bench({ control: { ventilationAvailable: true } });
    b.sim.world.replaceEv({ ...b.sim.world.ev.profile, needsVentilation: true });
    await b.charge();
    assert.equal(b.sim.station.controller.snapshot().pilot, 'D');
  });

  it('ConnectionTimeOut: a plug-in never authorized returns to Available after the timeout', async () => {
    b = await bench();
    b.sim.station.controller.setConnectionTimeoutS(60);
    b.sim.world.plug();
    await b.clock.tickAsync(1000);
    assert.equal(b.sim.station.controller.snapshot().status, 'Preparing');
    await b.clock.tickAsync(60_000);
    assert.equal(b.sim.station.controller.snapshot().status, 'Available');
  });

  it('ConnectionTimeOut: an authorization with no plug-in expires', async () => {
    b = await bench();
    b.sim.station.controller.setConnectionTimeoutS(30);
    await b.sim.station.tap('CARD');
    await b.clock.tickAsync(31_000);
    assert.equal(b.sim.station.controller.snapshot().authorization, null);
    b.sim.world.plug();
    await b.clock.tickAsync(5000);
    assert.equal(b.sim.station.controller.snapshot().session, 'none', 'the expired authorization starts nothing');
  });
});
