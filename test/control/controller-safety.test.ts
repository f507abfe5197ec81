import assert from 'node:assert/strict';
import { bench, faultsRaised, type Bench } from './support.js';

/**
 * Regression tests of the control core's safety path (hardware-truth issue, defects a, b, e, i, k): each failed on the
 * controller before the split.
 */
describe('control core safety path', function () {
  this.timeout(20_000);
  let b: Bench | undefined;
  afterEach(async () => {
    await b?.close();
    b = undefined;
  });

  describe('safety before notification (a)', () => {
    it('a listener that throws on the pilot event does not keep an unplug from opening the contactor', async () => {
      b = await bench();
      await b.charge();
      b.sim.station.controller.onEvent((e) => {
        if (e.type === 'pilot') throw new Error('listener bug');
      });
      b.sim.world.unplug();
      assert.equal(b.sim.world.contactor.commanded(), 'open');
      await b.clock.tickAsync(500);
      assert.ok(faultsRaised(b.events).includes('driver-failure'), 'a throwing listener on the control path raises driver-failure');
      assert.equal(b.sim.world.contactor.commanded(), 'open');
    });

    it('listeners hear the cause before its effects (the pilot edge, then the contactor)', async () => {
      b = await bench();
      await b.charge();
      const order = b.events.flatMap((e) =>
        e.type === 'pilot' && e.event.name === 'EvRequestsPower' ? ['EvRequestsPower'] : e.type === 'contactor' ? [`contactor ${e.position}`] : [],
      );
      assert.ok(order.indexOf('EvRequestsPower') >= 0 && order.indexOf('EvRequestsPower') < order.indexOf('contactor closed'), order.join(', '));
    });

    it('every other listener still hears the event when one throws', async () => {
      b = await bench();
      const heard: string[] = [];
      b.sim.station.controller.onEvent(() => {
        throw new Error('first listener bug');
      });
      b.sim.station.controller.onEvent((e) => heard.push(e.type));
      b.sim.world.plug();
      await b.clock.tickAsync(200);
      assert.ok(heard.includes('status'));
    });

    it('a listener that throws on the fault event does not keep an RCD trip from opening the contactor', async () => {
      b = await bench();
      await b.charge();
      b.sim.station.controller.faults.onChange(() => {
        throw new Error('fault listener bug');
      });
      b.sim.station.controller.onEvent((e) => {
        if (e.type === 'fault') throw new Error('listener bug');
      });
      b.sim.world.inject('rcd-trip');
      assert.equal(b.sim.world.contactor.commanded(), 'open');
      assert.equal(b.sim.world.pilot.output().mode, 'stateF');
    });
  });

  describe('the exit path', () => {
    it('state F written to the driver by the fail-safe (not through the controller) is not a pilot fault', async () => {
      b = await bench();
      await b.charge();
      // What the daemon's fail-safe does first on a signal: the GPIO hardware's own safe state, behind the controller.
      b.sim.world.contactor.open();
      b.sim.world.pilot.setOutput({ mode: 'stateF' });
      await b.clock.tickAsync(500);
      assert.ok(!faultsRaised(b.events).includes('pilot-fault'), faultsRaised(b.events).join(', '));
    });
  });

  describe('diode check on settled readings (b)', () => {
    it('charges although the detector reads nothing before the PWM has run for its settle time', async () => {
      b = await bench();
      const seen: string[] = [];
      b.sim.world.pilot.onChange((r) => seen.push(r.negativeLevel));
      await b.charge();
      assert.ok(!faultsRaised(b.events).includes('diode-fault'), `diode-fault raised; readings ${seen.join(',')}`);
      assert.ok(seen.includes('present'));
    });

    it('a missing diode is found on the settled reading and the contactor never closes', async () => {
      b = await bench();
      const closes: string[] = [];
      b.sim.world.contactor.onCommand = (p) => closes.push(p);
      b.sim.world.inject('missing-diode');
      b.sim.world.plug();
      await b.clock.tickAsync(100);
      await b.sim.station.tap('CARD');
      await b.clock.tickAsync(5000);
      assert.ok(faultsRaised(b.events).includes('diode-fault'));
      assert.ok(!closes.includes('closed'));
    });
  });

  describe('minimum closing interval (e)', () => {
    it('delays a closing inside the relay interval, never raising a fault', async () => {
      b = await bench();
      await b.charge();
      const closes: number[] = [];
      b.sim.world.contactor.onCommand = (p) => {
        if (p === 'closed') closes.push(Date.now());
      };
      // The EV pauses and asks again at once: the relay closed less than its interval ago.
      b.sim.world.ev.s2Closed = false;
      b.sim.world.pilot.refresh();
      await b.clock.tickAsync(50);
      b.sim.world.ev.s2Closed = true;
      b.sim.world.pilot.refresh();
      const askedAt = Date.now();
      await b.clock.tickAsync(3000);
      assert.deepEqual(
        faultsRaised(b.events).filter((f) => f.startsWith('contactor') || f === 'driver-failure'),
        [],
      );
      assert.equal(closes.length, 1, 'closed again once');
      assert.ok((closes[0] ?? 0) - askedAt > 500, 'the closing waited out the interval');
      assert.equal(b.sim.station.controller.snapshot().status, 'Charging');
    });
  });

  describe('the control tick re-checks the interlock (i)', () => {
    it('opens a closed contactor whose pilot left C though no event arrived', async () => {
      b = await bench();
      await b.charge();
      b.sim.world.pilot.eventsLost = true;
      b.sim.world.ev.s2Closed = false;
      b.sim.world.pilot.refresh();
      assert.equal(b.sim.world.contactor.commanded(), 'closed', 'no event: nothing reacted yet');
      await b.clock.tickAsync(150);
      assert.equal(b.sim.world.contactor.commanded(), 'open');
    });
  });

  describe('a start the journal committed is never left half done (k)', () => {
    it('a listener that throws on session-started: the session still stops and is committed, and the next one starts after a reset', async () => {
      b = await bench();
      let throwOnce = true;
      b.sim.station.controller.onEvent((e) => {
        if (e.type === 'session-started' && throwOnce) {
          throwOnce = false;
          throw new RangeError('Invalid time zone specified: Europe/Berln');
        }
      });
      b.sim.world.plug();
      await b.clock.tickAsync(100);
      await b.sim.station.tap('CARD');
      await b.clock.tickAsync(5000);
      const first = b.recorder.sessions[0];
      assert.ok(first, 'the session was committed');
      assert.notEqual(first.stop, null, 'and its stop too: no open row is left behind');
      b.sim.world.unplug();
      await b.clock.tickAsync(500);
      b.sim.station.controller.resetFaults();
      await b.charge();
      assert.equal(b.recorder.sessions.length, 2);
    });
  });
});
