import assert from 'node:assert/strict';
import { monitorSchema } from '../../src/monitor/config.js';
import { EnergyWhileOpen, EnergyWithoutSession } from '../../src/monitor/contactor-energy.js';
import type { Finding, SampleDetector, SampleInput } from '../../src/monitor/finding.js';
import { OverOffer } from '../../src/monitor/over-offer.js';
import { PhaseImbalance } from '../../src/monitor/phase-imbalance.js';
import { PowerPlausibility } from '../../src/monitor/power-plausibility.js';
import { RegisterJump } from '../../src/monitor/register-jump.js';
import { UnderDraw } from '../../src/monitor/under-draw.js';
import { input, reading } from './support.js';

const cfg = monitorSchema.parse({});

/** Feeds inputs one a second from `fromS` (monotonic ms = s × 1000); returns the findings. */
function feed(d: SampleDetector, fromS: number, toS: number, make: (s: number) => SampleInput): Finding[] {
  const out: Finding[] = [];
  for (let s = fromS; s <= toS; s++) {
    const f = d.evaluate(make(s));
    if (f) out.push(f);
  }
  return out;
}

/** A normal 16 A three-phase charge: the register moves 3.07 Wh a second. */
const normal = (s: number, over: Partial<SampleInput> = {}): SampleInput => input(s * 1000, reading(1000 + Math.floor(s * 3.07), [16, 16, 16]), over);

describe('monitor sample-level detectors (each on its injected anomaly, silent on a normal charge)', () => {
  it('every one is silent on a normal 16 A three-phase charge', () => {
    for (const d of [
      new EnergyWhileOpen(cfg.energyWhileOpen),
      new EnergyWithoutSession(cfg.energyWithoutSession),
      new RegisterJump(cfg.registerJump),
      new OverOffer(cfg.overOffer),
      new PowerPlausibility(cfg.powerPlausibility),
      new PhaseImbalance(cfg.phaseImbalance),
      new UnderDraw(cfg.underDraw),
    ]) {
      assert.deepEqual(feed(d, 0, 3600, (s) => normal(s)), [], d.name);
    }
  });

  describe('energy while the contactor is open', () => {
    const open = (s: number, amps: number, wh: number): SampleInput =>
      input(s * 1000, reading(wh, [amps, amps, amps]), { contactor: { closed: false, sinceMono: 0 }, session: { id: null, sinceMono: 0 } });

    it('current through the open contactor after the grace time: critical, with the samples', () => {
      const found = feed(new EnergyWhileOpen(cfg.energyWhileOpen), 0, 8, (s) => open(s, 10, 5000));
      assert.ok(found.length > 0);
      const f = found[0]!;
      assert.equal(f.severity, 'critical');
      assert.equal(f.dedupKey, 'energy-while-open:1');
      assert.ok(Array.isArray(f.evidence['samples']) && (f.evidence['samples'] as unknown[]).length > 0);
      assert.match(f.threshold, /1 A/);
    });

    it('within the grace time (the contactor still opening) it says nothing; a register creeping 5 Wh does', () => {
      const d = new EnergyWhileOpen(cfg.energyWhileOpen);
      assert.deepEqual(feed(d, 0, 4, (s) => open(s, 16, 5000)), []);
      assert.deepEqual(feed(d, 5, 9, (s) => open(s, 0, 5000 + s - 5)), []);
      assert.equal(feed(d, 10, 10, () => open(10, 0, 5005)).length, 1);
    });
  });

  describe('energy with no authorized session', () => {
    it('the register counting 10 Wh outside a session (after the grace time)', () => {
      const d = new EnergyWithoutSession(cfg.energyWithoutSession);
      const idle = (s: number, wh: number): SampleInput => input(s * 1000, reading(wh, [0, 0, 0]), { session: { id: null, sinceMono: 0 } });
      assert.deepEqual(feed(d, 0, 20, (s) => idle(s, 5000 + (s < 10 ? s * 3 : 0))), [], 'in the grace time and standing still after');
      const found = feed(d, 21, 40, (s) => idle(s, 5000 + s - 20));
      assert.equal(found[0]?.detector, 'energy-without-session');
      assert.equal(found[0]?.evidence['energyWh'], 10);
    });
  });

  describe('the register', () => {
    it('going backwards', () => {
      const d = new RegisterJump(cfg.registerJump);
      assert.equal(d.evaluate(input(0, reading(5000, [16, 16, 16]))), null);
      const f = d.evaluate(input(1000, reading(4990, [16, 16, 16])));
      assert.equal(f?.dedupKey, 'register-jump:backwards:1');
      assert.equal(f?.evidence['deltaWh'], -10);
    });

    it('jumping more than 26 kW allow in the time elapsed (and not when it is within)', () => {
      const d = new RegisterJump(cfg.registerJump);
      d.evaluate(input(0, reading(5000, [16, 16, 16])));
      // 60 s at 26 kW: 433 Wh, plus 5 Wh tolerance.
      assert.equal(d.evaluate(input(60_000, reading(5438, [16, 16, 16]))), null);
      const f = d.evaluate(input(61_000, reading(5460, [16, 16, 16])));
      assert.equal(f?.dedupKey, 'register-jump:jump:1');
    });
  });

  describe('power above the offer', () => {
    it('an EV ignoring a lowered offer is found after the reaction time, before the 7 s soft-overcurrent trip', () => {
      const d = new OverOffer(cfg.overOffer);
      feed(d, 0, 59, (s) => normal(s));
      // The offer drops to 8 A at 60 s; the EV keeps drawing 16 A.
      const found = feed(d, 60, 70, (s) => normal(s, { offer: { amps: 8, sinceMono: 60_000 } }));
      assert.equal(found[0]?.detector, 'over-offer');
      assert.equal(found[0]?.evidence['offeredA'], 8);
      assert.equal((found[0].evidence['heldS'] as number) <= 6, true);
    });

    it('an EV that follows the lower offer within 5 s is fine', () => {
      const d = new OverOffer(cfg.overOffer);
      const found = feed(d, 60, 120, (s) =>
        input(s * 1000, reading(1000, s < 65 ? [16, 16, 16] : [8, 8, 8]), { offer: { amps: 8, sinceMono: 60_000 } }),
      );
      assert.deepEqual(found, []);
    });

    it('within the tolerance (offer + 2 A) it is fine', () => {
      assert.deepEqual(feed(new OverOffer(cfg.overOffer), 0, 120, (s) => input(s * 1000, reading(1000, [17.9, 17.9, 17.9]))), []);
    });
  });

  describe('P against V × I per phase', () => {
    it('P above V × I (impossible) on three readings in a row', () => {
      const d = new PowerPlausibility(cfg.powerPlausibility);
      const bad = (s: number): SampleInput => {
        const r = reading(1000, [16, 16, 16]);
        return input(s * 1000, { ...r, phases: [r.phases[0]!, { ...r.phases[1]!, powerW: 4500 }, r.phases[2]!] });
      };
      assert.deepEqual(feed(d, 0, 1, bad), []);
      const f = feed(d, 2, 2, bad)[0];
      assert.equal(f?.detector, 'power-plausibility');
      assert.deepEqual(f?.evidence['phases'], [{ phase: 2, powerW: 4500, apparentVa: 3680 }]);
    });

    it('a power factor of 0.5 (a broken voltage sense, a swapped CT) is found; 0.95 is not', () => {
      assert.equal(feed(new PowerPlausibility(cfg.powerPlausibility), 0, 5, (s) => input(s * 1000, reading(1000, [16, 16, 16], { pf: 0.5 }))).length > 0, true);
      assert.deepEqual(feed(new PowerPlausibility(cfg.powerPlausibility), 0, 5, (s) => input(s * 1000, reading(1000, [16, 16, 16], { pf: 0.95 }))), []);
    });

    it('below the minimum apparent power (idle noise) nothing is judged', () => {
      assert.deepEqual(feed(new PowerPlausibility(cfg.powerPlausibility), 0, 5, (s) => input(s * 1000, reading(1000, [0.5, 0.5, 0.5], { pf: 0.1 }))), []);
    });
  });

  describe('phase imbalance on a three-phase session', () => {
    it('one phase at half the others for two minutes', () => {
      const d = new PhaseImbalance(cfg.phaseImbalance);
      const found = feed(d, 0, 130, (s) => input(s * 1000, reading(1000, [16, 8, 16])));
      assert.equal(found[0]?.detector, 'phase-imbalance');
      assert.equal(found[0]?.evidence['ratio'], 0.5);
      assert.equal(found[0]?.dedupKey, 'phase-imbalance:1:1');
    });

    it('not on a one-phase station, nor a short imbalance, nor outside a session', () => {
      assert.deepEqual(feed(new PhaseImbalance(cfg.phaseImbalance), 0, 300, (s) => input(s * 1000, reading(1000, [16]), { phases: 1 })), []);
      assert.deepEqual(feed(new PhaseImbalance(cfg.phaseImbalance), 0, 300, (s) => input(s * 1000, reading(1000, s % 100 < 60 ? [16, 8, 16] : [16, 16, 16]))), []);
      assert.deepEqual(
        feed(new PhaseImbalance(cfg.phaseImbalance), 0, 300, (s) => input(s * 1000, reading(1000, [16, 0, 0]), { session: { id: null, sinceMono: 0 } })),
        [],
      );
    });
  });

  describe('an EV drawing far below the offer for long', () => {
    it('a one-phase 16 A car on a three-phase 32 A offer, for 30 min', () => {
      const d = new UnderDraw(cfg.underDraw);
      const make = (s: number): SampleInput => input(s * 1000, reading(1000, [16, 0, 0]), { offer: { amps: 32, sinceMono: 0 } });
      assert.deepEqual(feed(d, 0, 1799, make), []);
      const f = feed(d, 1800, 1800, make)[0];
      assert.equal(f?.detector, 'under-draw');
      assert.equal(f?.evidence['totalA'], 16);
    });

    it('an EV that pauses (draws nothing) or a three-phase 16 A car on a 32 A offer is not it', () => {
      assert.deepEqual(feed(new UnderDraw(cfg.underDraw), 0, 4000, (s) => input(s * 1000, reading(1000, [0, 0, 0]), { offer: { amps: 32, sinceMono: 0 } })), []);
      assert.deepEqual(feed(new UnderDraw(cfg.underDraw), 0, 4000, (s) => input(s * 1000, reading(1000, [16, 16, 16]), { offer: { amps: 32, sinceMono: 0 } })), []);
    });
  });
});
