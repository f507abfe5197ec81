import assert from 'node:assert/strict';
import { createBenchCsms, type BenchCsms } from '../../../simulator/csms/bench-csms.js';
import { RPCClient, rpcErrorCodeOf, type RpcClient } from '../../../src/ocpp/rpc.js';

const boot = { chargePointVendor: 'V', chargePointModel: 'M' };

async function connectPlain(csms: BenchCsms, identity = 'CP1', password?: string): Promise<RpcClient> {
  const client = new RPCClient({
    endpoint: csms.url,
    identity,
    protocols: ['ocpp1.6'],
    strictMode: true,
    reconnect: false,
    ...(password ? { password } : {}),
  } as ConstructorParameters<typeof RPCClient>[0]);
  await client.connect();
  return client;
}

describe('bench CSMS', function () {
  let csms: BenchCsms;
  const clients: RpcClient[] = [];
  beforeEach(async () => {
    csms = await createBenchCsms({ port: 0 });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close({ force: true });
    await csms.close();
  });

  it('accepts a station, answers BootNotification and records both frames with the method', async () => {
    const client = await connectPlain(csms);
    clients.push(client);
    const conf = (await client.call('BootNotification', boot)) as { status: string; interval: number };
    assert.equal(conf.status, 'Accepted');
    assert.deepEqual(csms.callsOf('BootNotification'), [boot]);
    const result = csms.messages.find((m) => m.type === 'CALLRESULT');
    assert.equal(result?.method, 'BootNotification');
    assert.equal(result?.outbound, true);
    assert.deepEqual(csms.connectedIdentities(), ['CP1']);
  });

  it('hands out increasing transaction ids and answers with a CALLERROR when told to', async () => {
    const client = await connectPlain(csms);
    clients.push(client);
    const start = { connectorId: 1, idTag: 'A', meterStart: 0, timestamp: new Date().toISOString() };
    csms.controls.failNext('StartTransaction', 1, 'InternalError');
    await assert.rejects(client.call('StartTransaction', start), (e: unknown) => rpcErrorCodeOf(e) === 'InternalError');
    const a = (await client.call('StartTransaction', start)) as { transactionId: number };
    const b = (await client.call('StartTransaction', start)) as { transactionId: number };
    assert.equal(b.transactionId, a.transactionId + 1);
    assert.equal(csms.messages.filter((m) => m.type === 'CALLERROR').length, 1);
  });

  it('rejects a call that breaks the 1.6 schema with a CALLERROR (strict mode)', async () => {
    const client = await connectPlain(csms);
    clients.push(client);
    // bypass the client's own validation with a raw frame
    client.sendRaw(JSON.stringify([2, 'x1', 'StartTransaction', { connectorId: 'one' }]));
    await csms.waitFor((ms) => ms.some((m) => m.type === 'CALLERROR' && m.outbound), 2000, 'a CALLERROR');
    const err = csms.messages.find((m) => m.type === 'CALLERROR');
    assert.match(String((err?.payload as { code: string }).code), /Violation/);
  });

  it('goes down (station sees a disconnect) and comes back on the same port', async () => {
    const client = await connectPlain(csms);
    clients.push(client);
    const port = csms.port;
    const disconnected = new Promise((r) => client.once('disconnect', r));
    await csms.controls.goDown();
    await disconnected;
    await assert.rejects(connectPlain(csms, 'CP2'));
    await csms.controls.comeBack();
    assert.equal(csms.port, port);
    const again = await connectPlain(csms, 'CP3');
    clients.push(again);
    assert.deepEqual(csms.connectedIdentities(), ['CP3']);
  });

  it('sends a CSMS-initiated call and returns the station answer', async () => {
    const client = await connectPlain(csms);
    clients.push(client);
    client.handle('GetLocalListVersion', () => Promise.resolve({ listVersion: 7 }));
    const conf = await csms.controls.call('CP1', 'GetLocalListVersion', {});
    assert.deepEqual(conf, { listVersion: 7 });
  });

  it('checks the Basic password of profile 1 and refuses a wrong one', async () => {
    await csms.close();
    csms = await createBenchCsms({ port: 0, passwords: { CP1: 'secret-key-1234' } });
    await assert.rejects(connectPlain(csms, 'CP1', 'wrong-password-xx'));
    const ok = await connectPlain(csms, 'CP1', 'secret-key-1234');
    clients.push(ok);
  });

  it('answers slowly when told to', async () => {
    const client = await connectPlain(csms);
    clients.push(client);
    csms.controls.setAnswerDelayMs(150);
    const t0 = Date.now();
    await client.call('Heartbeat', {});
    assert.ok(Date.now() - t0 >= 140);
  });
});
