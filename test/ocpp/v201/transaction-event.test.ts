import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { OutboxMessage } from '../../../src/journal/ports.js';
import type { StopReason } from '../../../src/session/recorder.js';
import { meterValueOf } from '../../../src/ocpp/v201/transactions/meter-values.js';
import { endedReasons } from '../../../src/ocpp/v201/transactions/stop-reasons.js';
import { transactionEventOf, type EventContext } from '../../../src/ocpp/v201/transactions/transaction-event.js';
import { DEFAULT_TX_POINTS } from '../../../src/ocpp/v201/transactions/tx-points.js';
import type { TransactionEventRequest } from '../../../src/ocpp/v201/transactions/types.js';
import { assertSchema } from './schemas.js';

const T0 = Date.UTC(2026, 10, 30, 8, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();
const TX = { id: '0b9e3a5c-4d0e-4a8e-9f6f-2f4b1b1c2d3e', plugInAtMs: T0 - 20_000, authorizedAtMs: T0 - 5_000 };

function message(kind: OutboxMessage['kind'], payload: Record<string, unknown>, seqNo: number, overrides: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    seq: 100 + seqNo,
    kind,
    sessionId: 7,
    payload,
    createdAtMs: T0,
    attempts: 0,
    nextAttemptAtMs: T0,
    transaction: { ...TX, seqNo },
    ...overrides,
  };
}

const ctx = (over: Partial<EventContext> = {}): EventContext => ({
  points: DEFAULT_TX_POINTS,
  offline: false,
  evseId: 1,
  idTokenType: () => 'ISO14443',
  ...over,
});

function refusal(event: TransactionEventRequest | string): string {
  assert.equal(typeof event, 'string', 'refused');
  return event as string;
}

function built(m: OutboxMessage, c = ctx()): TransactionEventRequest {
  const event = transactionEventOf(m, c);
  if (typeof event === 'string') throw new Error(event);
  assertSchema('TransactionEvent', 'req', event);
  return event;
}

const START = { connectorId: 1, idTag: 'CARD0001', meterStart: 1200, timestamp: iso(T0) };
const STOP_REASONS: StopReason[] = ['EmergencyStop', 'EVDisconnected', 'HardReset', 'Local', 'Other', 'PowerLoss', 'Reboot', 'Remote', 'SoftReset', 'UnlockCommand', 'DeAuthorized'];

describe('OCPP 2.0.1 TransactionEvent building', function () {
  it('the journal Start row is Started: station transactionId, seqNo, idToken, Transaction.Begin register, schema-valid', function () {
    const e = built(message('StartTransaction', { ...START, reservationId: 3 }, 0));
    assert.equal(e.eventType, 'Started');
    assert.equal(e.seqNo, 0);
    assert.equal(e.offline, undefined, 'online events leave the flag at its default');
    assert.equal(e.transactionInfo.transactionId, TX.id);
    assert.deepEqual(e.idToken, { idToken: 'CARD0001', type: 'ISO14443' });
    assert.equal(e.reservationId, 3);
    assert.deepEqual(e.evse, { id: 1, connectorId: 1 });
    // PowerPathClosed: the start is the later of plug-in and authorization, the session's start here.
    assert.equal(e.timestamp, iso(T0));
    assert.equal(e.meterValue?.[0]?.sampledValue[0]?.context, 'Transaction.Begin');
    assert.equal(e.meterValue?.[0]?.sampledValue[0]?.value, 1200);
  });

  it('TxStartPoint picks the Started time and trigger: EVConnected → CablePluggedIn at plug-in, Authorized → Authorized, a remote start → RemoteStart', function () {
    const m = message('StartTransaction', START, 0);
    const ev = built(m, ctx({ points: { start: ['EVConnected'], stop: ['EVConnected'] } }));
    assert.deepEqual([ev.timestamp, ev.triggerReason], [iso(TX.plugInAtMs), 'CablePluggedIn']);
    const auth = built(m, ctx({ points: { start: ['Authorized'], stop: ['Authorized'] } }));
    assert.deepEqual([auth.timestamp, auth.triggerReason], [iso(TX.authorizedAtMs), 'Authorized']);
    const remote = built(m, ctx({ points: { start: ['Authorized'], stop: ['Authorized'] }, remoteStartId: 42 }));
    assert.deepEqual([remote.triggerReason, remote.transactionInfo.remoteStartId], ['RemoteStart', 42]);
    // Authorization first (E03): PowerPathClosed waits for the plug, which completes it.
    const authFirst = message('StartTransaction', START, 0, { transaction: { ...TX, seqNo: 0, plugInAtMs: T0 - 1000, authorizedAtMs: T0 - 9000 } });
    assert.equal(built(authFirst).triggerReason, 'CablePluggedIn');
    assert.equal(built(message('StartTransaction', START, 0)).triggerReason, 'Authorized', 'cable first (E02): the authorization completes it');
  });

  it('free vend starts with a NoAuthorization token; a remote token keeps its type', function () {
    assert.deepEqual(built(message('StartTransaction', { ...START, idTag: null }, 0)).idToken, { idToken: '', type: 'NoAuthorization' });
    assert.deepEqual(built(message('StartTransaction', START, 0), ctx({ idTokenType: () => 'Central' })).idToken, { idToken: 'CARD0001', type: 'Central' });
  });

  it('every station stop reason ends with a 2.0.1 stoppedReason and triggerReason the schema accepts', function () {
    for (const reason of STOP_REASONS) {
      const e = built(message('StopTransaction', { meterStop: 5000, timestamp: iso(T0 + 60_000), reason }, 3));
      assert.equal(e.eventType, 'Ended');
      assert.equal(e.seqNo, 3);
      assert.equal(e.transactionInfo.stoppedReason, endedReasons(reason).stoppedReason);
      assert.equal(e.meterValue?.[0]?.sampledValue[0]?.context, 'Transaction.End');
    }
    const local = built(message('StopTransaction', { meterStop: 5000, timestamp: iso(T0), reason: 'Local', idTag: 'CARD0001' }, 3));
    assert.deepEqual([local.triggerReason, local.transactionInfo.stoppedReason, local.idToken?.idToken], ['StopAuthorized', 'Local', 'CARD0001']);
    const remote = built(message('StopTransaction', { meterStop: 5000, timestamp: iso(T0), reason: 'Remote' }, 3));
    assert.deepEqual([remote.triggerReason, remote.transactionInfo.stoppedReason], ['RemoteStop', 'Remote']);
    const ev = built(message('StopTransaction', { meterStop: 5000, timestamp: iso(T0), reason: 'EVDisconnected' }, 3));
    assert.deepEqual([ev.transactionInfo.stoppedReason, ev.transactionInfo.chargingState], ['EVDisconnected', 'Idle']);
    const master = built(message('StopTransaction', { meterStop: 5000, timestamp: iso(T0), reason: 'Local', idTag: 'MASTER' }, 3), ctx({ masterPass: true }));
    assert.equal(master.transactionInfo.stoppedReason, 'MasterPass');
    assert.equal(endedReasons('HardReset').stoppedReason, 'ImmediateReset');
    assert.equal(endedReasons('PowerLoss').stoppedReason, 'PowerLoss');
    assert.equal(endedReasons('DeAuthorized').triggerReason, 'Deauthorized');
  });

  it('a session MeterValues row (the shared 1.6 scheduler) is Updated with MeterValuePeriodic / MeterValueClock, values as numbers', function () {
    const mv = (context: string) => ({
      connectorId: 1,
      meterValue: [{ timestamp: iso(T0), sampledValue: [{ value: '1234', context, measurand: 'Energy.Active.Import.Register', unit: 'Wh', location: 'Outlet' }, { value: 'abc', format: 'SignedData' }] }],
    });
    const periodic = built(message('MeterValues', mv('Sample.Periodic'), 1));
    assert.deepEqual([periodic.eventType, periodic.triggerReason, periodic.meterValue?.[0]?.sampledValue], [
      'Updated',
      'MeterValuePeriodic',
      [{ value: 1234, context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', location: 'Outlet', unitOfMeasure: { unit: 'Wh' } }],
    ]);
    assert.equal(built(message('MeterValues', mv('Sample.Clock'), 1)).triggerReason, 'MeterValueClock');
  });

  it('a queued Updated (TransactionEvent row) carries its trigger, charging state and token; offline when it happened offline', function () {
    const e = built(
      message('TransactionEvent', { timestamp: iso(T0), triggerReason: 'ChargingStateChanged', chargingState: 'SuspendedEV', idToken: 'CARD0001' }, 2),
      ctx({ offline: true }),
    );
    assert.deepEqual([e.eventType, e.triggerReason, e.transactionInfo.chargingState, e.offline, e.idToken?.type], ['Updated', 'ChargingStateChanged', 'SuspendedEV', true, 'ISO14443']);
  });

  it('refuses what it cannot build (no transaction from the journal, a broken row) instead of inventing a field', function () {
    assert.match(refusal(transactionEventOf(message('StartTransaction', START, 0, { transaction: undefined }), ctx())), /no transaction/);
    assert.match(refusal(transactionEventOf(message('StopTransaction', { meterStop: 1, timestamp: iso(T0), reason: 'Bogus' }, 1), ctx())), /known reason/);
    assert.match(refusal(transactionEventOf(message('StartTransaction', { ...START, idTag: 'X'.repeat(37) }, 0), ctx())), /at most 36/);
  });

  it('meter samples become 2.0.1 sampled values for every supported measurand (property: always schema-valid)', function () {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.array(fc.record({ v: fc.double({ min: 0, max: 300, noNaN: true }), a: fc.double({ min: 0, max: 80, noNaN: true }) }), { minLength: 1, maxLength: 3 }),
        fc.subarray(['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import', 'Voltage', 'Frequency', 'Current.Offered', 'Power.Offered', 'SoC']),
        (wh, phases, measurands) => {
          const mv = meterValueOf(
            { importWh: wh, totalPowerW: phases.reduce((s, p) => s + p.v * p.a, 0), frequencyHz: 50, readAtMs: T0, phases: phases.map((p) => ({ voltageV: p.v, currentA: p.a, powerW: p.v * p.a })) },
            measurands,
            'Sample.Periodic',
            { currentA: 16, powerW: 11_040 },
          );
          const supported = measurands.filter((m) => m !== 'SoC');
          if (supported.length === 0) return mv === null;
          assert.ok(mv);
          assertSchema('MeterValues', 'req', { evseId: 1, meterValue: [mv] });
          return true;
        },
      ),
    );
  });
});
