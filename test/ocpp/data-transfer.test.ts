import assert from 'node:assert/strict';
import type { DataTransferRequest } from '../../src/ocpp/data-transfer.js';
import { Rig } from './support/harness.js';

describe('DataTransfer from the CSMS on loopback', function () {
  this.timeout(10_000);
  let rig: Rig | null = null;
  afterEach(async () => {
    await rig?.close();
    rig = null;
  });

  it('without a route every vendor is unknown', async () => {
    rig = await Rig.create();
    await rig.waitRegistered();
    assert.deepEqual(await rig.csms.controls.call('CP1', 'DataTransfer', { vendorId: 'org.openchargealliance.costmsg', messageId: 'RunningCost', data: '{}' }), { status: 'UnknownVendorId' });
  });

  it('the station route decides (California Pricing to billing); a throwing route answers Rejected', async () => {
    const seen: DataTransferRequest[] = [];
    rig = await Rig.create({
      client: {
        dataTransfer: (req) => {
          seen.push(req);
          if (req.vendorId !== 'org.openchargealliance.costmsg') return { status: 'UnknownVendorId' };
          if (req.messageId === 'Boom') throw new Error('route bug');
          return req.messageId === 'RunningCost' ? { status: 'Accepted' } : { status: 'UnknownMessageId' };
        },
      },
    });
    await rig.waitRegistered();
    const call = (params: Record<string, unknown>): Promise<unknown> => (rig as Rig).csms.controls.call('CP1', 'DataTransfer', params);
    const data = JSON.stringify({ transactionId: 1, timestamp: '2026-01-01T00:00:00Z', cost: 1.5 });
    assert.deepEqual(await call({ vendorId: 'org.openchargealliance.costmsg', messageId: 'RunningCost', data }), { status: 'Accepted' });
    assert.deepEqual(await call({ vendorId: 'org.openchargealliance.costmsg', messageId: 'Other' }), { status: 'UnknownMessageId' });
    assert.deepEqual(await call({ vendorId: 'org.openchargealliance.costmsg', messageId: 'Boom' }), { status: 'Rejected' });
    assert.deepEqual(await call({ vendorId: 'com.example' }), { status: 'UnknownVendorId' });
    assert.deepEqual(seen[0], { vendorId: 'org.openchargealliance.costmsg', messageId: 'RunningCost', data });
  });
});
