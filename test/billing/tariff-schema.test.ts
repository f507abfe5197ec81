import assert from 'node:assert/strict';
import { EvseError, EvseErrorCode } from '../../src/errors.js';
import { defaultTariff, parseTariff, tariffSchema } from '../../src/billing/tariff-schema.js';
import { TariffHolder } from '../../src/billing/tariff-holder.js';
import { minorUnitsOf } from '../../src/billing/currencies.js';
import { parseConfig } from '../../src/config/load.js';

/** Asserts parseTariff rejects `input` with a TariffInvalid error whose message contains every fragment. */
function assertRejected(input: unknown, ...fragments: string[]): void {
  assert.throws(
    () => parseTariff(input),
    (err: unknown) => {
      assert.ok(err instanceof EvseError, 'an EvseError');
      assert.equal(err.code, EvseErrorCode.TariffInvalid);
      for (const fragment of fragments) assert.ok(err.message.includes(fragment), `"${fragment}" in:\n${err.message}`);
      return true;
    },
  );
}

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'];
const weekend = ['sat', 'sun'];

describe('billing/tariff-schema', () => {
  it('an empty object is a valid, free default tariff covering every day', () => {
    const tariff = parseTariff({});
    assert.equal(tariff.currency, 'EUR');
    assert.equal(tariff.energyBands.length, 1);
    assert.equal(tariff.energyBands[0]?.pricePerKwh, '0');
    assert.deepEqual(tariff, defaultTariff);
  });

  it('keeps prices as canonical exact decimals, whether written as numbers or text', () => {
    const tariff = parseTariff({
      energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: 0.39 }],
      flatFee: '1.500',
      taxRatePercent: 19,
    });
    assert.equal(tariff.energyBands[0]?.pricePerKwh, '0.39');
    assert.equal(tariff.flatFee, '1.5');
    assert.equal(tariff.taxRatePercent, '19');
  });

  it('accepts bands that differ per day type when each day is covered exactly once', () => {
    const tariff = parseTariff({
      timeZone: 'Europe/Berlin',
      energyBands: [
        { label: 'night', days: weekdays, from: '00:00', to: '07:00', pricePerKwh: '0.25' },
        { label: 'day', days: weekdays, from: '07:00', to: '22:00', pricePerKwh: '0.45' },
        { label: 'night', days: weekdays, from: '22:00', to: '24:00', pricePerKwh: '0.25' },
        { label: 'weekend', days: weekend, from: '00:00', to: '24:00', pricePerKwh: '0.30' },
      ],
    });
    assert.equal(tariff.energyBands.length, 4);
  });

  it('rejects overlapping bands, naming the band, the other band, the day and the span', () => {
    assertRejected(
      {
        energyBands: [
          { from: '00:00', to: '09:00', pricePerKwh: '0.2' },
          { days: ['tue'], from: '07:00', to: '24:00', pricePerKwh: '0.4' },
        ],
      },
      'energyBands.1: overlaps energyBands.0 from 07:00 to 09:00 on tue',
    );
  });

  it('rejects a missing span, naming the day and the hours nobody covers', () => {
    assertRejected(
      {
        energyBands: [
          { from: '00:00', to: '24:00', days: weekdays, pricePerKwh: '0.2' },
          { from: '06:00', to: '24:00', days: weekend, pricePerKwh: '0.2' },
        ],
      },
      'energyBands: no band covers 00:00–06:00 on sat, sun',
    );
  });

  it('rejects a band that wraps midnight or is empty, at its "to"', () => {
    assertRejected({ energyBands: [{ from: '22:00', to: '06:00', pricePerKwh: '0.2' }] }, 'energyBands.0.to', '(got "06:00")');
    assertRejected({ energyBands: [{ from: '25:00', to: '26:00', pricePerKwh: '0.2' }] }, 'energyBands.0.from', '(got "25:00")');
  });

  it('rejects negative prices with the path and the value', () => {
    assertRejected({ flatFee: -1 }, 'flatFee: must not be negative (got -1)');
    assertRejected(
      { energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: '-0.30' }] },
      'energyBands.0.pricePerKwh: must not be negative (got "-0.30")',
    );
    assertRejected({ idleFeePerMinute: '1e-3' }, 'idleFeePerMinute', '(got "1e-3")');
    assertRejected({ flatFee: true }, 'flatFee: must be a decimal number such as "0.39" (got true)');
  });

  it('rejects an unknown currency and an unknown time zone', () => {
    assertRejected({ currency: 'EUX' }, 'currency: must be an ISO 4217 currency code', '(got "EUX")');
    assertRejected({ currency: 'eur' }, 'currency', '(got "eur")');
    assertRejected({ timeZone: 'Europe/Atlantis' }, 'timeZone: must be an IANA time zone', '(got "Europe/Atlantis")');
  });

  it('rejects a maximum below the minimum, and unknown keys', () => {
    assertRejected({ minPrice: '5', maxPrice: '4.99' }, 'maxPrice: must not be below minPrice (5)', '(got "4.99")');
    assertRejected({ pricePerKWh: 1 }, 'pricePerKWh');
  });

  it('knows the minor units of currencies', () => {
    assert.equal(minorUnitsOf('EUR'), 2);
    assert.equal(minorUnitsOf('JPY'), 0);
    assert.equal(minorUnitsOf('KWD'), 3);
    assert.equal(minorUnitsOf('CLF'), 4);
    assert.equal(minorUnitsOf('XAU'), undefined);
    assert.equal(minorUnitsOf('toString'), undefined);
  });

  it('round-trips: a parsed tariff parses to itself (the config can be printed and read back)', () => {
    const tariff = parseTariff({ maxPrice: 30, energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: 0.5 }] });
    assert.deepEqual(tariffSchema.parse(JSON.parse(JSON.stringify(tariff))), tariff);
  });

  it('is the `tariff` section of the station config: defaulted from {}, bad fields named under tariff.', () => {
    assert.deepEqual(parseConfig({}).tariff, defaultTariff);
    assert.throws(
      () => parseConfig({ tariff: { currency: 'EURO', energyBands: [{ days: ['mon'], from: '00:00', to: '24:00', pricePerKwh: 1 }] } }),
      (err: unknown) =>
        err instanceof EvseError &&
        err.code === EvseErrorCode.ConfigInvalid &&
        err.message.includes('tariff.currency') &&
        err.message.includes('(got "EURO")') &&
        err.message.includes('tariff.energyBands: no band covers 00:00–24:00 on tue, wed, thu, fri, sat, sun'),
    );
  });

  it('names an overlap once with every day it affects', () => {
    assertRejected(
      {
        energyBands: [
          { days: weekdays, from: '00:00', to: '18:00', pricePerKwh: '0.2' },
          { days: weekdays, from: '17:30', to: '24:00', pricePerKwh: '0.4' },
          { days: weekend, from: '00:00', to: '24:00', pricePerKwh: '0.3' },
        ],
      },
      'energyBands.1: overlaps energyBands.0 from 17:30 to 18:00 on mon, tue, wed, thu, fri',
    );
  });

  describe('TariffHolder', () => {
    it('replaces the running tariff with a valid one', () => {
      const holder = new TariffHolder(defaultTariff);
      const result = holder.replace({ energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: '0.49' }] });
      assert.equal(result.accepted, true);
      assert.equal(holder.current().energyBands[0]?.pricePerKwh, '0.49');
    });

    it('keeps the running tariff when the new one is invalid, and says why with the path', () => {
      const running = parseTariff({ id: 'running', energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: '0.39' }] });
      const holder = new TariffHolder(running);
      const result = holder.replace({ id: 'broken', currency: 'XYZ' }, 'tariff from CSMS');
      assert.equal(result.accepted, false);
      assert.ok(!result.accepted && result.reason.includes('currency') && result.reason.includes('"XYZ"'));
      assert.ok(!result.accepted && result.reason.startsWith('tariff from CSMS is invalid'));
      assert.equal(holder.current(), running);
    });
  });
});
