import assert from 'node:assert/strict';
import type { CostMessage } from '../../src/ocpp/cost-messages.js';
import { Rig } from './support/harness.js';

describe('California Pricing cost messages (DataTransfer) on loopback', function () {
  this.timeout(10_000);
  let rig: Rig;
  const shown: CostMessage[] = [];
  const transfer = (messageId: string, data: unknown): Promise<unknown> =>
    rig.csms.controls.call('CP1', 'DataTransfer', { vendorId: 'org.openchargealliance.costmsg', messageId, data: typeof data === 'string' ? data : JSON.stringify(data) });

  beforeEach(async () => {
    shown.length = 0;
    rig = await Rig.create({ client: { onCostMessage: (m) => shown.push(m) } });
    await rig.waitRegistered();
  });
  afterEach(async () => {
    await rig.close();
  });

  it('passes valid SetUserPrice, RunningCost and FinalCost to the display', async () => {
    assert.deepEqual(await transfer('SetUserPrice', { idToken: 'CARD-1', priceText: '0.39 EUR/kWh' }), { status: 'Accepted' });
    assert.deepEqual(await transfer('RunningCost', { transactionId: 4, timestamp: '2026-01-01T10:00:00Z', meterValue: 1234, cost: 1.23, state: 'Charging' }), { status: 'Accepted' });
    assert.deepEqual(await transfer('FinalCost', { transactionId: 4, cost: 2.5, priceText: 'Total 2.50 EUR' }), { status: 'Accepted' });
    assert.deepEqual(shown.map((m) => m.kind), ['SetUserPrice', 'RunningCost', 'FinalCost']);
  });

  it('rejects malformed data, answers UnknownMessageId and UnknownVendorId, and shows nothing then', async () => {
    assert.deepEqual(await transfer('RunningCost', { transactionId: 'four', cost: -1 }), { status: 'Rejected' });
    assert.deepEqual(await transfer('RunningCost', 'not json'), { status: 'Rejected' });
    assert.deepEqual(await transfer('Discount', {}), { status: 'UnknownMessageId' });
    assert.deepEqual(await rig.csms.controls.call('CP1', 'DataTransfer', { vendorId: 'com.other' }), { status: 'UnknownVendorId' });
    assert.equal(shown.length, 0);
  });
});
