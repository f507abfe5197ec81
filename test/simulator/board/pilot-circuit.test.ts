import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  comparatorOutputs,
  cpLevels,
  generatorWave,
  NegativePeakHold,
  negativeLevelSettleMs,
  peakHighV,
  type CpLevels,
  type CpLoad,
  type GeneratorWave,
} from '../../../simulator/board/pilot-circuit.js';

const noEv: CpLoad = { evConnected: false, s2Closed: false, needsVentilation: false, hasDiode: true, cpShorted: false };
const b: CpLoad = { ...noEv, evConnected: true };
const c: CpLoad = { ...b, s2Closed: true };
const d: CpLoad = { ...c, needsVentilation: true };
const pwm = (dutyPercent: number): GeneratorWave => generatorWave({ enabled: true, periodNs: 1_000_000, dutyNs: dutyPercent * 10_000, polarity: 'normal' });

/** Steps the detector in `stepMs` pieces and returns the first time (ms) it reads active, or null. */
function firstActiveMs(wave: GeneratorWave, levels: CpLevels, untilMs: number, stepMs = 0.01): number | null {
  const det = new NegativePeakHold();
  for (let t = stepMs; t <= untilMs + 1e-9; t += stepMs) {
    det.advance(stepMs, wave, levels);
    if (det.active) return t;
  }
  return null;
}

describe('virtual board: pilot front end', () => {
  it('computes the IEC levels from the divider: A 12 V, B ≈ 9 V, C ≈ 6 V, D ≈ 3 V, E 0 V', () => {
    assert.equal(cpLevels(noEv).highV, 12);
    assert.ok(Math.abs(cpLevels(b).highV - (12 * 2740) / 3740) < 1e-9);
    const rc = (2740 * 1300) / 4040;
    assert.ok(Math.abs(cpLevels(c).highV - (12 * rc) / (rc + 1000)) < 1e-9);
    const rd = (2740 * 270) / 3010;
    assert.ok(Math.abs(cpLevels(d).highV - (12 * rd) / (rd + 1000)) < 1e-9);
    assert.deepEqual(cpLevels({ ...c, cpShorted: true }), { highV: 0, lowV: 0 });
    // Each level lands in its IEC window.
    for (const [load, lo, hi] of [[b, 8, 10], [c, 5, 7], [d, 2, 4]] as const) {
      const v = cpLevels(load).highV;
      assert.ok(v > lo && v < hi, `${v} V not in ${lo}…${hi}`);
    }
  });

  it('blocks the negative half with the diode; without it the low level is about −8.8 V', () => {
    assert.equal(cpLevels(b).lowV, -12);
    assert.ok(Math.abs(cpLevels({ ...b, hasDiode: false }).lowV + (12 * 2740) / 3740) < 1e-9);
    assert.ok(cpLevels({ ...c, hasDiode: false }).lowV > -6);
  });

  it('reads a thermometer code from the high level', () => {
    const code = (load: CpLoad) => {
      const o = comparatorOutputs(cpLevels(load).highV, 0);
      return [o.atLeastA, o.atLeastB, o.atLeastC, o.atLeastD, o.overVoltage].map(Number).join('');
    };
    assert.equal(code(noEv), '11110');
    assert.equal(code(b), '01110');
    assert.equal(code(c), '00110');
    assert.equal(code(d), '00010');
    assert.equal(code({ ...c, cpShorted: true }), '00000');
    assert.equal(comparatorOutputs(14, 0).overVoltage, true);
  });

  it('follows the PWM files: disabled or missing is −12 V, duty = period +12 V, inversed flips', () => {
    assert.deepEqual(generatorWave(null), { kind: 'steady', positive: false });
    assert.deepEqual(generatorWave({ enabled: false, periodNs: 1e6, dutyNs: 5e5, polarity: 'normal' }), { kind: 'steady', positive: false });
    assert.deepEqual(generatorWave({ enabled: true, periodNs: 1e6, dutyNs: 1e6, polarity: 'normal' }), { kind: 'steady', positive: true });
    assert.deepEqual(generatorWave({ enabled: true, periodNs: 1e6, dutyNs: 0, polarity: 'normal' }), { kind: 'steady', positive: false });
    assert.deepEqual(generatorWave({ enabled: true, periodNs: 1e6, dutyNs: 267_000, polarity: 'inversed' }), { kind: 'pwm', periodMs: 1, highShare: 0.733 });
    // An inverting amplifier behind an inversed channel: the duty written is the +12 V share again.
    assert.deepEqual(generatorWave({ enabled: true, periodNs: 1e6, dutyNs: 267_000, polarity: 'inversed' }, true), { kind: 'pwm', periodMs: 1, highShare: 0.267 });
    assert.equal(peakHighV({ kind: 'steady', positive: false }, cpLevels(b)), -12);
  });

  it('settles the negative peak-hold in 1 period at 27 % duty and 10 periods at 97 %, within the 10 ms worst case', () => {
    const at27 = firstActiveMs(pwm(27), cpLevels(b), 20);
    const at97 = firstActiveMs(pwm(97), cpLevels(c), 20);
    assert.ok(at27 !== null && at27 > 0.27 && at27 <= 1.1, `27 %: ${at27}`);
    assert.ok(at97 !== null && at97 > 9 && at97 <= 10, `97 %: ${at97}`);
    assert.ok(at97 <= negativeLevelSettleMs);
  });

  it('reads inactive before the PWM starts, with steady +12 V, and never without a diode', () => {
    const det = new NegativePeakHold();
    assert.equal(det.active, false);
    det.advance(1000, { kind: 'steady', positive: true }, cpLevels(b));
    assert.equal(det.active, false);
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 97 }), fc.boolean(), fc.integer({ min: 1, max: 500 }), (duty, s2, ms) => {
        const noDiode = new NegativePeakHold();
        noDiode.advance(ms, pwm(duty), cpLevels({ ...(s2 ? c : b), hasDiode: false }));
        return !noDiode.active && noDiode.voltageV > -9;
      }),
    );
  });

  it('gives the same voltage for one long step as for many short ones', () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 97 }), fc.integer({ min: 1, max: 50 }), (duty, ms) => {
        const one = new NegativePeakHold();
        one.advance(ms, pwm(duty), cpLevels(b));
        const many = new NegativePeakHold();
        for (let i = 0; i < ms * 8; i++) many.advance(0.125, pwm(duty), cpLevels(b));
        return Math.abs(one.voltageV - many.voltageV) < 1e-6;
      }),
    );
  });

  it('decays after the PWM stops (τ 100 ms) and a missing diode after state F reads absent within 10 ms', () => {
    const det = new NegativePeakHold();
    det.advance(20, pwm(50), cpLevels(b));
    assert.equal(det.active, true);
    det.advance(5, { kind: 'steady', positive: true }, cpLevels(b));
    assert.equal(det.active, true, 'the capacitor still holds a few ms');
    det.advance(5, { kind: 'steady', positive: true }, cpLevels(b));
    assert.equal(det.active, false);
    assert.ok(det.voltageV < -10 && det.voltageV > -11);
    // State F charged it to −12 V; a PWM into an EV without a diode leaves a stale "present" that bleeds away.
    const stale = new NegativePeakHold();
    stale.advance(50, { kind: 'steady', positive: false }, cpLevels(b));
    assert.equal(stale.active, true);
    stale.advance(negativeLevelSettleMs, pwm(27), cpLevels({ ...b, hasDiode: false }));
    assert.equal(stale.active, false);
  });
});
