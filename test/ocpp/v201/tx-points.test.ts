import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decideAll,
  decideTx,
  IDLE,
  parseTxPoints,
  SUPPORTED_TX_POINTS,
  type StationFact,
  type TxPoint,
  type TxPoints,
  type TxState,
} from '../../../src/ocpp/v201/transactions/tx-points.js';

const plug: StationFact = { kind: 'plugged-in' };
const unplug: StationFact = { kind: 'unplugged' };
const auth: StationFact = { kind: 'authorized', remote: false };
const close: StationFact = { kind: 'power-path-closed' };
const flow: StationFact = { kind: 'energy-flow-started' };
const tap: StationFact = { kind: 'deauthorized', reason: 'Local' };
const open = (reason: 'Local' | 'Remote' = 'Local'): StationFact => ({ kind: 'power-path-opened', reason });

const actions = (points: TxPoints, facts: StationFact[]): string[] =>
  decideAll(points, facts).map(({ index, decision }) => `${decision.action}@${index}:${decision.action === 'none' ? '' : decision.triggerReason}`);

describe('OCPP 2.0.1 TxStartPoint / TxStopPoint decision', function () {
  it('EVConnected starts at the plug-in (CablePluggedIn) and ends when the EV leaves (EVDeparted)', function () {
    assert.deepEqual(actions({ start: ['EVConnected'], stop: ['EVConnected'] }, [plug, auth, close, flow, tap, open(), unplug]), [
      'start@0:CablePluggedIn',
      'end@6:EVDeparted',
    ]);
  });

  it('Authorized starts at the authorization, before the plug (E03), and a card tap ends it (StopAuthorized)', function () {
    assert.deepEqual(actions({ start: ['Authorized'], stop: ['Authorized'] }, [auth, plug, close, tap, open(), unplug]), ['start@0:Authorized', 'end@3:StopAuthorized']);
    assert.deepEqual(
      actions({ start: ['Authorized'], stop: ['Authorized'] }, [{ kind: 'authorized', remote: true }, plug, { kind: 'deauthorized', reason: 'Remote' }]),
      ['start@0:RemoteStart', 'end@2:RemoteStop'],
    );
  });

  it('PowerPathClosed starts when the contactor may close and ends when it opens', function () {
    assert.deepEqual(actions({ start: ['PowerPathClosed'], stop: ['PowerPathClosed'] }, [plug, auth, close, flow, open('Remote'), unplug]), [
      'start@2:ChargingStateChanged',
      'end@4:RemoteStop',
    ]);
  });

  it('the default (PowerPathClosed / EVConnected,Authorized): a card tap ends the transaction with the EV still plugged', function () {
    const points: TxPoints = { start: ['PowerPathClosed'], stop: ['EVConnected', 'Authorized'] };
    assert.deepEqual(actions(points, [plug, auth, close, tap, open(), unplug]), ['start@2:ChargingStateChanged', 'end@3:StopAuthorized']);
    assert.deepEqual(actions(points, [plug, auth, close, flow, unplug]), ['start@2:ChargingStateChanged', 'end@4:EVDeparted']);
  });

  it('a stop point never true while the transaction ran does not end it at once (start at EVConnected, stop at Authorized)', function () {
    const points: TxPoints = { start: ['EVConnected'], stop: ['Authorized'] };
    assert.deepEqual(actions(points, [plug, auth, close, tap]), ['start@0:CablePluggedIn', 'end@3:StopAuthorized']);
    assert.deepEqual(actions(points, [plug, unplug]), ['start@0:CablePluggedIn', 'end@1:EVDeparted'], 'the EV leaving ends it anyway');
  });

  it('parses the configured lists and refuses points this station cannot detect', function () {
    assert.deepEqual(parseTxPoints('EVConnected, Authorized,EVConnected'), ['EVConnected', 'Authorized']);
    assert.equal(parseTxPoints('ParkingBayOccupancy'), null);
    assert.equal(parseTxPoints(''), null);
  });

  it('property: whatever the points and facts, starts and ends alternate, an end follows a start, nothing ends before it began', function () {
    const fact = fc.constantFrom<StationFact>(plug, unplug, auth, { kind: 'authorized', remote: true }, tap, close, open(), open('Remote'), flow, { kind: 'energy-flow-stopped' });
    const points = fc.subarray([...SUPPORTED_TX_POINTS] as TxPoint[], { minLength: 1 });
    fc.assert(
      fc.property(points, points, fc.array(fact, { maxLength: 40 }), (start, stop, facts) => {
        let state: TxState = IDLE;
        let running = false;
        for (const f of facts) {
          const next = decideTx({ start, stop }, state, f);
          if (next.decision.action === 'start') assert.equal(running, false, 'a start while running');
          if (next.decision.action === 'end') assert.equal(running, true, 'an end while idle');
          if (next.decision.action !== 'none') running = !running;
          assert.equal(next.state.running, running);
          state = next.state;
        }
        // An unplug always ends a running transaction that began with the EV plugged in.
        if (state.running && state.conditions.evConnected) {
          assert.equal(decideTx({ start, stop }, state, unplug).decision.action, 'end');
        }
      }),
    );
  });
});
