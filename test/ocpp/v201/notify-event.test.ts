import assert from 'node:assert/strict';
import { faultDefinition } from '../../../src/control/faults.js';
import { Rig201, sleep, waitFor } from './rig.js';
import { assertSchema } from './schemas.js';
import { BenchRig } from './support/bench-rig.js';

type EventData = {
  eventId: number;
  timestamp: string;
  trigger: string;
  actualValue: string;
  cleared?: boolean;
  eventNotificationType: string;
  component: { name: string; evse?: { id: number; connectorId?: number } };
  variable: { name: string };
  techCode?: string;
  techInfo?: string;
  transactionId?: string;
};
type NotifyEventReq = { generatedAt: string; seqNo: number; tbc: boolean; eventData: EventData[] };

/** NotifyEvents the CSMS received (CALL frames from the station, refused ones included), each checked against the schema. */
function notifyEvents(csms: Rig201['csms']): NotifyEventReq[] {
  return csms.messages
    .filter((m) => m.type === 'CALL' && !m.outbound && m.method === 'NotifyEvent')
    .map((m) => {
      assertSchema('NotifyEvent', 'req', m.payload);
      return m.payload as NotifyEventReq;
    });
}

const eventsOf = (csms: Rig201['csms']): EventData[] => notifyEvents(csms).flatMap((n) => n.eventData);

describe('OCPP 2.0.1 faults as NotifyEvent (bench CSMS, strict schemas, real journal)', function () {
  this.timeout(30_000);
  let rig: Rig201 | null = null;
  let bench: BenchRig | null = null;
  afterEach(async () => {
    await rig?.close();
    await bench?.close();
    rig = null;
    bench = null;
  });

  async function getTripped(r: Rig201): Promise<string | undefined> {
    const answer = (await r.call('GetVariables', { getVariableData: [{ component: { name: 'RCD', evse: { id: 1 } }, variable: { name: 'Tripped' } }] })) as {
      getVariableResult: { attributeStatus: string; attributeValue?: string }[];
    };
    assert.equal(answer.getVariableResult[0]?.attributeStatus, 'Accepted');
    return answer.getVariableResult[0]?.attributeValue;
  }

  it('an RCD trip raised and cleared is two NotifyEvents on RCD/Tripped of EVSE 1; GetVariables answers true while it lasts', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    assert.equal(await getTripped(r), 'false');
    const rcd = faultDefinition('rcd-trip');
    const raisedAt = Date.parse('2026-11-30T10:00:00.000Z');
    r.client.faults.raised(rcd, raisedAt, 'I_delta 32 mA');
    await waitFor(() => eventsOf(r.csms).length === 1, 5000, 'the raise');
    assert.equal(await getTripped(r), 'true');
    // SummaryInventory lists components in an abnormal state: the RCD now, not before or after.
    const summary = () => r.client.deviceModel.report('SummaryInventory').map((d) => `${d.component.name}/${d.variable.name}`);
    assert.ok(summary().includes('RCD/Tripped'), summary().join());
    r.client.faults.cleared(rcd, raisedAt + 60_000);
    await waitFor(() => eventsOf(r.csms).length === 2, 5000, 'the clear');
    assert.equal(await getTripped(r), 'false');
    assert.ok(!summary().includes('RCD/Tripped'));

    const [raise, clear] = eventsOf(r.csms);
    assert.ok(raise && clear);
    const common = { trigger: 'Alerting', eventNotificationType: 'HardWiredNotification', component: { name: 'RCD', evse: { id: 1 } }, variable: { name: 'Tripped' }, techCode: 'rcd-trip' };
    assert.deepEqual({ ...common, actualValue: 'true', timestamp: '2026-11-30T10:00:00.000Z' }, pick(raise, [...Object.keys(common), 'actualValue', 'timestamp']));
    assert.equal(raise.cleared, undefined);
    assert.deepEqual({ ...common, actualValue: 'false', cleared: true, timestamp: '2026-11-30T10:01:00.000Z' }, pick(clear, [...Object.keys(common), 'actualValue', 'cleared', 'timestamp']));
    assert.equal(raise.techInfo, `E101: ${rcd.operatorMessage} (I_delta 32 mA)`);
    assert.notEqual(raise.eventId, clear.eventId);
    for (const n of notifyEvents(r.csms)) {
      assert.equal(n.seqNo, 0);
      assert.equal(n.tbc, false);
      assert.ok(Math.abs(Date.parse(n.generatedAt) - Date.now()) < 10_000, 'generatedAt is the time it was sent');
    }
    assert.equal(raise.transactionId, undefined, 'no transaction ran');
    assert.deepEqual(r.csms.messages.filter((m) => m.type === 'CALLERROR').map((m) => m.raw), []);
  });

  it('across a restart: a fault still active is not raised again, one gone meanwhile is reported cleared', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    r.client.faults.raised(faultDefinition('rcd-trip'), Date.now());
    r.client.faults.raised(faultDefinition('cable-lock-failed'), Date.now());
    await waitFor(() => eventsOf(r.csms).length === 2, 5000, 'both raises');
    await r.restart();
    await r.waitRegistered();
    // What the wiring does at start (src/wiring/uplink.ts): the faults active now, then the stale ones cleared.
    r.client.faults.raised(faultDefinition('rcd-trip'), Date.now());
    r.client.faults.clearStale(Date.now());
    await waitFor(() => eventsOf(r.csms).length === 3, 5000, 'the clear of the lock fault');
    await sleep(300);
    const after = eventsOf(r.csms).slice(2);
    assert.deepEqual(after.map((e) => [e.techCode, e.cleared ?? false, e.actualValue]), [['cable-lock-failed', true, 'false']]);
    // Only the RCD trip is still held as reported: another restart clears nothing more.
    await r.restart();
    await r.waitRegistered();
    r.client.faults.clearStale(Date.now());
    await waitFor(() => eventsOf(r.csms).length >= 4, 5000, 'the clear of the RCD trip');
    await sleep(300);
    assert.equal(eventsOf(r.csms).length, 4, 'the RCD trip, no longer active after this restart, is cleared; nothing else');
    assert.deepEqual(pick(eventsOf(r.csms)[3]!, ['techCode', 'cleared']), { techCode: 'rcd-trip', cleared: true });
  });

  it('a fault raised offline is journaled, survives a restart and reaches the CSMS once after reconnect, its eventId the same on every try', async () => {
    rig = await Rig201.create();
    const r = rig;
    await r.waitRegistered();
    await r.csms.controls.goDown();
    await waitFor(() => !r.client.connection.isOpen(), 5000, 'offline');
    r.client.faults.raised(faultDefinition('cable-lock-failed'), Date.now());
    await sleep(100);
    await r.restart();
    // The first try after reconnect is refused (a CSMS hiccup): the retry carries the same eventId.
    r.csms.controls.failNext('NotifyEvent', 1, 'InternalError');
    await r.csms.controls.comeBack();
    await waitFor(() => eventsOf(r.csms).length === 2, 8000, 'the refused try and the retry');
    await sleep(300);
    const events = eventsOf(r.csms);
    assert.equal(events.length, 2, 'delivered once (after one refused try), never again');
    assert.equal(events[0]?.eventId, events[1]?.eventId);
    assert.deepEqual(pick(events[1]!, ['component', 'variable', 'techCode', 'actualValue']), {
      component: { name: 'ConnectorPlugRetentionLock', evse: { id: 1, connectorId: 1 } },
      variable: { name: 'Problem' },
      techCode: 'cable-lock-failed',
      actualValue: 'true',
    });
    assert.equal(await r.journal.depth(), 0);
  });

  it('a fault during a transaction carries its transactionId; at a CSMS answering NotImplemented the events are dropped and the transaction messages still leave', async () => {
    bench = await BenchRig.create();
    const b = bench;
    await b.waitRegistered();
    b.station.meter(0);
    b.station.plugIn();
    b.station.authorizeStart('CARD0001', 'local');
    const [started] = await b.waitEvents(1);
    const transactionId = started?.transactionInfo.transactionId;
    assert.ok(transactionId);
    await waitFor(() => b.client.transactions.wire.transactionIdOf(b.station.activeSession()?.sessionId ?? -1) === transactionId, 3000, 'the id on the wire');
    const overcurrent = faultDefinition('soft-overcurrent');
    b.client.faults.raised(overcurrent, Date.now());
    await waitFor(() => eventsOf(b.csms).length === 1, 5000, 'the fault');
    assert.deepEqual(pick(eventsOf(b.csms)[0]!, ['component', 'variable', 'transactionId']), {
      component: { name: 'EVSE', evse: { id: 1 } },
      variable: { name: 'Overload' },
      transactionId,
    });

    // From now on this CSMS does not implement NotifyEvent.
    b.csms.controls.failNext('NotifyEvent', 100, 'NotImplemented');
    b.client.faults.cleared(overcurrent, Date.now());
    await waitFor(() => eventsOf(b.csms).length === 2, 5000, 'the refused clear');
    await waitFor(() => b.client.isUnsupported('NotifyEvent'), 3000, 'remembered');
    b.client.faults.raised(faultDefinition('meter-lost'), Date.now());
    b.station.tapStop('CARD0001');
    await b.station.committed();
    await waitFor(() => b.events().some((e) => e.eventType === 'Ended'), 8000, 'the transaction ended at the CSMS');
    await sleep(200);
    assert.equal(eventsOf(b.csms).length, 2, 'nothing more tried at a CSMS without NotifyEvent');
    await waitFor(async () => (await b.journal.depth()) === 0, 3000, 'an empty outbox: nothing dead, nothing waiting');
  });
});

function pick(o: object, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, (o as Record<string, unknown>)[k]]));
}
