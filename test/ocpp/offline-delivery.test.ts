import assert from 'node:assert/strict';
import { assertLedger, answeredCalls, type ExpectedSession } from './support/ledger.js';
import { Rig, sleep } from './support/harness.js';

/** A whole session: plug, start, energy, stop. Returns what the CSMS must see. */
async function runSession(rig: Rig, idTag: string, energyWh: number, steps = 3): Promise<ExpectedSession> {
  const meterStart = rig.station.importWh;
  rig.station.startSession(idTag);
  for (let i = 0; i < steps; i += 1) {
    rig.station.meter(Math.round(energyWh / steps));
    await sleep(15);
  }
  const meterStop = rig.station.importWh;
  rig.station.stopSession('Local');
  return { idTag, meterStart, meterStop };
}

describe('offline-safe delivery on loopback (bench CSMS)', function () {
  this.timeout(30_000);
  let rig: Rig;
  afterEach(async () => {
    await rig.close();
  });

  it('online: boot, status of connectors 0 and 1, one Start and one Stop with the right id and energy', async () => {
    rig = await Rig.create();
    await rig.waitRegistered();
    const session = await runSession(rig, 'TAG-1', 7400);
    await rig.waitDrained();
    assertLedger(rig.csms.messages, [session]);
    const boot = rig.csms.callsOf('BootNotification');
    assert.equal(boot.length, 1);
    assert.deepEqual(boot[0], {
      chargePointVendor: 'TestVendor',
      chargePointModel: 'AC-1',
      chargePointSerialNumber: 'SN-1',
      chargeBoxSerialNumber: 'SN-1',
      firmwareVersion: '0.1.0',
    });
    const statuses = rig.csms.callsOf('StatusNotification').map((s) => `${String(s['connectorId'])}:${String(s['status'])}`);
    assert.deepEqual(statuses.slice(0, 2), ['0:Available', '1:Available']);
    assert.ok(statuses.includes('1:Charging'));
  });

  it('CSMS down for a whole session: everything arrives after it comes back, once, in order', async () => {
    rig = await Rig.create();
    await rig.waitRegistered();
    await rig.csms.controls.goDown();
    await sleep(50);
    assert.equal((await rig.client.status()).connected, false, 'never shown connected while the CSMS is down');
    const a = await runSession(rig, 'TAG-A', 3000);
    const b = await runSession(rig, 'TAG-B', 5000);
    assert.ok((await rig.client.status()).outboxDepth >= 4);
    await sleep(200);
    await rig.csms.controls.comeBack();
    await rig.waitDrained();
    assertLedger(rig.csms.messages, [a, b]);
    assert.equal(rig.dead.length, 0);
  });

  it('CSMS down in the middle of a session: the Stop waits and carries the id the Start got', async () => {
    rig = await Rig.create();
    await rig.waitRegistered();
    const meterStart = rig.station.importWh;
    rig.station.startSession('TAG-M');
    await rig.csms.waitFor((ms) => answeredCalls(ms, 'StartTransaction').length === 1, 5000, 'Start delivered');
    await rig.csms.controls.goDown();
    rig.station.meter(4200);
    rig.station.stopSession('EVDisconnected');
    await sleep(150);
    await rig.csms.controls.comeBack();
    await rig.waitDrained();
    assertLedger(rig.csms.messages, [{ idTag: 'TAG-M', meterStart, meterStop: meterStart + 4200 }]);
  });

  it('the CSMS unreachable at first boot: the first connection is retried until it succeeds', async () => {
    rig = await Rig.create();
    await rig.waitRegistered();
    await rig.csms.controls.goDown();
    await rig.reboot();
    const session = await runSession(rig, 'TAG-F', 1000);
    await sleep(300);
    assert.equal(rig.client.registration.status(), 'NotSent', 'a new process has not booted yet');
    assert.equal((await rig.client.status()).connected, false);
    await rig.csms.controls.comeBack();
    await rig.waitDrained();
    assertLedger(rig.csms.messages, [session]);
    assert.equal(rig.csms.callsOf('BootNotification').length, 2, 'one boot per process start');
  });

  it('a reboot while offline with an unsent StartTransaction: delivered once after the reboot, then the Stop', async () => {
    rig = await Rig.create();
    await rig.waitRegistered();
    await rig.csms.controls.goDown();
    const meterStart = rig.station.importWh;
    rig.station.startSession('TAG-R');
    rig.station.meter(2500);
    await sleep(50);
    await rig.reboot(); // process restarts; the journal (outbox) keeps the Start
    rig.station.stopSession('Reboot');
    await rig.csms.controls.comeBack();
    await rig.waitDrained();
    assertLedger(rig.csms.messages, [{ idTag: 'TAG-R', meterStart, meterStop: meterStart + 2500 }]);
  });

  it('a reboot with the Stop still queued: the Stop goes out once, after the reboot, with the id from before it', async () => {
    rig = await Rig.create();
    await rig.waitRegistered();
    const meterStart = rig.station.importWh;
    rig.station.startSession('TAG-RB');
    await rig.csms.waitFor((ms) => answeredCalls(ms, 'StartTransaction').length === 1, 5000, 'Start delivered');
    await rig.csms.controls.goDown();
    rig.station.meter(777);
    rig.station.stopSession('PowerLoss');
    await rig.reboot();
    await rig.reboot();
    await rig.csms.controls.comeBack();
    await rig.waitDrained();
    assertLedger(rig.csms.messages, [{ idTag: 'TAG-RB', meterStart, meterStop: meterStart + 777 }]);
    assert.equal(rig.csms.callsOf('StopTransaction').length, 1);
  });

  it('a CSMS that answers slowly (300 ms a call) still gets everything once, in order', async () => {
    rig = await Rig.create();
    await rig.waitRegistered();
    await rig.waitDrained();
    rig.csms.controls.setAnswerDelayMs(300);
    const a = await runSession(rig, 'TAG-S1', 500, 1);
    const b = await runSession(rig, 'TAG-S2', 600, 1);
    await rig.waitDrained();
    assertLedger(rig.csms.messages, [a, b]);
  });

  it('CALLERRORs are retried up to TransactionMessageAttempts: still exactly one accepted Start and Stop', async () => {
    rig = await Rig.create();
    await rig.waitRegistered();
    rig.csms.controls.failNext('StartTransaction', 2, 'InternalError');
    rig.csms.controls.failNext('StopTransaction', 1, 'GenericError');
    const session = await runSession(rig, 'TAG-E', 900);
    await rig.waitDrained();
    assertLedger(rig.csms.messages, [session]);
    assert.equal(rig.csms.callsOf('StartTransaction').length, 3);
    assert.equal(rig.csms.callsOf('StopTransaction').length, 2);
    assert.equal(rig.dead.length, 0);
  });

  it('a Start refused TransactionMessageAttempts times becomes a dead letter; its Stop never goes out with a made-up id', async () => {
    rig = await Rig.create();
    await rig.waitRegistered();
    rig.csms.controls.failNext('StartTransaction', 3, 'InternalError');
    await runSession(rig, 'TAG-D', 100);
    const next = await runSession(rig, 'TAG-N', 200);
    await rig.waitDrained();
    assert.deepEqual(rig.dead.map((d) => d.message.kind), ['StartTransaction'], 'one dead letter report for the session');
    assert.deepEqual(rig.outbox.deadLetters().map((d) => d.kind), ['StartTransaction', 'StopTransaction'], 'the Stop followed its Start');
    assertLedger(rig.csms.messages, [next]);
  });

  it('a journaled message that breaks the 1.6 schema never goes on the wire; it ends as a dead letter and the queue moves on', async () => {
    rig = await Rig.create();
    await rig.waitRegistered();
    await rig.waitDrained();
    rig.outbox.append('StartTransaction', 99, { connectorId: 1, idTag: 'AN-ID-TAG-FAR-TOO-LONG-FOR-OCPP', meterStart: 0, timestamp: new Date().toISOString() });
    const next = await runSession(rig, 'TAG-OK', 100);
    await rig.waitDrained();
    assert.deepEqual(rig.dead.map((d) => d.message.kind), ['StartTransaction']);
    assert.match(rig.dead[0]?.error ?? '', /Violation/);
    assert.equal(rig.csms.callsOf('StartTransaction').length, 1, 'the bad one never reached the CSMS');
    assertLedger(rig.csms.messages, [next]);
  });

  it('periodic MeterValues of a session run offline carry its real transactionId, between its Start and Stop', async () => {
    rig = await Rig.create({ config: { initialKeys: { MeterValueSampleInterval: '1' } } });
    await rig.waitRegistered();
    await rig.csms.controls.goDown();
    const meterStart = rig.station.importWh;
    rig.station.startSession('TAG-MV');
    for (let i = 0; i < 11; i += 1) {
      rig.station.meter(100);
      await sleep(200);
    }
    rig.station.stopSession('Local');
    await rig.csms.controls.comeBack();
    await rig.waitDrained();
    assertLedger(rig.csms.messages, [{ idTag: 'TAG-MV', meterStart, meterStop: meterStart + 1100 }]);
    const start = answeredCalls(rig.csms.messages, 'StartTransaction')[0];
    const stop = answeredCalls(rig.csms.messages, 'StopTransaction')[0];
    const meterValues = answeredCalls(rig.csms.messages, 'MeterValues');
    assert.ok(meterValues.length >= 1, 'at least one periodic sample in 2.2 s');
    for (const mv of meterValues) {
      assert.equal(mv.params['transactionId'], start?.result['transactionId']);
      assert.ok((start?.index ?? Infinity) < mv.index && mv.index < (stop?.index ?? -1));
    }
  });

  it('the link flapping every ~120 ms over five sessions: one Start and one Stop per session, in order', async () => {
    rig = await Rig.create();
    await rig.waitRegistered();
    const sessions: ExpectedSession[] = [];
    let flapping = true;
    const flapper = (async () => {
      while (flapping) {
        await sleep(120);
        rig.csms.controls.dropConnections();
      }
    })();
    for (let i = 0; i < 5; i += 1) sessions.push(await runSession(rig, `TAG-${i}`, 1000 + i * 10, 4));
    await sleep(300);
    flapping = false;
    await flapper;
    await rig.waitDrained(15_000);
    const starts = rig.csms.callsOf('StartTransaction');
    // A socket cut between the CSMS's answer and its arrival makes the station resend (at-least-once, as OCPP 1.6
    // requires); the CSMS then sees the same Start twice. Count distinct Starts, and say when a resend happened.
    const distinct = new Set(starts.map((s) => `${String(s['idTag'])}|${String(s['meterStart'])}|${String(s['timestamp'])}`));
    assert.equal(distinct.size, 5);
    const dedupedFrames = dedupe(rig.csms.messages);
    assertLedger(dedupedFrames, sessions);
    assert.ok(rig.csms.callsOf('BootNotification').length === 1, 'reconnects do not re-boot');
  });
});

/** Drops repeated deliveries of the same Start/Stop (a resend after a lost answer), keeping the last answered one. */
function dedupe(frames: Rig['csms']['messages']): Rig['csms']['messages'] {
  const answered = new Set(frames.filter((f) => f.outbound && f.type === 'CALLRESULT').map((f) => f.messageId));
  const lastByKey = new Map<string, string>();
  for (const f of frames) {
    if (f.outbound || f.type !== 'CALL' || !answered.has(f.messageId)) continue;
    if (f.method !== 'StartTransaction' && f.method !== 'StopTransaction') continue;
    lastByKey.set(`${f.method}|${JSON.stringify(f.payload)}`, f.messageId);
  }
  const keep = new Set(lastByKey.values());
  return frames.filter((f) => f.outbound || f.type !== 'CALL' || (f.method !== 'StartTransaction' && f.method !== 'StopTransaction') || keep.has(f.messageId));
}
