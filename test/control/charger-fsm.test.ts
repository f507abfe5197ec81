import assert from 'node:assert/strict';
import {
  initialChargerState,
  step,
  type ChargePointStatus,
  type ChargerAction,
  type ChargerInput,
  type ChargerState,
} from '../../src/control/charger-fsm.js';

const base = initialChargerState({ freeVend: false, offeredA: 32 });
const pwm32 = { mode: 'pwm', dutyPercent: 53.3 } as const;

/** A state built from the boot state plus the facts a row cares about; the status is given explicitly. */
function at(status: ChargePointStatus, facts: Partial<ChargerState> = {}): ChargerState {
  return { ...base, status, ...facts };
}

const charging = at('Charging', {
  pilot: 'C',
  session: 'active',
  authorization: { idTag: 'CARD' },
  output: pwm32,
  diode: 'ok',
  contactor: 'closed',
});

interface Row {
  readonly name: string;
  readonly from: ChargerState;
  readonly input: ChargerInput;
  readonly to: ChargePointStatus;
  readonly actions: readonly ChargerAction[];
  readonly check?: (s: ChargerState) => void;
}

const rows: Row[] = [
  {
    name: 'EV plugs in without authorization: Preparing, nothing offered',
    from: at('Available'),
    input: { type: 'pilot', state: 'B' },
    to: 'Preparing',
    actions: [{ type: 'status', status: 'Preparing' }],
  },
  {
    name: 'a card is tapped while the EV waits: the session start is journaled first',
    from: at('Preparing', { pilot: 'B' }),
    input: { type: 'authorize', idTag: 'CARD' },
    to: 'Preparing',
    actions: [{ type: 'start-session', idTag: 'CARD' }],
  },
  {
    name: 'free vend: plugging in starts a session without a card',
    from: { ...at('Available'), freeVend: true },
    input: { type: 'pilot', state: 'B' },
    to: 'Preparing',
    actions: [
      { type: 'start-session', idTag: null },
      { type: 'status', status: 'Preparing' },
    ],
  },
  {
    name: 'start committed: PWM offers the limit, EV not yet asking: SuspendedEV',
    from: at('Preparing', { pilot: 'B', session: 'starting', authorization: { idTag: 'CARD' } }),
    input: { type: 'session-started' },
    to: 'SuspendedEV',
    actions: [
      { type: 'pilot', output: pwm32 },
      { type: 'status', status: 'SuspendedEV' },
    ],
  },
  {
    name: 'B→C with PWM on: the contactor closes at once',
    from: at('SuspendedEV', { pilot: 'B', session: 'active', authorization: { idTag: 'CARD' }, output: pwm32, diode: 'ok' }),
    input: { type: 'pilot', state: 'C' },
    to: 'Charging',
    actions: [
      { type: 'contactor', position: 'closed' },
      { type: 'status', status: 'Charging' },
    ],
  },
  {
    name: 'state D with ventilation: the ventilation goes on before the contactor closes, then it charges like C',
    from: at('SuspendedEV', { pilot: 'B', session: 'active', authorization: { idTag: 'CARD' }, output: pwm32, diode: 'ok', ventilationAvailable: true }),
    input: { type: 'pilot', state: 'D' },
    to: 'Charging',
    actions: [
      { type: 'ventilation', on: true },
      { type: 'contactor', position: 'closed' },
      { type: 'status', status: 'Charging' },
    ],
  },
  {
    name: 'state D without ventilation: refused, the contactor stays open (the runner raises ventilation-unavailable)',
    from: at('SuspendedEV', { pilot: 'B', session: 'active', authorization: { idTag: 'CARD' }, output: pwm32, diode: 'ok' }),
    input: { type: 'pilot', state: 'D' },
    to: 'SuspendedEVSE',
    actions: [{ type: 'status', status: 'SuspendedEVSE' }],
    check: (s) => assert.equal(s.contactor, 'open'),
  },
  {
    name: 'C→B: the contactor opens first, the session stays (SuspendedEV)',
    from: charging,
    input: { type: 'pilot', state: 'B' },
    to: 'SuspendedEV',
    actions: [
      { type: 'contactor', position: 'open' },
      { type: 'status', status: 'SuspendedEV' },
    ],
  },
  {
    name: 'unplug while charging: open at once, stop with EVDisconnected, status held until the stop is committed',
    from: charging,
    input: { type: 'pilot', state: 'A' },
    to: 'Charging',
    actions: [
      { type: 'contactor', position: 'open' },
      { type: 'pilot', output: { mode: 'steady' } },
      { type: 'stop-session', reason: 'EVDisconnected' },
    ],
  },
  {
    name: 'state E while charging: the interlock opens the contactor',
    from: charging,
    input: { type: 'pilot', state: 'E' },
    to: 'SuspendedEVSE',
    actions: [
      { type: 'contactor', position: 'open' },
      { type: 'pilot', output: { mode: 'steady' } },
      { type: 'status', status: 'SuspendedEVSE' },
    ],
  },
  {
    name: 'a stop fault that suspends: open, state F held, Faulted; the session stays',
    from: charging,
    input: { type: 'faults', stop: true, endsSession: null },
    to: 'Faulted',
    actions: [
      { type: 'contactor', position: 'open' },
      { type: 'pilot', output: { mode: 'stateF' } },
      { type: 'start-timer', name: 'f-hold', ms: 300 },
      { type: 'status', status: 'Faulted' },
    ],
    check: (s) => assert.equal(s.session, 'active'),
  },
  {
    name: 'a stop fault that ends sessions (RCD): open, F, stop with EmergencyStop',
    from: charging,
    input: { type: 'faults', stop: true, endsSession: 'EmergencyStop' },
    to: 'Faulted',
    actions: [
      { type: 'contactor', position: 'open' },
      { type: 'pilot', output: { mode: 'stateF' } },
      { type: 'start-timer', name: 'f-hold', ms: 300 },
      { type: 'stop-session', reason: 'EmergencyStop' },
      { type: 'status', status: 'Faulted' },
    ],
  },
  {
    name: 'after holding F, the generator returns to steady +12 V so an unplug can be seen',
    from: { ...charging, status: 'Faulted', contactor: 'open', stopFault: true, output: { mode: 'stateF' }, fHoldDone: false },
    input: { type: 'timer', name: 'f-hold' },
    to: 'Faulted',
    actions: [{ type: 'pilot', output: { mode: 'steady' } }],
  },
  {
    name: 'fault cleared while the EV still asks: PWM back on, but no closing before the new run passed its diode check',
    from: { ...charging, status: 'Faulted', contactor: 'open', stopFault: true, output: { mode: 'steady' }, diode: 'unchecked' },
    input: { type: 'faults', stop: false, endsSession: null },
    to: 'SuspendedEVSE',
    actions: [
      { type: 'pilot', output: pwm32 },
      { type: 'status', status: 'SuspendedEVSE' },
    ],
    check: (s) => assert.equal(s.diode, 'unchecked'),
  },
  {
    name: 'the settled detector confirms the diode: the contactor closes',
    from: { ...charging, status: 'SuspendedEVSE', contactor: 'open', diode: 'unchecked' },
    input: { type: 'diode-ok' },
    to: 'Charging',
    actions: [
      { type: 'contactor', position: 'closed' },
      { type: 'status', status: 'Charging' },
    ],
  },
  {
    name: 'a diode confirmation that arrives after the PWM stopped is stale: ignored',
    from: at('Preparing', { pilot: 'C', session: 'active', authorization: { idTag: 'CARD' }, stopReason: 'Local', output: { mode: 'steady' } }),
    input: { type: 'diode-ok' },
    to: 'Preparing',
    actions: [{ type: 'stop-session', reason: 'Local' }],
    check: (s) => assert.equal(s.diode, 'unchecked'),
  },
  {
    name: 'PWM removed while charging: the grace keeps the contactor closed though the new diode check is pending',
    from: charging,
    input: { type: 'stop', reason: 'Local' },
    to: 'Charging',
    actions: [
      { type: 'pilot', output: { mode: 'steady' } },
      { type: 'start-timer', name: 'force-open', ms: 3000 },
    ],
    check: (s) => {
      assert.equal(s.contactor, 'closed');
      assert.equal(s.diode, 'unchecked');
    },
  },
  {
    name: 'limit below 6 A: no valid duty, so PWM off and the EV gets the stop grace; not opened under load at once',
    from: charging,
    input: { type: 'offer', amps: 4 },
    to: 'SuspendedEVSE',
    actions: [
      { type: 'pilot', output: { mode: 'steady' } },
      { type: 'start-timer', name: 'force-open', ms: 3000 },
      { type: 'status', status: 'SuspendedEVSE' },
    ],
    check: (s) => assert.equal(s.contactor, 'closed'),
  },
  {
    name: 'after a limit below 6 A the EV stops asking (C → B): open',
    from: { ...charging, status: 'SuspendedEVSE', offeredA: 4, output: { mode: 'steady' }, diode: 'unchecked', forceOpenArmed: true },
    input: { type: 'pilot', state: 'B' },
    to: 'SuspendedEVSE',
    actions: [
      { type: 'contactor', position: 'open' },
      { type: 'cancel-timer', name: 'force-open' },
    ],
  },
  {
    name: 'after a limit below 6 A the EV keeps drawing: open when the grace runs out',
    from: { ...charging, status: 'SuspendedEVSE', offeredA: 4, output: { mode: 'steady' }, diode: 'unchecked', forceOpenArmed: true },
    input: { type: 'timer', name: 'force-open' },
    to: 'SuspendedEVSE',
    actions: [{ type: 'contactor', position: 'open' }],
  },
  {
    name: 'the EV keeps drawing after a stop removed PWM: force open when the timer fires',
    from: { ...charging, stopReason: 'Local', output: { mode: 'steady' }, forceOpenArmed: true },
    input: { type: 'timer', name: 'force-open' },
    to: 'Charging',
    actions: [
      { type: 'contactor', position: 'open' },
      { type: 'stop-session', reason: 'Local' },
    ],
  },
  {
    name: 'the EV follows the removed PWM (C→B) before the timer: open, cancel the timer, commit the stop',
    from: { ...charging, stopReason: 'Local', output: { mode: 'steady' }, forceOpenArmed: true },
    input: { type: 'pilot', state: 'B' },
    to: 'Charging',
    actions: [
      { type: 'contactor', position: 'open' },
      { type: 'cancel-timer', name: 'force-open' },
      { type: 'stop-session', reason: 'Local' },
    ],
  },
  {
    name: 'a reduced but valid limit changes the duty and keeps charging',
    from: charging,
    input: { type: 'offer', amps: 16 },
    to: 'Charging',
    actions: [{ type: 'pilot', output: { mode: 'pwm', dutyPercent: 26.6 } }],
  },
  {
    name: 'a local stop removes PWM first and waits for the EV',
    from: charging,
    input: { type: 'stop', reason: 'Local' },
    to: 'Charging',
    actions: [
      { type: 'pilot', output: { mode: 'steady' } },
      { type: 'start-timer', name: 'force-open', ms: 3000 },
    ],
  },
  {
    name: 'an immediate stop (shutdown) opens under load and commits the stop',
    from: charging,
    input: { type: 'stop', reason: 'SoftReset', immediate: true },
    to: 'Charging',
    actions: [
      { type: 'contactor', position: 'open' },
      { type: 'pilot', output: { mode: 'steady' } },
      { type: 'stop-session', reason: 'SoftReset' },
    ],
  },
  {
    name: 'stop committed with the EV still plugged: Finishing',
    from: { ...charging, status: 'Charging', pilot: 'B', contactor: 'open', session: 'stopping', output: { mode: 'steady' }, stopReason: 'Local' },
    input: { type: 'session-stopped' },
    to: 'Finishing',
    actions: [{ type: 'status', status: 'Finishing' }],
    check: (s) => assert.equal(s.authorization, null),
  },
  {
    name: 'Finishing: a new tap does not start a second session on the same plug-in',
    from: at('Finishing', { pilot: 'B', finished: true }),
    input: { type: 'authorize', idTag: 'CARD' },
    to: 'Finishing',
    actions: [],
  },
  {
    name: 'unplug after Finishing: Available',
    from: at('Finishing', { pilot: 'B', finished: true }),
    input: { type: 'pilot', state: 'A' },
    to: 'Available',
    actions: [{ type: 'status', status: 'Available' }],
  },
  {
    name: 'diode check failed: open at once',
    from: charging,
    input: { type: 'diode-failed' },
    to: 'SuspendedEVSE',
    actions: [
      { type: 'contactor', position: 'open' },
      { type: 'pilot', output: { mode: 'steady' } },
      { type: 'status', status: 'SuspendedEVSE' },
    ],
  },
  {
    name: 'ChangeAvailability(Inoperative) during a session is scheduled',
    from: charging,
    input: { type: 'availability', operative: false },
    to: 'Charging',
    actions: [],
    check: (s) => assert.equal(s.inoperativeScheduled, true),
  },
  {
    name: 'the scheduled Inoperative applies when the session ends',
    from: { ...charging, pilot: 'A', contactor: 'open', session: 'stopping', output: { mode: 'steady' }, inoperativeScheduled: true, stopReason: 'EVDisconnected' },
    input: { type: 'session-stopped' },
    to: 'Unavailable',
    actions: [{ type: 'status', status: 'Unavailable' }],
  },
  {
    name: 'Unavailable: an EV and a card start nothing',
    from: at('Unavailable', { operative: false }),
    input: { type: 'authorize', idTag: 'CARD' },
    to: 'Unavailable',
    actions: [],
  },
  {
    name: 'a reservation shows Reserved while no EV is present',
    from: at('Available'),
    input: { type: 'reservation', active: true },
    to: 'Reserved',
    actions: [{ type: 'status', status: 'Reserved' }],
  },
  {
    name: 'unplug before the start was committed: the stop follows the commit',
    from: at('Preparing', { pilot: 'B', session: 'starting', authorization: { idTag: 'CARD' } }),
    input: { type: 'pilot', state: 'A' },
    to: 'Preparing',
    actions: [],
    check: (s) => assert.equal(s.stopReason, 'EVDisconnected'),
  },
  {
    name: '…and once committed it is stopped without ever offering PWM',
    from: at('Preparing', { pilot: 'A', session: 'starting', authorization: { idTag: 'CARD' }, stopReason: 'EVDisconnected' }),
    input: { type: 'session-started' },
    to: 'Preparing',
    actions: [{ type: 'stop-session', reason: 'EVDisconnected' }],
  },
  {
    name: 'a journal failure at start drops the authorization',
    from: at('Preparing', { pilot: 'B', session: 'starting', authorization: { idTag: 'CARD' } }),
    input: { type: 'session-start-failed' },
    to: 'Preparing',
    actions: [],
    check: (s) => {
      assert.equal(s.session, 'none');
      assert.equal(s.authorization, null);
    },
  },
];

describe('charger state machine (transition table)', () => {
  for (const row of rows) {
    it(row.name, () => {
      const { state, actions } = step(row.from, row.input);
      assert.equal(state.status, row.to);
      assert.deepEqual(actions, row.actions);
      row.check?.(state);
    });
  }

  it('is pure: the same input on the same state gives the same result and leaves the state untouched', () => {
    const frozen = structuredClone(charging);
    const a = step(charging, { type: 'pilot', state: 'B' });
    const b = step(charging, { type: 'pilot', state: 'B' });
    assert.deepEqual(a, b);
    assert.deepEqual(charging, frozen);
  });
});
