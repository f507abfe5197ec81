import assert from 'node:assert/strict';
import fc from 'fast-check';
import { currentForDuty, dutyForCurrent } from '../../hal/pilot-duty.js';
import { offeredCurrent } from '../../src/control/power-limit.js';

const limits = { hardwareMaxA: 32, cableMaxA: 32, configuredMaxA: 32, externalA: null, temperatureA: null };

describe('power-level limiting', () => {
  for (const [amps, duty] of [
    [6, 10],
    [10, 16.6],
    [16, 26.6],
    [20, 33.3],
    [32, 53.3],
    [51, 85],
    [60, 88],
    [80, 96],
  ] as const) {
    it(`${amps} A → ${duty} % duty (IEC 61851-1)`, () => assert.equal(dutyForCurrent(amps), duty));
  }

  it('has no duty below 6 A or above 80 A', () => {
    assert.throws(() => dutyForCurrent(5.9), /no valid PWM duty for 5.9 A/);
    assert.throws(() => dutyForCurrent(81), RangeError);
  });

  it('never offers more than the limit (duty rounds down)', () => {
    fc.assert(
      fc.property(fc.double({ min: 6, max: 80, noNaN: true }), (a) => currentForDuty(dutyForCurrent(a)) <= a + 1e-9),
    );
  });

  it('takes the smallest limit and names its source', () => {
    assert.deepEqual(offeredCurrent({ ...limits, cableMaxA: 20 }), {
      amps: 20,
      limitedBy: 'cable',
      canOffer: true,
      reason: 'limited by: cable 20 A',
      words: { kind: 'source', source: 'cable', amps: 20 },
    });
    assert.equal(offeredCurrent({ ...limits, externalA: 13.37 }).reason, 'limited by: external 13.3 A');
    assert.equal(offeredCurrent({ ...limits, configuredMaxA: 16, temperatureA: 10 }).limitedBy, 'temperature');
  });

  it('cannot offer below 6 A (the station suspends)', () => {
    const o = offeredCurrent({ ...limits, externalA: 4 });
    assert.equal(o.canOffer, false);
    assert.equal(o.amps, 4);
  });

  it('the offer is the minimum of all limits (property)', () => {
    const a = fc.integer({ min: 6, max: 80 });
    fc.assert(
      fc.property(a, a, a, fc.option(fc.integer({ min: 0, max: 80 }), { nil: null }), (h, c, g, e) => {
        const o = offeredCurrent({ hardwareMaxA: h, cableMaxA: c, configuredMaxA: g, externalA: e, temperatureA: null });
        return o.amps === Math.min(h, c, g, e ?? Infinity);
      }),
    );
  });
});
