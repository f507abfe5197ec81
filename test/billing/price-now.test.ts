import assert from 'node:assert/strict';
import { displayPrice, priceNow } from '../../src/billing/price-now.js';
import { parseTariff } from '../../src/billing/tariff-schema.js';

const all = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

describe('billing: price now', () => {
  const tariff = parseTariff({
    currency: 'EUR',
    timeZone: 'Europe/Berlin',
    energyBands: [
      { label: 'night', days: all, from: '00:00', to: '06:00', pricePerKwh: '0.25' },
      { label: 'early', days: all, from: '06:00', to: '07:00', pricePerKwh: '0.25' },
      { label: 'day', days: all, from: '07:00', to: '22:00', pricePerKwh: '0.4' },
      { label: 'late', days: all, from: '22:00', to: '24:00', pricePerKwh: '0.25' },
    ],
    idleFeePerMinute: '0.1',
  });

  it('the band in force and the next different price, skipping a boundary where the price stays', () => {
    // 05:00 Berlin (UTC+1 in November): the 06:00 boundary keeps 0.25, so the change is at 07:00 local.
    const p = priceNow(tariff, 'UTC', Date.parse('2026-11-21T04:00:00Z'));
    assert.equal(p.pricePerKwh, '0.25');
    assert.equal(p.bandLabel, 'night');
    assert.equal(p.changesAtMs, Date.parse('2026-11-21T06:00:00Z'));
    assert.equal(p.nextPricePerKwh, '0.4');
    assert.equal(p.minorUnits, 2);
    assert.equal(p.idleFeePerMinute, '0.1');
  });

  it('on the spring DST day the change is at 07:00 local, which is 05:00 UTC', () => {
    // 2026-03-29: Berlin goes from UTC+1 to UTC+2 at 02:00 local.
    const p = priceNow(tariff, 'UTC', Date.parse('2026-03-29T00:30:00Z'));
    assert.equal(p.bandLabel, 'night');
    assert.equal(p.changesAtMs, Date.parse('2026-03-29T05:00:00Z'));
  });

  it('on the autumn DST day the late band starts at 22:00 local, 21:00 UTC', () => {
    const p = priceNow(tariff, 'UTC', Date.parse('2026-10-25T12:00:00Z'));
    assert.equal(p.bandLabel, 'day');
    assert.equal(p.changesAtMs, Date.parse('2026-10-25T21:00:00Z'));
    assert.equal(p.nextPricePerKwh, '0.25');
  });

  it('a flat price never changes', () => {
    const p = priceNow(parseTariff({ currency: 'JPY' }), 'Asia/Tokyo', Date.parse('2026-11-21T04:00:00Z'));
    assert.equal(p.changesAtMs, null);
    assert.equal(p.nextPricePerKwh, null);
    assert.equal(p.minorUnits, 0);
  });

  it('displays exact decimals padded to the minor unit, never rounded', () => {
    assert.equal(displayPrice('0.1', 2), '0.10');
    assert.equal(displayPrice('0.295', 2), '0.295');
    assert.equal(displayPrice('3', 2), '3.00');
    assert.equal(displayPrice('12', 0), '12');
  });
});
