import assert from 'node:assert/strict';
import {
  defaultTiming,
  evSideSuspended,
  initialChargerState,
  step,
  type ChargerAction,
  type ChargerInput,
  type ChargerState,
  type ChargerTiming,
} from '../../src/control/charger-fsm.js';
import { controlSchema } from '../../src/control/config.js';

/**
 * The EV leaves and the session stays (OCPP 1.6 StopTransactionOnEVSideDisconnect false, 2.0.1
 * TxCtrlr.StopTxOnEVSideDisconnect false, use case E10): state A opens the contactor and removes the PWM at once, the
 * session is suspended (SuspendedEV) and continues when an EV plugs back in; a card, the CSMS, a fault or
 * EVConnectionTimeOut (fixed cable) ends it.
 */

const timing: ChargerTiming = { ...defaultTiming, connectionTimeoutMs: 60_000 };

class Rig {
  s: ChargerState;
  readonly log: ChargerAction[] = [];
  constructor(opts: { stop: boolean; cableLock?: boolean }) {
    this.s = initialChargerState({ freeVend: false, offeredA: 32, stopOnEvSideDisconnect: opts.stop, cableLock: opts.cableLock ?? false });
  }
  feed(...inputs: ChargerInput[]): ChargerAction[] {
    const out: ChargerAction[] = [];
    for (const input of inputs) {
      const r = step(this.s, input, timing);
      this.s = r.state;
      out.push(...r.actions);
    }
    this.log.push(...out);
    return out;
  }
  /** Plugged, authorized, started, charging in C with the contactor closed. */
  charge(): void {
    this.feed({ type: 'pilot', state: 'B' }, { type: 'authorize', idTag: 'CARD' }, { type: 'session-started' });
    if (this.s.lock === 'locking') this.feed({ type: 'lock-result', operation: 'lock', ok: true });
    this.feed({ type: 'diode-ok' }, { type: 'pilot', state: 'C' });
    assert.equal(this.s.contactor, 'closed');
    assert.equal(this.s.status, 'Charging');
  }
}

const types = (actions: readonly ChargerAction[]): string[] =>
  actions.map((a) => (a.type === 'contactor' ? `contactor-${a.position}` : a.type === 'pilot' ? `pilot-${a.output.mode}` : a.type === 'status' ? `status-${a.status}` : a.type));

describe('charger state machine: EV-side disconnect keeps the session (StopTxOnEVSideDisconnect false)', () => {
  it('state A while charging: contactor opens first, PWM off, no stop, SuspendedEV; the connection timer starts (fixed cable)', () => {
    const rig = new Rig({ stop: false });
    rig.charge();
    const actions = rig.feed({ type: 'pilot', state: 'A' });
    assert.deepEqual(types(actions), ['contactor-open', 'pilot-steady', 'start-timer', 'status-SuspendedEV']);
    assert.equal(rig.s.session, 'active');
    assert.equal(rig.s.stopReason, null);
    assert.equal(evSideSuspended(rig.s), true);
    assert.deepEqual(rig.s.authorization, { idTag: 'CARD' });
  });

  it('the same with the setting true (default): the session ends with EVDisconnected, as before', () => {
    const rig = new Rig({ stop: true });
    rig.charge();
    const actions = rig.feed({ type: 'pilot', state: 'A' });
    assert.deepEqual(actions.filter((a) => a.type === 'stop-session'), [{ type: 'stop-session', reason: 'EVDisconnected' }]);
    assert.equal(rig.s.contactor, 'open');
  });

  it('an EV plugs back in: same session, a fresh diode check, then C closes the contactor again', () => {
    const rig = new Rig({ stop: false });
    rig.charge();
    rig.feed({ type: 'pilot', state: 'A' });
    const back = rig.feed({ type: 'pilot', state: 'B' });
    assert.deepEqual(types(back), ['pilot-pwm', 'cancel-timer']);
    assert.equal(rig.s.status, 'SuspendedEV');
    assert.equal(rig.s.diode, 'unchecked');
    // C before the diode check passed: the contactor stays open.
    assert.deepEqual(types(rig.feed({ type: 'pilot', state: 'C' })), ['status-SuspendedEVSE']);
    assert.equal(rig.s.contactor, 'open');
    assert.deepEqual(types(rig.feed({ type: 'diode-ok' })), ['contactor-closed', 'status-Charging']);
    assert.equal(rig.log.filter((a) => a.type === 'start-session').length, 1);
    assert.equal(rig.log.filter((a) => a.type === 'stop-session').length, 0);
  });

  it('a card tap / remote stop while suspended ends the session once, with its reason; nothing to open', () => {
    for (const reason of ['Local', 'Remote'] as const) {
      const rig = new Rig({ stop: false });
      rig.charge();
      rig.feed({ type: 'pilot', state: 'A' });
      const actions = rig.feed({ type: 'stop', reason });
      assert.deepEqual(actions.filter((a) => a.type === 'stop-session'), [{ type: 'stop-session', reason }]);
      assert.ok(actions.every((a) => a.type !== 'contactor'));
      rig.feed({ type: 'session-stopped' });
      assert.equal(rig.s.status, 'Available');
      assert.equal(rig.s.finished, false);
    }
  });

  it('a fault that ends sessions ends a suspended one', () => {
    const rig = new Rig({ stop: false });
    rig.charge();
    rig.feed({ type: 'pilot', state: 'A' });
    const actions = rig.feed({ type: 'faults', stop: true, endsSession: 'EmergencyStop' });
    assert.deepEqual(actions.filter((a) => a.type === 'stop-session'), [{ type: 'stop-session', reason: 'EmergencyStop' }]);
  });

  it('fixed cable: EVConnectionTimeOut without the EV back deauthorizes the session (E10.FR.02)', () => {
    const rig = new Rig({ stop: false });
    rig.charge();
    rig.feed({ type: 'pilot', state: 'A' });
    assert.equal(rig.s.connectionTimerArmed, true);
    const actions = rig.feed({ type: 'timer', name: 'connection-timeout' });
    assert.deepEqual(actions.filter((a) => a.type === 'stop-session'), [{ type: 'stop-session', reason: 'DeAuthorized' }]);
  });

  it('a timer that fires after the EV came back is stale: the session goes on', () => {
    const rig = new Rig({ stop: false });
    rig.charge();
    rig.feed({ type: 'pilot', state: 'A' }, { type: 'pilot', state: 'B' });
    assert.equal(rig.s.connectionTimerArmed, false);
    assert.deepEqual(rig.feed({ type: 'timer', name: 'connection-timeout' }), []);
    assert.equal(rig.s.stopReason, null);
  });

  it('socket outlet: the plug stays locked while suspended, no timeout; the starting card ends it and the lock opens', () => {
    const rig = new Rig({ stop: false, cableLock: true });
    rig.charge();
    const left = rig.feed({ type: 'pilot', state: 'A' });
    assert.ok(left.every((a) => a.type !== 'unlock' && a.type !== 'start-timer'));
    assert.equal(rig.s.lock, 'locked');
    rig.feed({ type: 'stop', reason: 'Local' });
    const stopped = rig.feed({ type: 'session-stopped' });
    assert.deepEqual(types(stopped), ['unlock', 'status-Available']);
  });

  it('the setting turned true while suspended: the rule applies now, the session ends with EVDisconnected', () => {
    const rig = new Rig({ stop: false });
    rig.charge();
    rig.feed({ type: 'pilot', state: 'A' });
    const actions = rig.feed({ type: 'stop-on-ev-side-disconnect', value: true });
    assert.deepEqual(actions.filter((a) => a.type === 'stop-session'), [{ type: 'stop-session', reason: 'EVDisconnected' }]);
  });

  it('a session still starting when the EV leaves ends (only an active session is kept)', () => {
    const rig = new Rig({ stop: false });
    rig.feed({ type: 'pilot', state: 'B' }, { type: 'authorize', idTag: 'CARD' });
    assert.equal(rig.s.session, 'starting');
    rig.feed({ type: 'pilot', state: 'A' });
    assert.equal(rig.s.stopReason, 'EVDisconnected');
  });

  it('control.stopOnEvSideDisconnect defaults to true and takes only a boolean', () => {
    assert.equal(controlSchema.parse({}).stopOnEvSideDisconnect, true);
    assert.equal(controlSchema.parse({ stopOnEvSideDisconnect: false }).stopOnEvSideDisconnect, false);
    assert.equal(controlSchema.safeParse({ stopOnEvSideDisconnect: 'no' }).success, false);
    assert.equal(initialChargerState({ freeVend: false, offeredA: 32 }).stopOnEvSideDisconnect, true);
  });
});
