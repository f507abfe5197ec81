import assert from 'node:assert/strict';
import { createBenchCsms, type BenchCsms } from '../../simulator/csms/bench-csms.js';
import { systemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { createOcppClient, type OcppClient } from '../../src/ocpp/client.js';
import { FakeStation } from './support/fake-station.js';
import { FreezableProxy } from './support/freezable-proxy.js';
import { fastConfig, STATION, waitUntil } from './support/harness.js';
import { MemoryKeyValueStore } from './support/memory-kv.js';
import { MemoryOutboxStore } from './support/memory-outbox.js';
import { answeredCalls } from './support/ledger.js';

describe('a silently dead link (no FIN, no RST) on loopback', function () {
  this.timeout(20_000);
  let csms: BenchCsms;
  let proxy: FreezableProxy;
  let client: OcppClient;

  afterEach(async () => {
    await client.stop();
    await proxy.close();
    await csms.close();
  });

  it('websocket pings (WebSocketPingInterval) notice it, the state says disconnected, and the outbox waits for the new link', async () => {
    csms = await createBenchCsms({ port: 0 });
    proxy = await FreezableProxy.start(csms.port);
    const outbox = new MemoryOutboxStore();
    const station = new FakeStation(outbox, () => Date.now(), () => client.outboxChanged());
    client = await createOcppClient({
      config: fastConfig(`ws://127.0.0.1:${proxy.port}`, { callTimeoutS: 30, initialKeys: { WebSocketPingInterval: '1' } }),
      station: STATION,
      port: station,
      outbox,
      kv: new MemoryKeyValueStore(),
      clock: systemClock,
      logger: silentLogger(),
      outboxPollMs: 20,
    });
    client.start();
    await waitUntil(() => client.registration.isAccepted(), 5000, 'registered');
    const connections = csms.acceptedConnections();
    proxy.frozen = true;
    const frozenAt = Date.now();
    station.startSession('TAG-DEAD');
    await waitUntil(() => !client.connection.isOpen(), 5000, 'the dead link noticed');
    const noticedAfterMs = Date.now() - frozenAt;
    assert.ok(noticedAfterMs <= 3500, `noticed within two ping intervals (+ slack), took ${noticedAfterMs} ms`);
    proxy.frozen = false; // the path heals; the old socket is gone, a new one is made
    await waitUntil(() => csms.acceptedConnections() > connections && client.connection.isOpen(), 5000, 'reconnected');
    await waitUntil(() => answeredCalls(csms.messages, 'StartTransaction').length >= 1, 5000, 'Start delivered on the new link');
    assert.equal(csms.callsOf('BootNotification').length, 1);
  });
});
