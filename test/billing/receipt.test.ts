import assert from 'node:assert/strict';
import { computeCost, costSessionFromJournal } from '../../src/billing/cost.js';
import { buildReceipt, maskIdTag, renderReceiptText } from '../../src/billing/receipt.js';
import { parseTariff } from '../../src/billing/tariff-schema.js';
import { journaledSession } from './fixtures.js';

const BERLIN = 'Europe/Berlin';
const tariff = parseTariff({
  id: 'berlin-2026',
  timeZone: BERLIN,
  energyBands: [
    { label: 'night', from: '00:00', to: '08:00', pricePerKwh: '0.29' },
    { label: 'day', from: '08:00', to: '24:00', pricePerKwh: '0.49' },
  ],
  idleFeePerMinute: '0.10',
  idleGraceMinutes: 15,
  flatFee: '0.35',
  taxRatePercent: '19',
});

describe('billing/receipt', () => {
  // 07:00 CEST on Monday 2026-06-01 = 05:00 UTC; two hours of 11 kW straddle the 08:00 band boundary.
  const start = Date.UTC(2026, 5, 1, 5);

  it('matches the journal: meter readings, energy, times, masked id tag and the last signed record', () => {
    const { session, samples, events } = journaledSession(3, start, {}, { signed: true });
    const receipt = buildReceipt(session, samples, events, { tariff, stationTimeZone: 'UTC', stationId: 'EVSE-1', nowMs: start + 5 * 3_600_000 });
    assert.equal(receipt.sessionId, 3);
    assert.equal(receipt.idTag, '****1234');
    assert.equal(receipt.csmsTransactionId, 7003);
    assert.deepEqual(receipt.meter, { startWh: session.meterStartWh, stopWh: session.meterStopWh, energyWh: 22_000 });
    assert.equal(receipt.times.started.utc, '2026-06-01T05:00:00.000Z');
    // One zone per station: times on the station's wall clock (UTC here); the tariff's zone only chose the bands.
    assert.equal(receipt.timeZone, 'UTC');
    assert.equal(receipt.tariffTimeZone, BERLIN);
    assert.equal(receipt.times.started.local, '2026-06-01 05:00:00 +00:00');
    assert.equal(receipt.times.stopped?.local, '2026-06-01 07:20:00 +00:00');
    assert.equal(receipt.times.pluggedIn?.local, '2026-06-01 04:58:00 +00:00');
    assert.equal(receipt.stopReason, 'Local');
    assert.equal(receipt.signedMeterRecord, samples[samples.length - 1]?.signedRecord);
    assert.ok(receipt.signedMeterRecord?.startsWith('OCMF|'));
    // 11 kWh night at 0.29 + 11 kWh day at 0.49 + 0.35 fee + idle (20 + 10 − 15 min) × 0.10 = 10.43 net, 12.41 gross.
    assert.deepEqual(
      receipt.lines.map((l) => [l.label, l.amount]),
      [
        ['Energy night', '3.19'],
        ['Energy day', '5.39'],
        ['Idle fee', '1.50'],
        ['Session fee', '0.35'],
      ],
    );
    assert.deepEqual([receipt.net, receipt.tax, receipt.total], ['10.43', '1.98', '12.41']);
    const direct = computeCost(tariff, costSessionFromJournal(session, samples, events), start + 5 * 3_600_000);
    assert.equal(receipt.totalMinor, direct.totalMinor);
    assert.equal(receipt.final, true);
  });

  it('renders readable text with the local times, lines, total and the signed record', () => {
    const { session, samples, events } = journaledSession(3, start, {}, { signed: true });
    const text = renderReceiptText(buildReceipt(session, samples, events, { tariff, stationTimeZone: 'UTC', stationId: 'EVSE-1', nowMs: start + 5 * 3_600_000 }));
    for (const fragment of [
      'Charging receipt — session 3',
      'EVSE-1, connector 1',
      '****1234',
      'Started       2026-06-01 05:00:00 +00:00',
      'Stopped       2026-06-01 07:20:00 +00:00 (Local)',
      'Energy        22.000 kWh',
      '11.000 kWh × 0.29/kWh, 2026-06-01 05:00–06:00',
      'bands in Europe/Berlin',
      'Times         in UTC, the station\'s zone',
      'TOTAL',
      '12.41 EUR',
      'OCMF|',
    ]) {
      assert.ok(text.includes(fragment), `"${fragment}" in:\n${text}`);
    }
    assert.ok(!text.includes('DE8ACC1234'), 'the full id tag never appears');
  });

  it('uses the tariff stored with the session, not the one in force now', () => {
    const { session, samples, events } = journaledSession(4, start);
    const billed = computeCost(tariff, costSessionFromJournal(session, samples, events), start + 5 * 3_600_000);
    const stored = { ...session, cost: JSON.parse(JSON.stringify(billed)) as unknown };
    const cheaperNow = parseTariff({ id: 'free' });
    const receipt = buildReceipt(stored, samples, events, { tariff: cheaperNow, stationTimeZone: BERLIN, nowMs: start + 6 * 3_600_000 });
    assert.equal(receipt.tariff.id, 'berlin-2026');
    assert.equal(receipt.totalMinor, billed.totalMinor);
  });

  it('flags an untrusted clock and a running session, and shows free vend', () => {
    const { session, samples, events } = journaledSession(5, start, { clockTrusted: false, stopAtMs: null, meterStopWh: null, unplugAtMs: null, idTag: null, stopReason: null });
    const running = events.filter((e) => e.kind !== 'stopped' && e.kind !== 'unplugged');
    const receipt = buildReceipt(session, samples.slice(0, 30), running, { tariff, stationTimeZone: BERLIN, nowMs: start + 30 * 60_000 });
    assert.equal(receipt.final, false);
    assert.equal(receipt.meter.energyWh, 5500);
    const text = renderReceiptText(receipt);
    assert.ok(text.includes('RUNNING, not final'));
    assert.ok(text.includes('before the clock was synchronised'));
    assert.ok(text.includes('(free vend)'));
    assert.equal(receipt.signedMeterRecord, null);
  });

  it('masks id tags down to their last four characters', () => {
    assert.equal(maskIdTag('04A2B3C4D5E6F7'), '****E6F7');
    assert.equal(maskIdTag('1234'), '****');
    assert.equal(maskIdTag(null), null);
  });
});
