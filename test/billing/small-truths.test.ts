import assert from 'node:assert/strict';
import { computeCost, costSessionFromJournal } from '../../src/billing/cost.js';
import { buildReceipt, formatDuration, renderReceiptText } from '../../src/billing/receipt.js';
import { storeSessionCost } from '../../src/billing/session-cost.js';
import { parseTariff } from '../../src/billing/tariff-schema.js';
import { buildTimeline } from '../../src/billing/timeline.js';
import { journaledSession } from './fixtures.js';
import { MemoryJournalReader } from './memory-reader.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 5, 1, 8);
const at = (minutes: number): number => T0 + minutes * MINUTE;

describe('billing: small truths (issue 19)', () => {
  it('receipt durations are to the second, as the amount is computed: 9 min 47 s × 40/h = 6.52, not "9 min"', () => {
    const tariff = parseTariff({ id: 'per-hour', pricePerChargingHour: '40' });
    const chargingMs = 9 * MINUTE + 47_000;
    const { session, samples, events } = journaledSession(1, T0, {}, { chargeMinutes: 9 });
    const stopAtMs = T0 + chargingMs;
    const rows = {
      session: { ...session, stopAtMs, unplugAtMs: stopAtMs, meterStopWh: session.meterStopWh },
      events: events.map((e) => (e.kind === 'charging-completed' || e.kind === 'stopped' || e.kind === 'unplugged' ? { ...e, atMs: stopAtMs } : e)),
    };
    const receipt = buildReceipt(rows.session, samples, rows.events, { tariff, stationTimeZone: 'UTC', nowMs: stopAtMs + MINUTE });
    const line = receipt.lines.find((l) => l.label === 'Charging time');
    assert.deepEqual([line?.detail, line?.amount], ['9 min 47 s × 40/h', '6.52']);
    assert.equal(formatDuration(3_723_400), '1 h 02 min 03 s');
    assert.equal(formatDuration(59_500), '1 min', 'half-up to the second, like the one rounding of the amounts');
    assert.equal(formatDuration(12 * MINUTE), '12 min');
  });

  it('a stop without a journaled unplug is not final while idle time can still change; final at the unplug', () => {
    const tariff = parseTariff({ idleFeePerMinute: '0.10', closeWithoutUnplugAfterMinutes: 60 });
    const { session, samples, events } = journaledSession(2, T0);
    const open = { ...session, unplugAtMs: null };
    const openEvents = events.filter((e) => e.kind !== 'unplugged');
    const stopAtMs = session.stopAtMs ?? 0;
    assert.equal(computeCost(tariff, costSessionFromJournal(open, samples, openEvents), stopAtMs).final, false, 'at the stop');
    assert.equal(computeCost(tariff, costSessionFromJournal(open, samples, openEvents), stopAtMs + 59 * MINUTE).final, false);
    assert.equal(computeCost(tariff, costSessionFromJournal(session, samples, events), stopAtMs + 10 * MINUTE).final, true, 'unplugged');
    // Without an unplug the bill closes after closeWithoutUnplugAfterMinutes, with no idle time after the stop.
    const closed = computeCost(tariff, costSessionFromJournal(open, samples, openEvents), stopAtMs + 60 * MINUTE);
    assert.equal(closed.final, true);
    // An unplug journaled after that does not reopen it.
    const late = { ...session, unplugAtMs: stopAtMs + 61 * MINUTE };
    const lateEvents = events.map((e) => (e.kind === 'unplugged' ? { ...e, atMs: stopAtMs + 61 * MINUTE } : e));
    assert.equal(computeCost(tariff, costSessionFromJournal(late, samples, lateEvents), stopAtMs + 62 * MINUTE).totalMinor, closed.totalMinor);
  });

  it('a stored final breakdown is never replaced; a stored open one is, in its stored zone', async () => {
    const tariff = parseTariff({ id: 'at-start', idleFeePerMinute: '0.10', energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: '0.50' }] });
    const { session, samples, events } = journaledSession(3, T0);
    const open = { ...session, unplugAtMs: null };
    const openEvents = events.filter((e) => e.kind !== 'unplugged');
    const opening = computeCost(tariff, costSessionFromJournal(open, samples, openEvents), session.stopAtMs ?? 0, 'Asia/Tokyo');
    assert.equal(opening.final, false);
    const reader = new MemoryJournalReader([{ ...session, cost: JSON.parse(JSON.stringify(opening)) as unknown }], samples, events);
    const atUnplug = await storeSessionCost(reader, 3, parseTariff({}), 'UTC', session.unplugAtMs ?? 0);
    assert.equal(atUnplug.final, true);
    assert.equal(atUnplug.stationTimeZone, 'Asia/Tokyo', 'the zone stored with the session, not the caller’s');
    assert.equal(atUnplug.tariff.id, 'at-start');

    const closed = new MemoryJournalReader([{ ...session, cost: JSON.parse(JSON.stringify(atUnplug)) as unknown }], samples, []);
    const again = await storeSessionCost(closed, 3, parseTariff({ id: 'other' }), 'UTC', at(10_000));
    assert.deepEqual(again, JSON.parse(JSON.stringify(atUnplug)));
    assert.equal(closed.savedCosts.size, 0, 'nothing written over the bill');
  });

  it('the timeline cuts stop-class fault pauses out of charging and idle, merges overlapping faults and ignores derate faults', () => {
    const timeline = buildTimeline(
      { startAtMs: at(0), stopAtMs: at(100), unplugAtMs: at(110) },
      [
        { kind: 'energy-flow-started', atMs: at(0) },
        { kind: 'fault-raised', atMs: at(10), detail: { fault: 'meter-lost' } },
        { kind: 'fault-raised', atMs: at(12), detail: { fault: 'over-voltage' } },
        { kind: 'fault-cleared', atMs: at(15), detail: { fault: 'meter-lost' } },
        { kind: 'fault-cleared', atMs: at(20), detail: { fault: 'over-voltage' } },
        { kind: 'fault-raised', atMs: at(30), detail: { fault: 'high-temperature' } },
        { kind: 'fault-cleared', atMs: at(40), detail: { fault: 'high-temperature' } },
        { kind: 'charging-completed', atMs: at(60) },
        { kind: 'fault-raised', atMs: at(70), detail: { fault: 'soft-overcurrent' } },
        { kind: 'fault-cleared', atMs: at(75), detail: { fault: 'soft-overcurrent' } },
        { kind: 'fault-raised', atMs: at(95), detail: { fault: 'under-voltage' } },
      ],
      at(200),
    );
    assert.deepEqual(
      timeline.pauses.map((p) => [p.fromMs - T0, p.toMs - T0, p.faults]),
      [
        [10 * MINUTE, 20 * MINUTE, ['meter-lost', 'over-voltage']],
        [70 * MINUTE, 75 * MINUTE, ['soft-overcurrent']],
        [95 * MINUTE, 100 * MINUTE, ['under-voltage']],
      ],
      'a fault still active at the stop pauses until the stop',
    );
    assert.equal(timeline.chargingMs, 50 * MINUTE);
    assert.equal(timeline.idleMs, (40 - 5 - 5 + 10) * MINUTE);
    assert.equal(timeline.pausedMs, 20 * MINUTE);
  });

  it('the receipt text shows each pause with its fault and its minutes', () => {
    const tariff = parseTariff({ pricePerChargingHour: '6' });
    const { session, samples, events } = journaledSession(4, T0, {}, { chargeMinutes: 60 });
    const withPause = [
      ...events,
      { sessionId: 4, kind: 'fault-raised' as const, atMs: at(20), detail: { fault: 'meter-lost' } },
      { sessionId: 4, kind: 'fault-cleared' as const, atMs: at(22) + 30_000, detail: { fault: 'meter-lost' } },
    ];
    const text = renderReceiptText(buildReceipt(session, samples, withPause, { tariff, stationTimeZone: 'Europe/Berlin', nowMs: at(500) }));
    assert.match(text, /Paused +2026-06-01 10:20:00 \+02:00–10:22:30 2 min 30 s \(meter-lost\): not billed/);
    assert.match(text, /charging 57 min 30 s, idle 30 min, paused 2 min 30 s/);
    assert.match(text, /57 min 30 s × 6\/h \(2 min 30 s paused, not billed\) +5\.75 EUR/);
  });
});
