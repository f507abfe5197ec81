import assert from 'node:assert/strict';
import { computeCost, costSessionFromJournal } from '../../src/billing/cost.js';
import { buildReceipt, renderReceiptText } from '../../src/billing/receipt.js';
import { renderCsv, tableOf } from '../../src/billing/render.js';
import { energyReport, loadReportSessions, sessionsReport } from '../../src/billing/reports.js';
import { parseTariff } from '../../src/billing/tariff-schema.js';
import { recentSessions } from '../../src/web/recent-sessions.js';
import { journaledSession } from './fixtures.js';
import { MemoryJournalReader } from './memory-reader.js';

/**
 * Issue 19, deliverable 3: a station in UTC with a tariff in America/New_York. The session starts 02:30 UTC on
 * 2 June, which is 22:30 on 1 June in New York: with two zones in play it would carry two dates.
 */
describe('billing: one zone per station for dates and times', () => {
  const tariff = parseTariff({
    id: 'nyc',
    currency: 'USD',
    timeZone: 'America/New_York',
    energyBands: [
      { label: 'late', from: '00:00', to: '06:00', pricePerKwh: '0.10' },
      { label: 'day', from: '06:00', to: '23:00', pricePerKwh: '0.30' },
      { label: 'late', from: '23:00', to: '24:00', pricePerKwh: '0.10' },
    ],
  });
  const start = Date.UTC(2026, 5, 2, 2, 30);
  const { session, samples, events } = journaledSession(1, start, {}, { chargeMinutes: 60 });
  // As the station stores it at the stop: its own zone (UTC) recorded with the breakdown.
  const billed = computeCost(tariff, costSessionFromJournal(session, samples, events), (session.unplugAtMs ?? 0) + 1, 'UTC');
  const stored = { ...session, cost: JSON.parse(JSON.stringify(billed)) as unknown };
  const reader = new MemoryJournalReader([stored], samples, events);

  it('the receipt, the reports (table and CSV) and the page list show the station zone; the tariff zone only picks the band', async () => {
    const receipt = buildReceipt(stored, samples, events, { tariff: parseTariff({}), stationTimeZone: 'Asia/Tokyo', nowMs: start + 86_400_000 });
    assert.equal(receipt.times.started.local, '2026-06-02 02:30:00 +00:00');
    // Priced on New York's clock: 22:30–23:00 EDT is "day", from 23:00 EDT (03:00 UTC) "late".
    assert.deepEqual(receipt.cost.energy.map((s) => [s.band, s.toMs]), [['day', Date.UTC(2026, 5, 2, 3)], ['late', session.stopAtMs]]);
    const text = renderReceiptText(receipt);
    assert.match(text, /Started +2026-06-02 02:30:00 \+00:00/);
    assert.match(text, /Energy day +5\.500 kWh × 0\.3\/kWh, 2026-06-02 02:30–03:00/);
    assert.match(text, /Energy late +5\.500 kWh × 0\.1\/kWh, 2026-06-02 03:00–03:50/);
    assert.match(text, /bands in America\/New_York/);
    assert.doesNotMatch(text, /2026-06-01/, 'no second date from the tariff zone');

    // A report asked with another config's zone still dates the session in the zone stored with it.
    const sessions = await loadReportSessions(reader, { fromMs: start - 1, toMs: start + 1 }, { tariff: parseTariff({}), timeZone: 'Asia/Tokyo', nowMs: start + 86_400_000 });
    const rows = sessionsReport(sessions, 'Asia/Tokyo');
    assert.equal(rows[0]?.start, '2026-06-02 02:30:00 +00:00');
    assert.match(renderCsv(tableOf(rows)), /,2026-06-02 02:30:00 \+00:00,/);
    assert.deepEqual(
      energyReport(sessions, 'Asia/Tokyo', ['day']).map((r) => [r.key, r.revenueMinor]),
      [['2026-06-02', billed.totalMinor]],
    );

    const listed = await recentSessions(reader, { limit: 5, days: 30, nowMs: start + 86_400_000, timeZone: 'Asia/Tokyo' });
    assert.equal(listed[0]?.startLocal, '2026-06-02 02:30:00 +00:00');
  });
});
