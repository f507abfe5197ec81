import assert from 'node:assert/strict';
import {
  defaultTiming,
  initialChargerState,
  step,
  type ChargePointStatus,
  type ChargerAction,
  type ChargerInput,
  type ChargerState,
  type ChargerTiming,
} from '../../src/control/charger-fsm.js';
import { allFaults, faultDefinition } from '../../src/control/faults.js';
import { controlSchema } from '../../src/control/config.js';

/**
 * Transition table of the station hardware beyond the pilot: OCPP ConnectionTimeOut (d), state D and ventilation (f),
 * the cable lock of a socket outlet and UnlockConnector (g).
 */

const timing: ChargerTiming = { ...defaultTiming, connectionTimeoutMs: 60_000 };
const pwm32 = { mode: 'pwm', dutyPercent: 53.3 } as const;
const steady = { mode: 'steady' } as const;

const base = initialChargerState({ freeVend: false, offeredA: 32 });
const lockBase = initialChargerState({ freeVend: false, offeredA: 32, cableLock: true });
const ventBase = initialChargerState({ freeVend: false, offeredA: 32, ventilationAvailable: true });

function at(status: ChargePointStatus, facts: Partial<ChargerState> = {}, from: ChargerState = base): ChargerState {
  return { ...from, status, ...facts };
}

const card = { idTag: 'CARD' } as const;
const activeB = { pilot: 'B', session: 'active', authorization: card } as const;

/** A lock-fitted station charging with the plug locked. */
const lockedCharging = at('Charging', { ...activeB, pilot: 'C', output: pwm32, diode: 'ok', contactor: 'closed', lock: 'locked' }, lockBase);

/** A ventilated station charging in D. */
const ventCharging = at('Charging', { ...activeB, pilot: 'D', output: pwm32, diode: 'ok', contactor: 'closed', ventilation: true }, ventBase);

interface Row {
  readonly name: string;
  readonly from: ChargerState;
  readonly input: ChargerInput;
  readonly to: ChargePointStatus;
  readonly actions: readonly ChargerAction[];
  readonly timing?: ChargerTiming;
  readonly check?: (s: ChargerState) => void;
}

const connectionTimeoutRows: Row[] = [
  {
    name: 'a tap with no EV: Preparing, the connection timer starts',
    from: at('Available'),
    input: { type: 'authorize', idTag: 'CARD' },
    timing,
    to: 'Preparing',
    actions: [
      { type: 'start-timer', name: 'connection-timeout', ms: 60_000 },
      { type: 'status', status: 'Preparing' },
    ],
    check: (s) => assert.equal(s.connectionTimerArmed, true),
  },
  {
    name: 'nobody plugs in within ConnectionTimeOut: the authorization is dropped, Available',
    from: at('Preparing', { authorization: card, connectionTimerArmed: true }),
    input: { type: 'timer', name: 'connection-timeout' },
    timing,
    to: 'Available',
    actions: [{ type: 'status', status: 'Available' }],
    check: (s) => {
      assert.equal(s.authorization, null);
      assert.equal(s.connectionTimerArmed, false);
    },
  },
  {
    name: '…back to Reserved when a reservation is still held',
    from: at('Preparing', { authorization: card, connectionTimerArmed: true, reserved: true }),
    input: { type: 'timer', name: 'connection-timeout' },
    timing,
    to: 'Reserved',
    actions: [{ type: 'status', status: 'Reserved' }],
    check: (s) => assert.equal(s.authorization, null),
  },
  {
    name: 'the EV plugs in before the timeout: the session starts and the timer is cancelled',
    from: at('Preparing', { authorization: card, connectionTimerArmed: true }),
    input: { type: 'pilot', state: 'B' },
    timing,
    to: 'Preparing',
    actions: [
      { type: 'start-session', idTag: 'CARD' },
      { type: 'cancel-timer', name: 'connection-timeout' },
    ],
    check: (s) => assert.equal(s.connectionTimerArmed, false),
  },
  {
    name: 'a second tap while waiting restarts the timer for the new card',
    from: at('Preparing', { authorization: card, connectionTimerArmed: true }),
    input: { type: 'authorize', idTag: 'OTHER' },
    timing,
    to: 'Preparing',
    actions: [{ type: 'start-timer', name: 'connection-timeout', ms: 60_000 }],
    check: (s) => assert.deepEqual(s.authorization, { idTag: 'OTHER' }),
  },
  {
    name: 'a plug-in without authorization starts the timer',
    from: at('Available'),
    input: { type: 'pilot', state: 'B' },
    timing,
    to: 'Preparing',
    actions: [
      { type: 'start-timer', name: 'connection-timeout', ms: 60_000 },
      { type: 'status', status: 'Preparing' },
    ],
  },
  {
    name: 'a plug-in never authorized: Available after the timeout while the EV stays plugged in',
    from: at('Preparing', { pilot: 'B', connectionTimerArmed: true }),
    input: { type: 'timer', name: 'connection-timeout' },
    timing,
    to: 'Available',
    actions: [{ type: 'status', status: 'Available' }],
    check: (s) => {
      assert.equal(s.pilot, 'B');
      assert.equal(s.connectionTimedOut, true);
    },
  },
  {
    name: 'a later tap still starts a session with the EV that is plugged in',
    from: at('Available', { pilot: 'B', connectionTimedOut: true }),
    input: { type: 'authorize', idTag: 'CARD' },
    timing,
    to: 'Preparing',
    actions: [
      { type: 'start-session', idTag: 'CARD' },
      { type: 'status', status: 'Preparing' },
    ],
  },
  {
    name: '…and a remote start the same way (the runner feeds it as an authorization)',
    from: at('Available', { pilot: 'C', connectionTimedOut: true }),
    input: { type: 'authorize', idTag: 'REMOTE' },
    timing,
    to: 'Preparing',
    actions: [
      { type: 'start-session', idTag: 'REMOTE' },
      { type: 'status', status: 'Preparing' },
    ],
  },
  {
    name: 'the timed-out EV unplugs: the flag is cleared, Available, no timer',
    from: at('Available', { pilot: 'B', connectionTimedOut: true }),
    input: { type: 'pilot', state: 'A' },
    timing,
    to: 'Available',
    actions: [],
    check: (s) => assert.equal(s.connectionTimedOut, false),
  },
  {
    name: 'the unauthorized EV unplugs before the timeout: the timer is cancelled',
    from: at('Preparing', { pilot: 'B', connectionTimerArmed: true }),
    input: { type: 'pilot', state: 'A' },
    timing,
    to: 'Available',
    actions: [
      { type: 'cancel-timer', name: 'connection-timeout' },
      { type: 'status', status: 'Available' },
    ],
  },
  {
    name: 'a timer that fires after it was no longer wanted changes nothing',
    from: at('Preparing', { ...activeB, session: 'starting' }),
    input: { type: 'timer', name: 'connection-timeout' },
    timing,
    to: 'Preparing',
    actions: [],
    check: (s) => assert.deepEqual(s.authorization, card),
  },
  {
    name: 'free vend never times out: plugging in starts the session at once, no timer',
    from: at('Available', { freeVend: true }),
    input: { type: 'pilot', state: 'B' },
    timing,
    to: 'Preparing',
    actions: [
      { type: 'start-session', idTag: null },
      { type: 'status', status: 'Preparing' },
    ],
  },
  {
    name: 'ConnectionTimeOut 0 means never: no timer',
    from: at('Available'),
    input: { type: 'authorize', idTag: 'CARD' },
    timing: { ...timing, connectionTimeoutMs: 0 },
    to: 'Preparing',
    actions: [{ type: 'status', status: 'Preparing' }],
    check: (s) => assert.equal(s.connectionTimerArmed, false),
  },
  {
    name: 'Finishing (stopped, EV still plugged) does not time out: no timer',
    from: at('Charging', { pilot: 'B', session: 'stopping', authorization: card }),
    input: { type: 'session-stopped' },
    timing,
    to: 'Finishing',
    actions: [{ type: 'status', status: 'Finishing' }],
  },
];

const ventilationRows: Row[] = [
  {
    name: 'D with ventilation, session starting PWM: ventilation on, no close before the diode check',
    from: at('Preparing', { pilot: 'D', session: 'starting', authorization: card }, ventBase),
    input: { type: 'session-started' },
    to: 'SuspendedEVSE',
    actions: [
      { type: 'pilot', output: pwm32 },
      { type: 'ventilation', on: true },
      { type: 'status', status: 'SuspendedEVSE' },
    ],
    check: (s) => assert.equal(s.contactor, 'open'),
  },
  {
    name: 'D→C while charging: the contactor stays closed, ventilation off (the EV no longer asks for it)',
    from: ventCharging,
    input: { type: 'pilot', state: 'C' },
    to: 'Charging',
    actions: [{ type: 'ventilation', on: false }],
  },
  {
    name: 'D→B: the contactor opens first, then the ventilation goes off',
    from: ventCharging,
    input: { type: 'pilot', state: 'B' },
    to: 'SuspendedEV',
    actions: [
      { type: 'contactor', position: 'open' },
      { type: 'ventilation', on: false },
      { type: 'status', status: 'SuspendedEV' },
    ],
  },
  {
    name: 'a stop in D: ventilation stays on while the contactor is closed in the grace',
    from: ventCharging,
    input: { type: 'stop', reason: 'Local' },
    to: 'Charging',
    actions: [
      { type: 'pilot', output: steady },
      { type: 'start-timer', name: 'force-open', ms: 3000 },
    ],
    check: (s) => assert.equal(s.ventilation, true),
  },
  {
    name: '…and goes off once the contactor opened and the session ends',
    from: { ...ventCharging, stopReason: 'Local', output: steady, diode: 'unchecked', forceOpenArmed: true },
    input: { type: 'timer', name: 'force-open' },
    to: 'Charging',
    actions: [
      { type: 'contactor', position: 'open' },
      { type: 'ventilation', on: false },
      { type: 'stop-session', reason: 'Local' },
    ],
  },
  {
    name: 'unplug in D: open, ventilation off, stop',
    from: ventCharging,
    input: { type: 'pilot', state: 'A' },
    to: 'Charging',
    actions: [
      { type: 'contactor', position: 'open' },
      { type: 'pilot', output: steady },
      { type: 'ventilation', on: false },
      { type: 'stop-session', reason: 'EVDisconnected' },
    ],
  },
  {
    name: 'without ventilation: C→D while charging opens the contactor at once',
    from: at('Charging', { ...activeB, pilot: 'C', output: pwm32, diode: 'ok', contactor: 'closed' }),
    input: { type: 'pilot', state: 'D' },
    to: 'SuspendedEVSE',
    actions: [
      { type: 'contactor', position: 'open' },
      { type: 'status', status: 'SuspendedEVSE' },
    ],
    check: (s) => assert.equal(s.ventilation, false),
  },
  {
    name: 'without ventilation: a confirmed diode in D still does not close',
    from: at('SuspendedEVSE', { ...activeB, pilot: 'D', output: pwm32, diode: 'unchecked' }),
    input: { type: 'diode-ok' },
    to: 'SuspendedEVSE',
    actions: [],
    check: (s) => assert.equal(s.contactor, 'open'),
  },
  {
    name: 'without ventilation: the ventilation-unavailable fault (stop, ends with Other) stops the session in F',
    from: at('SuspendedEVSE', { ...activeB, pilot: 'D', output: pwm32, diode: 'ok' }),
    input: { type: 'faults', stop: true, endsSession: 'Other' },
    to: 'Faulted',
    actions: [
      { type: 'pilot', output: { mode: 'stateF' } },
      { type: 'start-timer', name: 'f-hold', ms: 300 },
      { type: 'stop-session', reason: 'Other' },
      { type: 'status', status: 'Faulted' },
    ],
  },
];

const lockRows: Row[] = [
  {
    name: 'lock fitted: the committed start locks the plug first; no PWM yet, still Preparing',
    from: at('Preparing', { pilot: 'B', session: 'starting', authorization: card }, lockBase),
    input: { type: 'session-started' },
    to: 'Preparing',
    actions: [{ type: 'lock' }],
    check: (s) => {
      assert.equal(s.lock, 'locking');
      assert.deepEqual(s.output, steady);
    },
  },
  {
    name: 'the lock confirmed: PWM starts, SuspendedEV',
    from: at('Preparing', { ...activeB, lock: 'locking' }, lockBase),
    input: { type: 'lock-result', operation: 'lock', ok: true },
    to: 'SuspendedEV',
    actions: [
      { type: 'pilot', output: pwm32 },
      { type: 'status', status: 'SuspendedEV' },
    ],
  },
  {
    name: 'the EV asks for power while the lock is still moving: nothing is offered, no close',
    from: at('Preparing', { ...activeB, lock: 'locking' }, lockBase),
    input: { type: 'pilot', state: 'C' },
    to: 'Preparing',
    actions: [],
    check: (s) => assert.equal(s.contactor, 'open'),
  },
  {
    name: 'a lock that does not confirm ends the session with Other; a release is tried once it stopped',
    from: at('Preparing', { ...activeB, lock: 'locking' }, lockBase),
    input: { type: 'lock-result', operation: 'lock', ok: false },
    to: 'Preparing',
    actions: [{ type: 'stop-session', reason: 'Other' }],
    check: (s) => {
      assert.equal(s.lock, 'failed');
      assert.equal(s.unlockRequested, true);
    },
  },
  {
    name: '…the stop committed: unlock',
    from: at('Preparing', { ...activeB, session: 'stopping', stopReason: 'Other', lock: 'failed', unlockRequested: true }, lockBase),
    input: { type: 'session-stopped' },
    to: 'Finishing',
    actions: [{ type: 'unlock' }, { type: 'status', status: 'Finishing' }],
  },
  {
    name: 'cable-lock-failed raised by the runner: Faulted (the FSM already stopped the session)',
    from: at('Preparing', { ...activeB, session: 'stopping', stopReason: 'Other', lock: 'failed', unlockRequested: true }, lockBase),
    input: { type: 'faults', stop: true, endsSession: 'Other' },
    to: 'Faulted',
    actions: [
      { type: 'pilot', output: { mode: 'stateF' } },
      { type: 'start-timer', name: 'f-hold', ms: 300 },
      { type: 'status', status: 'Faulted' },
    ],
  },
  {
    name: 'a lock result that arrives when none was asked for is ignored',
    from: lockedCharging,
    input: { type: 'lock-result', operation: 'unlock', ok: true },
    to: 'Charging',
    actions: [],
    check: (s) => assert.equal(s.lock, 'locked'),
  },
  {
    name: 'a local stop: PWM off, the lock stays while the contactor is closed',
    from: lockedCharging,
    input: { type: 'stop', reason: 'Local' },
    to: 'Charging',
    actions: [
      { type: 'pilot', output: steady },
      { type: 'start-timer', name: 'force-open', ms: 3000 },
    ],
    check: (s) => assert.equal(s.lock, 'locked'),
  },
  {
    name: 'stopped with the contactor open: the stop is committed, still locked until the journal confirms',
    from: { ...lockedCharging, stopReason: 'Local', output: steady, forceOpenArmed: true },
    input: { type: 'pilot', state: 'B' },
    to: 'Charging',
    actions: [
      { type: 'contactor', position: 'open' },
      { type: 'cancel-timer', name: 'force-open' },
      { type: 'stop-session', reason: 'Local' },
    ],
    check: (s) => assert.equal(s.lock, 'locked'),
  },
  {
    name: 'session stopped, contactor open: unlock, Finishing',
    from: { ...lockedCharging, pilot: 'B', contactor: 'open', output: steady, session: 'stopping', stopReason: 'Local' },
    input: { type: 'session-stopped' },
    to: 'Finishing',
    actions: [{ type: 'unlock' }, { type: 'status', status: 'Finishing' }],
    check: (s) => assert.equal(s.lock, 'unlocking'),
  },
  {
    name: 'the unlock confirmed: unlocked',
    from: at('Finishing', { pilot: 'B', finished: true, lock: 'unlocking' }, lockBase),
    input: { type: 'lock-result', operation: 'unlock', ok: true },
    to: 'Finishing',
    actions: [],
    check: (s) => assert.equal(s.lock, 'unlocked'),
  },
  {
    name: 'EV unplugs (UnlockConnectorOnEVSideDisconnect true): released after the stop is committed',
    from: { ...lockedCharging, pilot: 'A', contactor: 'open', output: steady, session: 'stopping', stopReason: 'EVDisconnected' },
    input: { type: 'session-stopped' },
    to: 'Available',
    actions: [{ type: 'unlock' }, { type: 'status', status: 'Available' }],
  },
  {
    name: 'EV unplugs (UnlockConnectorOnEVSideDisconnect false): the cable stays locked for the starting card',
    from: { ...lockedCharging, pilot: 'A', contactor: 'open', output: steady, session: 'stopping', stopReason: 'EVDisconnected', unlockOnEvSideDisconnect: false },
    input: { type: 'session-stopped' },
    to: 'Available',
    actions: [{ type: 'status', status: 'Available' }],
    check: (s) => {
      assert.equal(s.lock, 'locked');
      assert.deepEqual(s.lockHold, card);
    },
  },
  {
    name: 'held cable: another card does not release it',
    from: at('Available', { lock: 'locked', lockHold: card, unlockOnEvSideDisconnect: false }, lockBase),
    input: { type: 'authorize', idTag: 'OTHER' },
    to: 'Preparing',
    actions: [{ type: 'status', status: 'Preparing' }],
    check: (s) => assert.equal(s.lock, 'locked'),
  },
  {
    name: 'held cable: the starting card releases it (the tap is used up, no new authorization)',
    from: at('Available', { lock: 'locked', lockHold: card, unlockOnEvSideDisconnect: false }, lockBase),
    input: { type: 'authorize', idTag: 'CARD' },
    to: 'Available',
    actions: [{ type: 'unlock' }],
    check: (s) => {
      assert.equal(s.authorization, null);
      assert.equal(s.lockHold, null);
    },
  },
  {
    name: 'held cable: UnlockConnector releases it',
    from: at('Available', { lock: 'locked', lockHold: card, unlockOnEvSideDisconnect: false }, lockBase),
    input: { type: 'unlock-request' },
    to: 'Available',
    actions: [{ type: 'unlock' }],
  },
  {
    name: 'UnlockConnectorOnEVSideDisconnect is set from the OCPP key',
    from: at('Available', {}, lockBase),
    input: { type: 'unlock-on-ev-side-disconnect', value: false },
    to: 'Available',
    actions: [],
    check: (s) => assert.equal(s.unlockOnEvSideDisconnect, false),
  },
  {
    name: 'UnlockConnector during a session: stop with UnlockCommand (PWM off first, the lock waits)',
    from: lockedCharging,
    input: { type: 'unlock-request' },
    to: 'Charging',
    actions: [
      { type: 'pilot', output: steady },
      { type: 'start-timer', name: 'force-open', ms: 3000 },
    ],
    check: (s) => {
      assert.equal(s.stopReason, 'UnlockCommand');
      assert.equal(s.unlockRequested, true);
      assert.equal(s.lock, 'locked');
    },
  },
  {
    name: '…the EV follows: open, stop committed with UnlockCommand',
    from: { ...lockedCharging, stopReason: 'UnlockCommand', unlockRequested: true, output: steady, forceOpenArmed: true },
    input: { type: 'pilot', state: 'B' },
    to: 'Charging',
    actions: [
      { type: 'contactor', position: 'open' },
      { type: 'cancel-timer', name: 'force-open' },
      { type: 'stop-session', reason: 'UnlockCommand' },
    ],
  },
  {
    name: '…stop committed: unlock, even with UnlockConnectorOnEVSideDisconnect false',
    from: { ...lockedCharging, pilot: 'A', contactor: 'open', output: steady, session: 'stopping', stopReason: 'UnlockCommand', unlockRequested: true, unlockOnEvSideDisconnect: false },
    input: { type: 'session-stopped' },
    to: 'Available',
    actions: [{ type: 'unlock' }, { type: 'status', status: 'Available' }],
    check: (s) => assert.equal(s.lockHold, null),
  },
  {
    name: 'UnlockConnector with no session: an unlock is driven even if the lock reads unlocked (a stuck plug)',
    from: at('Available', {}, lockBase),
    input: { type: 'unlock-request' },
    to: 'Available',
    actions: [{ type: 'unlock' }],
  },
  {
    name: 'an unlock that does not confirm: failed, no automatic retry',
    from: at('Available', { lock: 'unlocking' }, lockBase),
    input: { type: 'lock-result', operation: 'unlock', ok: false },
    to: 'Available',
    actions: [],
    check: (s) => assert.equal(s.lock, 'failed'),
  },
  {
    name: 'fixed cable: UnlockConnector changes nothing (the runner answers NotSupported)',
    from: { ...lockedCharging, lock: 'none' },
    input: { type: 'unlock-request' },
    to: 'Charging',
    actions: [],
    check: (s) => assert.equal(s.stopReason, null),
  },
  {
    name: 'fixed cable: no lock, PWM starts with the committed session',
    from: at('Preparing', { pilot: 'B', session: 'starting', authorization: card }),
    input: { type: 'session-started' },
    to: 'SuspendedEV',
    actions: [
      { type: 'pilot', output: pwm32 },
      { type: 'status', status: 'SuspendedEV' },
    ],
  },
];

describe('charger state machine: station hardware beyond the pilot (transition tables)', () => {
  for (const [title, rows] of [
    ['OCPP ConnectionTimeOut', connectionTimeoutRows],
    ['state D and ventilation', ventilationRows],
    ['cable lock and UnlockConnector', lockRows],
  ] as const) {
    describe(title, () => {
      for (const row of rows) {
        it(row.name, () => {
          const { state, actions } = step(row.from, row.input, row.timing ?? defaultTiming);
          assert.equal(state.status, row.to);
          assert.deepEqual(actions, row.actions);
          row.check?.(state);
        });
      }
    });
  }

  it('initialChargerState: no lock and no ventilation unless told; unlock on EV-side disconnect by default', () => {
    const plain = initialChargerState({ freeVend: false, offeredA: 32 });
    assert.equal(plain.lock, 'none');
    assert.equal(plain.ventilationAvailable, false);
    assert.equal(plain.unlockOnEvSideDisconnect, true);
    assert.equal(initialChargerState({ freeVend: false, offeredA: 32, cableLock: true }).lock, 'unlocked');
  });
});

describe('catalogue and config for the station hardware', () => {
  it('ventilation-unavailable and cable-lock-failed: stop, on-unplug, end the session with Other', () => {
    const vent = faultDefinition('ventilation-unavailable');
    assert.deepEqual([vent.severity, vent.ocppErrorCode, vent.recovery, vent.endsSessionWith], ['stop', 'OtherError', { kind: 'on-unplug' }, 'Other']);
    assert.match(vent.vendorErrorCode, /^E2\d\d$/);
    assert.match(vent.driverMessage, /ventilat/);
    const lock = faultDefinition('cable-lock-failed');
    assert.deepEqual([lock.severity, lock.ocppErrorCode, lock.recovery, lock.endsSessionWith], ['stop', 'ConnectorLockFailure', { kind: 'on-unplug' }, 'Other']);
  });

  it('vendor error codes stay unique', () => {
    const codes = allFaults().map((f) => f.vendorErrorCode);
    assert.equal(new Set(codes).size, codes.length);
  });

  it('control.ventilationAvailable defaults to false and takes only a boolean', () => {
    assert.equal(controlSchema.parse({}).ventilationAvailable, false);
    assert.equal(controlSchema.parse({ ventilationAvailable: true }).ventilationAvailable, true);
    assert.equal(controlSchema.safeParse({ ventilationAvailable: 'yes' }).success, false);
  });
});
