import assert from 'node:assert/strict';
import { storeSessionCost } from '../../src/billing/session-cost.js';
import { parseTariff } from '../../src/billing/tariff-schema.js';
import { EvseError, EvseErrorCode } from '../../src/errors.js';
import { journaledSession } from './fixtures.js';
import { MemoryJournalReader } from './memory-reader.js';

describe('billing/session-cost', () => {
  const tariff = parseTariff({ id: 'at-start', energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: '0.50' }] });

  it('stores the breakdown with the session, and a later recompute keeps the stored tariff', async () => {
    const { session, samples, events } = journaledSession(1, Date.UTC(2026, 5, 1, 8));
    const reader = new MemoryJournalReader([session], samples, events);
    const cost = await storeSessionCost(reader, 1, tariff, 'UTC', Date.UTC(2026, 5, 1, 12));
    assert.equal(cost.totalMinor, 1100);
    assert.deepEqual(reader.savedCosts.get(1), cost);

    const withStored = new MemoryJournalReader([{ ...session, cost }], samples, events);
    const later = await storeSessionCost(withStored, 1, parseTariff({ id: 'new' }), 'UTC', Date.UTC(2026, 5, 2));
    assert.equal(later.tariff.id, 'at-start');
    assert.equal(later.totalMinor, 1100);
  });

  it('names a missing session', async () => {
    await assert.rejects(
      storeSessionCost(new MemoryJournalReader([], [], []), 9, tariff, 'UTC', 0),
      (err: unknown) => err instanceof EvseError && err.code === EvseErrorCode.InvalidArgument && err.message.includes('9'),
    );
  });
});
