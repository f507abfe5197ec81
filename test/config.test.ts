import assert from 'node:assert/strict';
import { parseConfig } from '../src/config/load.js';
import { EvseError, EvseErrorCode } from '../src/errors.js';

describe('config', () => {
  it('fills every default from an empty object', () => {
    const cfg = parseConfig({});
    assert.equal(cfg.limits.hardwareMaxA, 32);
    assert.equal(cfg.control.softOvercurrentS, 7);
  });

  it('names the field path and the bad value', () => {
    assert.throws(
      () => parseConfig({ limits: { cableMaxA: 3 } }),
      (err: unknown) =>
        err instanceof EvseError &&
        err.code === EvseErrorCode.ConfigInvalid &&
        err.message.includes('limits.cableMaxA') &&
        err.message.includes('(got 3)'),
    );
  });

  it('charging completion: defaults, and an out-of-range time named by its path', () => {
    const cfg = parseConfig({});
    assert.equal(cfg.control.chargingCompleteBelowA, 0.5);
    assert.equal(cfg.control.chargingCompleteAfterS, 60);
    assert.throws(
      () => parseConfig({ control: { chargingCompleteAfterS: 7200 } }),
      (err: unknown) =>
        err instanceof EvseError &&
        err.code === EvseErrorCode.ConfigInvalid &&
        err.message.includes('control.chargingCompleteAfterS') &&
        err.message.includes('(got 7200)'),
    );
    assert.throws(() => parseConfig({ control: { chargingCompleteBelowA: 0 } }), /control\.chargingCompleteBelowA/);
  });

  it('rejects unknown keys instead of ignoring a typo', () => {
    assert.throws(() => parseConfig({ limits: { cabelMaxA: 20 } }), /cabelMaxA/);
  });
});
