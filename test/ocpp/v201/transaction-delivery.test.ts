import assert from 'node:assert/strict';
import type { TransactionEventRequest } from '../../../src/ocpp/v201/transactions/types.js';
import { TxStation } from './support/tx-rig.js';

const summary = (events: TransactionEventRequest[]): string[] =>
  events.map((e) => `${e.seqNo} ${e.eventType} ${e.triggerReason}${e.offline === true ? ' offline' : ''}`);

/**
 * Waits until the station has every queued row answered. The CSMS holds a message a moment before its answer is back at
 * the station: a link cut (or a reboot) in that moment makes the station send it again, as OCPP's at-least-once
 * delivery must, and a test that cuts the link must not land in that moment by accident.
 */
async function drained(station: TxStation): Promise<number> {
  const deadline = Date.now() + 5000;
  let rows = await station.journal.depth();
  while (rows > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    rows = await station.journal.depth();
  }
  return rows;
}

describe('OCPP 2.0.1 transactions over the real journal and a strict 2.0.1 websocket on loopback', function () {
  let station: TxStation;

  afterEach(async function () {
    await station.close();
  });

  it('a cable-first session goes out as Started, Updated…, Ended under one station-made id with seqNo 0, 1, 2, 3', async function () {
    station = await TxStation.create();
    await station.connect();
    const id = await station.startSession('CARD0001', 1000);
    await station.updated(id, 'ChargingStateChanged', { chargingState: 'Charging' });
    await station.updated(id, 'MeterValuePeriodic', {
      meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: 1500, context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }],
    });
    await station.stopSession(id, 2000, 'Local', 'CARD0001');
    const events = await station.waitEvents(4);
    assert.deepEqual(summary(events), ['0 Started Authorized', '1 Updated ChargingStateChanged', '2 Updated MeterValuePeriodic', '3 Ended StopAuthorized']);
    const ids = new Set(events.map((e) => e.transactionInfo.transactionId));
    assert.equal(ids.size, 1);
    assert.ok([...ids][0]!.length <= 36);
    assert.equal(events[3]?.transactionInfo.stoppedReason, 'Local');
    assert.equal(events[0]?.idToken?.idToken, 'CARD0001');
    // The CSMS has the Ended; the station marks it delivered once the answer is back, a moment later.
    assert.equal(await drained(station), 0, 'every row delivered');
  });

  it('a session that ran offline arrives in order once the link is back, each event flagged offline: true', async function () {
    station = await TxStation.create();
    await station.connect();
    const first = await station.startSession('CARD0001', 1000);
    await station.waitEvents(1);
    assert.equal(await drained(station), 0, 'the Started answered before the link goes');
    await station.disconnect();
    await station.updated(first, 'ChargingStateChanged', { chargingState: 'SuspendedEV' });
    await station.stopSession(first, 1500, 'EVDisconnected');
    const second = await station.startSession('CARD0002', 1500, false);
    await station.stopSession(second, 1700, 'Remote');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(station.csms.events.length, 1, 'nothing leaves while offline');
    await station.connect();
    const events = await station.waitEvents(5);
    assert.deepEqual(summary(events), [
      '0 Started Authorized',
      '1 Updated ChargingStateChanged offline',
      '2 Ended EVCommunicationLost offline',
      '0 Started CablePluggedIn offline',
      '1 Ended RemoteStop offline',
    ]);
    assert.equal(new Set(events.slice(0, 3).map((e) => e.transactionInfo.transactionId)).size, 1);
    assert.notEqual(events[3]?.transactionInfo.transactionId, events[0]?.transactionInfo.transactionId);
    // Events that happened online after the link came back are not flagged.
    const third = await station.startSession('CARD0003', 1700);
    await station.waitEvents(6);
    assert.equal(station.csms.events[5]?.offline, undefined);
    await station.stopSession(third, 1800);
    await station.waitEvents(7);
  });

  it('a reboot mid-transaction continues the same transactionId and seqNo (Ended with PowerLoss)', async function () {
    station = await TxStation.create();
    await station.connect();
    const id = await station.startSession('CARD0001', 1000);
    await station.updated(id, 'ChargingStateChanged', { chargingState: 'Charging' });
    await station.waitEvents(2);
    assert.equal(await drained(station), 0, 'both answered before the reboot');
    await station.reboot(1000);
    await station.connect();
    const events = await station.waitEvents(3);
    assert.deepEqual(summary(events), ['0 Started Authorized', '1 Updated ChargingStateChanged', '2 Ended AbnormalCondition offline']);
    assert.equal(events[2]?.transactionInfo.transactionId, events[0]?.transactionInfo.transactionId);
    assert.equal(events[2]?.transactionInfo.stoppedReason, 'PowerLoss');
    assert.equal(events[2]?.meterValue?.[0]?.sampledValue[0]?.value, 1000);
  });

  it('a refused TransactionEvent is retried MessageAttempts times, MessageAttemptInterval × attempts apart, then set aside', async function () {
    station = await TxStation.create({ attempts: 3, intervalS: 0.2 });
    await station.connect();
    station.csms.failNext = 2;
    const started = Date.now();
    const id = await station.startSession('CARD0001', 1000);
    const [event] = await station.waitEvents(1);
    assert.equal(event?.seqNo, 0);
    // Two refusals: waits of 0.2 s × 1 and 0.2 s × 2 before the third attempt.
    assert.ok(Date.now() - started >= 550, `retried after ${Date.now() - started} ms`);
    assert.equal(station.dead.length, 0);
    station.csms.failNext = 3;
    await station.stopSession(id, 1100);
    const deadline = Date.now() + 5000;
    while (station.dead.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(station.dead.length, 1, 'after 3 refused attempts the Ended is a dead letter');
    assert.equal(station.dead[0]?.message.kind, 'StopTransaction');
    assert.equal(station.csms.events.length, 1);
  });

  it('the answer reaches the station: idTokenInfo status is journaled, totalCost and personalMessage are handed on', async function () {
    station = await TxStation.create();
    station.csms.answer = (e) =>
      e.eventType === 'Ended'
        ? { totalCost: 4.2, updatedPersonalMessage: { format: 'UTF8', content: '4.20 EUR, thank you' } }
        : { idTokenInfo: { status: 'Accepted' } };
    await station.connect();
    const id = await station.startSession('CARD0001', 1000);
    await station.stopSession(id, 2000);
    await station.waitEvents(2);
    const deadline = Date.now() + 2000;
    while (station.answers.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(
      station.answers.map((a) => [a.eventType, a.answer.totalCost, a.answer.updatedPersonalMessage?.content, a.answer.idTokenInfo?.status]),
      [
        ['Started', undefined, undefined, 'Accepted'],
        ['Ended', 4.2, '4.20 EUR, thank you', undefined],
      ],
    );
    assert.deepEqual(station.sessionRow(id), { tx_uid: station.csms.events[0]?.transactionInfo.transactionId, id_tag_status: 'Accepted', csms_transaction_id: null });
  });

  it('a Started refused MessageAttempts times is set aside alone: the transaction\'s later events still go, under its id, seqNo 1, 2', async function () {
    station = await TxStation.create({ attempts: 2, intervalS: 0 });
    await station.connect();
    station.csms.failNext = 2;
    const id = await station.startSession('CARD0001', 1000);
    const deadline = Date.now() + 5000;
    while (station.dead.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual([station.dead[0]?.message.kind, station.dead[0]?.followers], ['StartTransaction', []]);
    await station.updated(id, 'ChargingStateChanged', { chargingState: 'Charging' });
    await station.stopSession(id, 1500);
    const events = await station.waitEvents(2);
    assert.deepEqual(summary(events), ['1 Updated ChargingStateChanged', '2 Ended StopAuthorized']);
    assert.equal(await station.journal.depth(), 0);
  });
});
