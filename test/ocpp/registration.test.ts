import assert from 'node:assert/strict';
import { Rig, sleep, waitUntil } from './support/harness.js';

describe('boot, clock and liveness on loopback', function () {
  this.timeout(20_000);
  let rig: Rig | null = null;
  afterEach(async () => {
    await rig?.close();
    rig = null;
  });

  it('Pending: sends nothing but BootNotification (answers the CSMS), retries after the interval, then flows', async () => {
    rig = await Rig.create({ csms: { heartbeatIntervalS: 1 } });
    const r = rig;
    r.csms.answers.bootStatus = 'Pending';
    await r.reboot(); // first boot may already have been accepted; start a fresh process under Pending
    await waitUntil(() => r.client.registration.status() === 'Pending', 3000, 'Pending');
    const conf = (await r.csms.controls.call('CP1', 'GetConfiguration', { key: ['HeartbeatInterval'] })) as { configurationKey: unknown[] };
    assert.equal(conf.configurationKey.length, 1, 'CSMS calls are answered while Pending');
    r.station.startSession('TAG-P');
    await sleep(300);
    const sincePending = r.csms.messages.filter((m) => !m.outbound && m.type === 'CALL' && m.atMs > 0);
    const lastBootIndex = sincePending.map((m) => m.method).lastIndexOf('BootNotification');
    assert.deepEqual(
      sincePending.slice(lastBootIndex + 1).map((m) => m.method),
      [],
      'nothing but the boot while Pending',
    );
    r.csms.answers.bootStatus = 'Accepted';
    await waitUntil(() => r.client.registration.isAccepted(), 3000, 'Accepted after the retry interval');
    await r.waitDrained();
    assert.equal(r.csms.callsOf('StartTransaction').length, 1);
  });

  it('Rejected: retried after the interval; no other message in between', async () => {
    rig = await Rig.create({ csms: { heartbeatIntervalS: 1 } });
    const r = rig;
    await r.waitRegistered();
    r.csms.answers.bootStatus = 'Rejected';
    await r.reboot();
    await waitUntil(() => r.client.registration.status() === 'Rejected', 3000, 'Rejected');
    const before = r.csms.messages.length;
    r.station.setStatus(1, 'Preparing');
    await sleep(400);
    const sent = r.csms.messages.slice(before).filter((m) => !m.outbound && m.type === 'CALL').map((m) => m.method);
    assert.ok(sent.every((m) => m === 'BootNotification'), `only BootNotification, got ${sent.join(',')}`);
    r.csms.answers.bootStatus = 'Accepted';
    await r.waitRegistered(3000);
    await r.waitDrained();
    assert.ok(r.csms.callsOf('StatusNotification').some((s) => s['status'] === 'Preparing'));
  });

  it('takes the clock from BootNotification.conf and Heartbeat.conf', async () => {
    const seen: number[] = [];
    rig = await Rig.create({ client: { onCsmsTime: (ms) => seen.push(ms) } });
    const r = rig;
    await r.waitRegistered();
    r.csms.controls.respondWith('Heartbeat', () => ({ currentTime: '2031-05-06T07:08:09.000Z' }));
    assert.equal(await r.client.registration.sendHeartbeat(), true);
    assert.ok(seen.length >= 2);
    assert.ok(Math.abs((seen[0] ?? 0) - Date.now()) < 5000, 'boot time from the CSMS');
    assert.equal(seen.at(-1), Date.parse('2031-05-06T07:08:09.000Z'));
  });

  it('a Heartbeat that gets no answer replaces the link (never shown connected on a dead link)', async () => {
    rig = await Rig.create({ config: { callTimeoutS: 1, initialKeys: { HeartbeatInterval: '1' } } });
    const r = rig;
    await r.waitRegistered();
    // BootNotification.conf set HeartbeatInterval to the CSMS's 300 s: bring it back to 1 s as a CSMS would.
    await r.csms.controls.call('CP1', 'ChangeConfiguration', { key: 'HeartbeatInterval', value: '1' });
    const connectionsBefore = r.csms.acceptedConnections();
    r.csms.controls.setSilent('Heartbeat');
    let sawDown = false;
    const watch = setInterval(() => {
      if (!r.client.connection.isOpen()) sawDown = true;
    }, 5);
    await waitUntil(() => r.csms.acceptedConnections() > connectionsBefore, 6000, 'a new connection');
    clearInterval(watch);
    assert.ok(sawDown, 'state went to disconnected when the Heartbeat timed out');
    r.csms.controls.setSilent(null);
    await r.waitRegistered();
    assert.equal(r.csms.callsOf('BootNotification').length, 1, 'a reconnect is not a reboot');
  });

  it('reports the truth: connected, last answer, outbox depth', async () => {
    rig = await Rig.create();
    const r = rig;
    await r.waitRegistered();
    await r.waitDrained();
    const up = await r.client.status();
    assert.equal(up.connected, true);
    assert.equal(up.registration, 'Accepted');
    assert.ok(up.lastAnswerAtMs !== null && Date.now() - up.lastAnswerAtMs < 2000);
    assert.equal(up.outboxDepth, 0);
    await r.csms.controls.goDown();
    await waitUntil(() => !r.client.connection.isOpen(), 2000, 'link down');
    r.station.startSession('TAG-S');
    const down = await r.client.status();
    assert.equal(down.connected, false);
    assert.equal(down.outboxDepth, 2, 'the Start and the Charging status wait in the outbox');
  });
});
