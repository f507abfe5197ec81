import assert from 'node:assert/strict';
import { computeCost } from '../../src/billing/cost.js';
import { compareWithCsms, displayedTotalMinor, parseCostMsg } from '../../src/billing/costmsg.js';
import { parseTariff } from '../../src/billing/tariff-schema.js';

const start = Date.UTC(2026, 5, 1, 8);
const local = computeCost(
  parseTariff({ energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: '0.40' }], taxRatePercent: '19' }),
  { startAtMs: start, stopAtMs: start + 3_600_000, meterStartWh: 0, meterStopWh: 11_000, samples: [], events: [] },
  start + 3_600_000,
);

describe('billing/costmsg', () => {
  it('parses RunningCost and FinalCost data as the CSMS sends it (a JSON string)', () => {
    const running = parseCostMsg(
      'RunningCost',
      JSON.stringify({
        transactionId: 42,
        timestamp: '2026-06-01T09:00:00Z',
        meterValue: 11_000,
        cost: 5.24,
        state: 'Charging',
        chargingPrice: { kWhPrice: 0.476, hourPrice: 0, flatFee: 0 },
        idlePrice: { graceMinutes: 30, hourPrice: 6 },
        triggerMeterValue: { atEnergykWh: 20 },
      }),
    );
    assert.ok(running.ok && running.message.messageId === 'RunningCost' && running.message.data.cost === 5.24);
    const final = parseCostMsg('FinalCost', { transactionId: 42, cost: 5.24, priceText: '5.24 EUR incl. VAT' });
    assert.ok(final.ok && final.message.messageId === 'FinalCost');
  });

  it('names the bad field of a malformed message, and refuses unknown ids and non-JSON', () => {
    const bad = parseCostMsg('RunningCost', JSON.stringify({ transactionId: 42, timestamp: 'x', meterValue: 1, cost: -1, state: 'Charging', chargingPrice: {} }));
    assert.deepEqual(bad.ok ? null : bad.reason.split(':')[0], 'RunningCost.cost');
    assert.equal(parseCostMsg('Tip', '{}').ok, false);
    assert.equal(parseCostMsg('FinalCost', '{not json').ok, false);
  });

  it('agrees with a CSMS figure that matches to the minor unit, and reports the difference otherwise', () => {
    assert.equal(local.totalMinor, 524);
    assert.deepEqual(compareWithCsms(local, 5.24), { localMinor: 524, csmsMinor: 524, differenceMinor: 0, agrees: true });
    assert.deepEqual(compareWithCsms(local, 5.2355), { localMinor: 524, csmsMinor: 524, differenceMinor: 0, agrees: true });
    assert.deepEqual(compareWithCsms(local, 5.3), { localMinor: 524, csmsMinor: 530, differenceMinor: 6, agrees: false });
  });

  it('shows the CSMS figure when there is one, ours otherwise', () => {
    assert.deepEqual(displayedTotalMinor(local, 5.3), { totalMinor: 530, source: 'csms' });
    assert.deepEqual(displayedTotalMinor(local, null), { totalMinor: 524, source: 'local' });
  });
});
