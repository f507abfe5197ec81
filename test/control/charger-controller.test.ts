import assert from 'node:assert/strict';
import { bench, faultsRaised, type Bench } from './support.js';

describe('charger controller on simulated hardware', function () {
  this.timeout(30_000);
  let b: Bench | undefined;
  afterEach(async () => {
    await b?.close();
    b = undefined;
  });

  describe('reaction times (REFERENCE.md)', () => {
    for (const [name, act] of [
      ['C→B', (x: Bench) => { x.sim.world.ev.s2Closed = false; x.sim.world.pilot.refresh(); }],
      ['unplug', (x: Bench) => x.sim.world.unplug()],
      ['state E (CP short)', (x: Bench) => x.sim.world.inject('cp-short')],
    ] as const) {
      it(`${name}: the contactor opens synchronously with the pilot edge (well inside 100 ms)`, async () => {
        b = await bench();
        await b.charge();
        const before = Date.now();
        act(b);
        assert.equal(b.sim.world.contactor.commanded(), 'open');
        assert.equal(Date.now() - before, 0);
      });
    }

    it('B→C with PWM on: the contactor closes within 3 s', async () => {
      b = await bench();
      b.sim.world.plug();
      await b.sim.station.tap('CARD');
      let cAt: number | null = null;
      b.sim.world.pilot.onChange((r) => {
        if (r.state === 'C') cAt ??= Date.now();
      });
      let closedAt: number | null = null;
      b.sim.world.contactor.onCommand = (p) => {
        if (p === 'closed') closedAt ??= Date.now();
      };
      await b.clock.tickAsync(5000);
      assert.ok(cAt !== null && closedAt !== null);
      assert.ok(closedAt - cAt <= 3000, `closed ${closedAt - cAt} ms after C`);
    });

    it('forces the contactor open after pwmRemovedForceOpenS when the EV keeps drawing after a stop', async () => {
      b = await bench({ control: { pwmRemovedForceOpenS: 4 } });
      await b.charge();
      b.sim.world.inject('ev-ignores-pwm');
      await b.sim.station.tap('CARD');
      await b.clock.tickAsync(3900);
      assert.equal(b.sim.world.contactor.commanded(), 'closed', 'still within the grace');
      await b.clock.tickAsync(200);
      assert.equal(b.sim.world.contactor.commanded(), 'open');
      await b.clock.tickAsync(1000);
      assert.equal(b.recorder.sessions[0]!.stop?.reason, 'Local');
    });

    it('lowers the PWM at once but raises it at most every 5 s', async () => {
      b = await bench();
      await b.charge();
      const duties: [number, number][] = [];
      b.sim.world.pilot.onOutput = (o) => {
        if (o.mode === 'pwm') duties.push([Date.now(), o.dutyPercent]);
      };
      const t0 = Date.now();
      b.sim.station.controller.setExternalLimit(10);
      assert.deepEqual(duties.at(-1), [t0, 16.6]);
      await b.clock.tickAsync(1000);
      b.sim.station.controller.setExternalLimit(20);
      await b.clock.tickAsync(3900);
      assert.equal(duties.at(-1)?.[1], 16.6, 'no increase before 5 s');
      await b.clock.tickAsync(200);
      assert.deepEqual(duties.at(-1), [t0 + 5000, 33.3]);
    });
  });

  describe('power-level limiting', () => {
    it('offers the smallest limit and names it', async () => {
      b = await bench({ limits: { cableMaxA: 20 } });
      assert.equal(b.sim.station.controller.currentOffer().reason, 'limited by: cable 20 A');
      await b.charge();
      assert.deepEqual(b.sim.world.pilot.output(), { mode: 'pwm', dutyPercent: 33.3 });
    });

    it('keeps one limit per source: a home-automation limit lifted leaves the smart-charging limit in force', async () => {
      b = await bench();
      const c = b.sim.station.controller;
      c.setExternalLimit(10);
      c.setExternalLimit(8, 'home-automation');
      assert.equal(c.currentOffer().amps, 8, 'the least of the two');
      c.setExternalLimit(null, 'home-automation');
      assert.equal(c.currentOffer().amps, 10, 'the CSMS limit stays');
      c.setExternalLimit(6, 'home-automation');
      c.setExternalLimit(null);
      assert.equal(c.currentOffer().amps, 6, 'the CSMS lifting its limit leaves the home-automation one');
      c.setExternalLimit(null, 'home-automation');
      assert.equal(c.currentOffer().amps, 32);
    });

    it('suspends (SuspendedEVSE, no PWM) below 6 A, opens once the EV stopped drawing, and resumes above', async () => {
      b = await bench();
      await b.charge();
      b.sim.station.controller.setExternalLimit(5);
      assert.equal(b.sim.station.controller.snapshot().status, 'SuspendedEVSE');
      assert.deepEqual(b.sim.world.pilot.output(), { mode: 'steady' });
      assert.equal(b.sim.world.contactor.commanded(), 'closed', 'not opened under load at once');
      await b.clock.tickAsync(1000); // the EV follows the PWM's removal and opens S2
      assert.equal(b.sim.world.contactor.commanded(), 'open');
      b.sim.station.controller.setExternalLimit(null);
      await b.clock.tickAsync(7000);
      assert.equal(b.sim.station.controller.snapshot().status, 'Charging');
    });

    it('below 6 A with an EV that keeps drawing: the contactor opens when the grace runs out', async () => {
      b = await bench();
      await b.charge();
      b.sim.world.inject('ev-ignores-pwm');
      b.sim.station.controller.setExternalLimit(0);
      await b.clock.tickAsync(2500);
      assert.equal(b.sim.world.contactor.commanded(), 'closed', 'within the grace');
      await b.clock.tickAsync(1000);
      assert.equal(b.sim.world.contactor.commanded(), 'open', 'grace over (pwmRemovedForceOpenS 3 s)');
    });

    it('derates on high temperature, stops on over-temperature, resumes when cool', async () => {
      b = await bench();
      await b.charge();
      b.sim.world.inject('high-temperature');
      assert.equal(b.sim.station.controller.currentOffer().reason, 'limited by: temperature 10 A');
      assert.equal(b.sim.station.controller.snapshot().status, 'Charging');
      b.sim.world.inject('over-temperature');
      assert.equal(b.sim.station.controller.snapshot().status, 'Faulted');
      assert.equal(b.sim.world.contactor.commanded(), 'open');
      b.sim.world.inject('over-temperature', false);
      await b.clock.tickAsync(8000);
      assert.equal(b.sim.station.controller.snapshot().status, 'Charging');
      assert.equal(b.sim.station.controller.currentOffer().limitedBy, 'hardware');
    });
  });

  describe('faults', () => {
    it('welded contactor: the auxiliary contact disagrees after open → contactor-welded, latched', async () => {
      b = await bench();
      await b.charge();
      b.sim.world.inject('welded-contactor');
      await b.sim.station.tap('CARD');
      await b.clock.tickAsync(2000);
      assert.ok(faultsRaised(b.events).includes('contactor-welded'));
      assert.equal(b.sim.station.controller.snapshot().status, 'Faulted');
      b.sim.world.unplug();
      await b.clock.tickAsync(60_000);
      assert.equal(b.sim.station.controller.snapshot().status, 'Faulted', 'needs a manual reset');
    });

    it('contactor fails to close → contactor-close-failed, retried automatically', async () => {
      b = await bench({ control: { contactorFeedbackMs: 250 } });
      b.sim.world.inject('contactor-fails-to-close');
      b.sim.world.plug();
      await b.sim.station.tap('CARD');
      await b.clock.tickAsync(3000);
      assert.ok(faultsRaised(b.events).includes('contactor-close-failed'));
      assert.equal(b.sim.world.contactor.commanded(), 'open');
      b.sim.world.inject('contactor-fails-to-close', false);
      await b.clock.tickAsync(35_000);
      assert.equal(b.sim.station.controller.snapshot().status, 'Charging');
    });

    it('hard overcurrent trips on the first sample above the threshold', async () => {
      b = await bench({ control: { hardOvercurrentA: 12 } });
      await b.charge();
      await b.clock.tickAsync(1500);
      assert.ok(faultsRaised(b.events).includes('hard-overcurrent'));
      assert.equal(b.sim.world.contactor.commanded(), 'open');
    });

    it('soft overcurrent needs ≥ softOvercurrentS above (offered + 0.5) × 1.1', async () => {
      b = await bench();
      await b.charge();
      b.sim.world.inject('ev-ignores-pwm');
      b.sim.station.controller.setExternalLimit(8);
      await b.clock.tickAsync(6000);
      assert.ok(!faultsRaised(b.events).includes('soft-overcurrent'), 'not before 7 s');
      await b.clock.tickAsync(3000);
      assert.ok(faultsRaised(b.events).includes('soft-overcurrent'));
    });

    it('over-voltage held for holdS → fault; the session is suspended, not ended', async () => {
      b = await bench();
      await b.charge();
      b.sim.world.inject('over-voltage');
      await b.clock.tickAsync(4000);
      assert.ok(faultsRaised(b.events).includes('over-voltage'));
      assert.equal(b.sim.station.controller.snapshot().session, 'active');
      b.sim.world.inject('over-voltage', false);
      await b.clock.tickAsync(15_000);
      assert.equal(b.sim.station.controller.snapshot().status, 'Charging');
    });

    it('missing diode: diode-fault, the contactor never closes', async () => {
      b = await bench();
      let closed = false;
      b.sim.world.contactor.onCommand = (p) => {
        closed ||= p === 'closed';
      };
      b.sim.world.inject('missing-diode');
      b.sim.world.plug();
      await b.sim.station.tap('CARD');
      await b.clock.tickAsync(5000);
      assert.ok(faultsRaised(b.events).includes('diode-fault'));
      assert.equal(closed, false);
    });

    it('a pilot driver that throws raises driver-failure and leaves the contactor open', async () => {
      b = await bench();
      await b.charge();
      b.sim.world.inject('pilot-driver');
      b.sim.station.controller.setExternalLimit(10);
      assert.ok(faultsRaised(b.events).includes('driver-failure'));
      assert.equal(b.sim.world.contactor.commanded(), 'open');
    });

    it('a relay driver that throws on close raises driver-failure (a write error, not a contact that did not move) and never reports closed', async () => {
      b = await bench();
      b.sim.world.inject('relay-driver');
      b.sim.world.plug();
      await b.sim.station.tap('CARD');
      await b.clock.tickAsync(3000);
      assert.ok(faultsRaised(b.events).includes('driver-failure'));
      assert.ok(!faultsRaised(b.events).includes('contactor-close-failed'));
      assert.equal(b.sim.world.contactor.commanded(), 'open');
      assert.notEqual(b.sim.station.controller.snapshot().contactor, 'closed');
    });

    it('a journal that cannot commit: no session starts, journal-unavailable is raised', async () => {
      b = await bench();
      b.recorder.failWith = new Error('SQLITE_FULL: database or disk is full');
      b.sim.world.plug();
      await b.sim.station.tap('CARD');
      await b.clock.tickAsync(3000);
      assert.ok(faultsRaised(b.events).includes('journal-unavailable'));
      assert.equal(b.sim.world.contactor.commanded(), 'open');
      assert.equal(b.sim.station.controller.snapshot().status, 'Faulted');
    });

    it('journal first: the contactor never closes before the session start is committed', async () => {
      b = await bench();
      let release: () => void = () => undefined;
      const gate = new Promise<void>((r) => (release = r));
      const original = b.recorder.startSession.bind(b.recorder);
      b.recorder.startSession = async (s) => {
        await gate;
        return original(s);
      };
      b.sim.world.plug();
      await b.sim.station.tap('CARD');
      await b.clock.tickAsync(10_000);
      assert.equal(b.sim.world.contactor.commanded(), 'open');
      assert.deepEqual(b.sim.world.pilot.output(), { mode: 'steady' });
      release();
      await b.clock.tickAsync(3000);
      assert.equal(b.sim.world.contactor.commanded(), 'closed');
    });

    it('a frozen meter (valid frames, register not moving while power flows) is a finding of the monitor, not a fault', async () => {
      b = await bench();
      const found: string[] = [];
      b.sim.station.monitor.onFinding((f) => found.push(f.detector));
      await b.charge();
      await b.clock.tickAsync(2000);
      b.sim.world.electrical.frozen = b.sim.world.electrical.sample(Date.now());
      await b.clock.tickAsync(10_000);
      assert.deepEqual(found, ['frozen-meter']);
      assert.ok(!faultsRaised(b.events).includes('meter-anomaly'), 'the control core no longer judges it');
      assert.equal(b.sim.station.controller.snapshot().status, 'Charging', 'charging goes on');
    });

    it('records meterStart and meterStop from the meter register and the timeline events', async () => {
      b = await bench();
      await b.charge();
      await b.clock.tickAsync(10 * 60_000);
      await b.sim.station.tap('CARD');
      await b.clock.tickAsync(3000);
      b.sim.world.unplug();
      await b.clock.tickAsync(1000);
      const s = b.recorder.sessions[0]!;
      const energy = s.stop!.meterStopWh - s.start.meterStartWh;
      assert.ok(energy > 1700 && energy < 1900, `energy ${energy} Wh`);
      assert.deepEqual(
        s.events.map((e) => e.kind),
        ['plugged-in', 'authorized', 'energy-flow-started', 'stopped', 'unplugged'],
      );
      assert.ok(s.unplugAtMs !== null);
      assert.ok(Number.isInteger(s.stop!.meterStopWh));
    });
  });
});
