/**
 * An unkind 2.0.1 CSMS (the lesson of this project: a message a CSMS did not implement dead-lettered, and held the
 * transaction messages queued behind it). The bench CSMS, strict 2.0.1 on loopback, with the real journal behind the
 * station, refuses every optional station message, answers slowly, keeps the boot Pending for a while, or drops the
 * link the moment a TransactionEvent arrives. Each time: every TransactionEvent the CSMS accepted arrives once, in
 * seqNo order, nothing optional holds one up, the station stays registered on one link, sends nothing in a busy loop,
 * and its outbox drains.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CsmsResponder } from '../../../simulator/csms/bench-csms.js';
import { createRPCError } from '../../../src/ocpp/rpc.js';
import type { TransactionEventRequest } from '../../../src/ocpp/v201/transactions/types.js';
import { faultDefinition } from '../../../src/control/faults.js';
import { sleep, waitFor } from './rig.js';
import { BenchRig } from './support/bench-rig.js';

/** Every station message a session does not need: an unkind CSMS may refuse them all. */
const OPTIONAL = ['StatusNotification', 'NotifyEvent', 'SecurityEventNotification', 'NotifyReport', 'LogStatusNotification', 'FirmwareStatusNotification', 'MeterValues', 'DataTransfer', 'Heartbeat'] as const;

function refusing(code: 'NotImplemented' | 'InternalError' | 'GenericError'): Record<string, CsmsResponder> {
  return Object.fromEntries(OPTIONAL.map((m) => [m, () => Promise.reject(createRPCError(code, `unkind CSMS: ${m}`))]));
}

/** Station calls of `method` the CSMS received. */
function callsOf(rig: BenchRig, method: string): number {
  return rig.csms.callsOf(method).length;
}

/** A session with every kind of optional traffic around it: triggered messages, a report, a fault, a security event. */
async function sessionWithOptionalTraffic(rig: BenchRig, card: string, triggered = true): Promise<{ endedCommittedAt: number }> {
  rig.station.meter(0);
  // Outside the transaction: MeterValues, Heartbeat, StatusNotification, log and firmware status, a NotifyReport.
  for (const requestedMessage of triggered ? ['MeterValues', 'Heartbeat', 'StatusNotification', 'LogStatusNotification', 'FirmwareStatusNotification'] : [])
    assert.equal(((await rig.call('TriggerMessage', { requestedMessage })) as { status: string }).status, 'Accepted', requestedMessage);
  if (triggered) assert.equal((await rig.call('GetBaseReport', { requestId: 7, reportBase: 'SummaryInventory' }))['status'], 'Accepted');
  rig.station.plugIn();
  rig.station.authorizeStart(card, 'local');
  await rig.station.committed();
  rig.client.faults.raised(faultDefinition('soft-overcurrent'), Date.now());
  void rig.client.securityEvents.record('SettingSystemTime', 'unkind CSMS test');
  rig.station.meter(500);
  await sleep(150);
  rig.client.faults.cleared(faultDefinition('soft-overcurrent'), Date.now());
  rig.station.tapStop(card);
  await rig.station.committed();
  const endedCommittedAt = Date.now();
  rig.station.unplug();
  return { endedCommittedAt };
}

const key = (e: TransactionEventRequest): string => `${e.transactionInfo.transactionId}#${e.seqNo}`;

/** Each transaction's events accepted once, seqNo 0, 1, 2 … in order, Started first and Ended last. */
function assertInOrderOnce(events: readonly TransactionEventRequest[]): void {
  const byTx = new Map<string, TransactionEventRequest[]>();
  for (const e of events) byTx.set(e.transactionInfo.transactionId, [...(byTx.get(e.transactionInfo.transactionId) ?? []), e]);
  assert.ok(byTx.size >= 1, 'a transaction arrived');
  for (const [tx, list] of byTx) {
    assert.deepEqual(list.map((e) => e.seqNo), list.map((_, i) => i), `transaction ${tx}: seqNo 0, 1, 2 … once each, in order`);
    assert.equal(list[0]?.eventType, 'Started', `transaction ${tx} starts with Started`);
    assert.equal(list[list.length - 1]?.eventType, 'Ended', `transaction ${tx} ends with Ended`);
  }
}

/** The station after the unkind part: registered on its one link, outbox empty, no call in a loop. */
async function assertSettled(rig: BenchRig, connections: number): Promise<void> {
  await waitFor(async () => (await rig.journal.depth()) === 0, 8000, 'the outbox drains');
  assert.ok(rig.client.registration.isAccepted(), 'still registered');
  assert.ok(rig.client.connection.isOpen(), 'still connected');
  assert.equal(rig.csms.acceptedConnections(), connections, 'no reconnect beyond those the CSMS caused');
  // A busy retry loop shows in a quiet moment: at most a heartbeat (interval 1 s) and a message left over.
  await sleep(200);
  const from = rig.csms.messages.length;
  const t0 = Date.now();
  await sleep(800);
  const calls = rig.csms.messages.slice(from).filter((m) => m.type === 'CALL' && !m.outbound);
  const perMinute = (calls.length * 60_000) / (Date.now() - t0);
  assert.ok(calls.length <= 3, `quiet station: ${calls.length} calls in 0.8 s (${perMinute.toFixed(0)}/min): ${calls.map((c) => c.method).join(', ')}`);
}

describe('OCPP 2.0.1 against an unkind CSMS (bench CSMS, strict 2.0.1, real journal, loopback)', function () {
  this.timeout(30_000);
  let rig: BenchRig;
  /** A state directory: firmware and certificates live there (FirmwareStatusNotification needs it). */
  let stateDir: string;

  beforeEach(function () {
    stateDir = mkdtempSync(join(tmpdir(), 'evse-v201-unkind-'));
  });

  afterEach(async function () {
    await rig.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  for (const code of ['NotImplemented', 'InternalError'] as const) {
    it(`every optional message answered ${code}: the transaction goes through whole and at once, nothing loops, the outbox drains`, async () => {
      rig = await BenchRig.create({ config: { stateDir }, csms: { heartbeatIntervalS: 1, responders: refusing(code) } });
      await rig.waitRegistered();
      const { endedCommittedAt } = await sessionWithOptionalTraffic(rig, 'CARD0001');
      await waitFor(() => rig.events().some((e) => e.eventType === 'Ended'), 5000, 'Ended at the CSMS');
      const endedAt = rig.csms.messages.find((m) => m.type === 'CALL' && m.method === 'TransactionEvent' && (m.payload as TransactionEventRequest).eventType === 'Ended')?.atMs ?? Infinity;
      // Refused optional messages queued beside it do not hold it up: it leaves as soon as it is committed.
      assert.ok(endedAt - endedCommittedAt < 1000, `Ended arrived ${endedAt - endedCommittedAt} ms after its commit`);
      assertInOrderOnce(rig.events());
      await assertSettled(rig, 1);
      for (const m of ['StatusNotification', 'NotifyReport', 'MeterValues', 'Heartbeat', 'SecurityEventNotification', 'NotifyEvent', 'LogStatusNotification', 'FirmwareStatusNotification'])
        assert.ok(callsOf(rig, m) >= 1, `${m} was offered to the CSMS (and refused)`);
      assert.equal(callsOf(rig, 'BootNotification'), 1, 'registered once, never again');
    });
  }

  it('a slow CSMS (every answer 200 ms late, a tenth of MessageTimeout): each TransactionEvent once, in order, nothing sent twice, the outbox drains', async () => {
    rig = await BenchRig.create({ config: { stateDir }, csms: { answerDelayMs: 200, heartbeatIntervalS: 30 } });
    await rig.waitRegistered();
    // The session's own statuses, fault and security event around it; no triggered extras (each costs a slow answer).
    await sessionWithOptionalTraffic(rig, 'CARD0002', false);
    await waitFor(() => rig.events().some((e) => e.eventType === 'Ended'), 15_000, 'Ended at the CSMS');
    assertInOrderOnce(rig.events());
    assert.equal(new Set(rig.events().map(key)).size, rig.events().length, 'no TransactionEvent sent twice');
    const stationCalls = rig.csms.messages.filter((m) => m.type === 'CALL' && !m.outbound);
    assert.equal(new Set(stationCalls.map((m) => m.messageId)).size, stationCalls.length, 'no call of any kind repeated: a slow answer is not a lost one');
    await assertSettled(rig, 1);
  });

  it('a boot kept Pending for 1.2 s: no TransactionEvent before Accepted, boots spaced by the interval, then the session arrives once, in order', async () => {
    rig = await BenchRig.create({ config: { stateDir }, csms: { bootStatus: 'Pending', heartbeatIntervalS: 1 } });
    const t0 = Date.now();
    await waitFor(() => callsOf(rig, 'BootNotification') >= 1, 3000, 'the first boot');
    rig.station.meter(0);
    rig.station.plugIn();
    rig.station.authorizeStart('CARD0003', 'local');
    await rig.station.committed();
    await sleep(1200);
    assert.equal(callsOf(rig, 'TransactionEvent'), 0, 'nothing but the boot while Pending');
    const boots = callsOf(rig, 'BootNotification');
    assert.ok(boots >= 2 && boots <= 3, `boot retried at its interval (1 s), not in a loop: ${boots} boots in ${Date.now() - t0} ms`);
    rig.csms.answers.bootStatus = 'Accepted';
    await rig.waitRegistered(4000);
    await rig.waitEvents(2);
    rig.station.tapStop('CARD0003');
    await rig.station.committed();
    await waitFor(() => rig.events().some((e) => e.eventType === 'Ended'), 5000, 'Ended at the CSMS');
    assertInOrderOnce(rig.events());
    await assertSettled(rig, 1);
  });

  it('the link dropped the moment a TransactionEvent arrives (twice, before answering): each is sent again unchanged, accepted once, in order', async () => {
    const dropped: TransactionEventRequest[] = [];
    const accepted: TransactionEventRequest[] = [];
    const holder: { rig?: BenchRig } = {};
    rig = await BenchRig.create({
      config: { stateDir },
      csms: {
        heartbeatIntervalS: 1,
        responders: {
          TransactionEvent: (p) => {
            const event = p as unknown as TransactionEventRequest;
            // The first event and the Ended are lost with the link: received, never answered.
            if ((event.eventType === 'Started' && dropped.length === 0) || (event.eventType === 'Ended' && dropped.length === 1)) {
              dropped.push(event);
              holder.rig?.csms.controls.dropConnections();
              return new Promise(() => undefined);
            }
            accepted.push(event);
            return {};
          },
        },
      },
    });
    holder.rig = rig;
    await rig.waitRegistered();
    rig.station.meter(0);
    rig.station.plugIn();
    rig.station.authorizeStart('CARD0004', 'local');
    await rig.station.committed();
    await waitFor(() => accepted.length >= 2, 6000, 'Started again and the next event');
    rig.station.meter(300);
    rig.station.tapStop('CARD0004');
    await rig.station.committed();
    await waitFor(() => accepted.some((e) => e.eventType === 'Ended'), 6000, 'Ended again');
    assert.equal(dropped.length, 2);
    assertInOrderOnce(accepted);
    // Sent again exactly as first sent (same seqNo, timestamp, content), and only those two twice.
    for (const d of dropped) assert.deepEqual(accepted.find((a) => key(a) === key(d)), d, `${key(d)} sent again unchanged`);
    const received = rig.events().map(key);
    assert.equal(received.length, accepted.length + dropped.length, 'every event received once, the two dropped ones twice');
    await assertSettled(rig, 3);
    assert.ok(callsOf(rig, 'BootNotification') <= 3, 'a reconnect does not loop on the boot');
  });
});
