import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  initialChargerState,
  evSideSuspended,
  interlockHolds,
  step,
  type ChargerInput,
  type ChargerState,
  type ChargerTiming,
} from '../../src/control/charger-fsm.js';

/**
 * Properties of the pure transition function over random input sequences (any order, including results nobody asked
 * for and timers that fire late): the lock, ventilation and contactor rules hold whatever arrives.
 */

const inputArb: fc.Arbitrary<ChargerInput> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant('pilot' as const), state: fc.constantFrom('A', 'B', 'C', 'D', 'E', 'F' as const) }) },
  { weight: 2, arbitrary: fc.constantFrom<ChargerInput>({ type: 'diode-ok' }, { type: 'diode-failed' }, { type: 'recheck' }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('authorize' as const), idTag: fc.constantFrom('CARD', 'OTHER', null) }) },
  { weight: 1, arbitrary: fc.constant<ChargerInput>({ type: 'deauthorize' }) },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant('stop' as const), reason: fc.constantFrom('Local' as const, 'Remote' as const), immediate: fc.boolean() }),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom<ChargerInput>({ type: 'session-started' }, { type: 'session-stopped' }, { type: 'session-start-failed' }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('faults' as const),
      stop: fc.boolean(),
      endsSession: fc.constantFrom(null, 'Other' as const, 'EmergencyStop' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('offer' as const), amps: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('availability' as const), operative: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('reservation' as const), active: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({ type: fc.constant('timer' as const), name: fc.constantFrom('force-open' as const, 'f-hold' as const, 'connection-timeout' as const) }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ type: fc.constant('lock-result' as const), operation: fc.constantFrom('lock' as const, 'unlock' as const), ok: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.constant<ChargerInput>({ type: 'unlock-request' }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('unlock-on-ev-side-disconnect' as const), value: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('stop-on-ev-side-disconnect' as const), value: fc.boolean() }) },
);

const timing: ChargerTiming = { forceOpenMs: 3000, fHoldMs: 300, connectionTimeoutMs: 60_000 };

const stationArb = fc.record({
  cableLock: fc.boolean(),
  ventilationAvailable: fc.boolean(),
  freeVend: fc.boolean(),
  unlockOnEvSideDisconnect: fc.boolean(),
  stopOnEvSideDisconnect: fc.boolean(),
});

describe('charger state machine (properties over random input sequences)', () => {
  it('contactor, cable lock and ventilation rules hold after every step', () => {
    fc.assert(
      fc.property(stationArb, fc.array(inputArb, { minLength: 1, maxLength: 80 }), (station, inputs) => {
        let s: ChargerState = initialChargerState({ ...station, offeredA: 32 });
        for (const input of inputs) {
          const before = s;
          const { state, actions } = step(s, input, timing);
          s = state;
          const at = `after ${JSON.stringify(input)} from ${JSON.stringify(before)}`;

          // The state's contactor, ventilation and lock follow the actions emitted.
          let contactor = before.contactor;
          let ventilation = before.ventilation;
          for (const [i, a] of actions.entries()) {
            if (a.type === 'contactor') {
              contactor = a.position;
              if (a.position === 'closed') {
                assert.ok(state.lock === 'none' || state.lock === 'locked', `closed without a confirmed lock ${at}`);
                assert.ok(interlockHolds(state), `closed without the interlock ${at}`);
                if (state.pilot === 'D') assert.ok(ventilation, `closed in D before the ventilation ran ${at}`);
                assert.ok(actions.slice(0, i).every((b) => b.type !== 'unlock'), at);
              }
            }
            if (a.type === 'ventilation') ventilation = a.on;
            if (a.type === 'unlock') {
              assert.equal(contactor, 'open', `unlock with the contactor closed ${at}`);
              assert.equal(state.session, 'none', `unlock during a session ${at}`);
            }
            if (a.type === 'lock' || a.type === 'unlock') assert.ok(station.cableLock, `lock action without a lock ${at}`);
            if (a.type === 'ventilation' && a.on) assert.ok(station.ventilationAvailable, `ventilation without an output ${at}`);
            // Free vend never waits for an authorization; only a session kept without its EV (E10) times out.
            if (a.type === 'start-timer' && a.name === 'connection-timeout') assert.ok(!station.freeVend || evSideSuspended(state), `free vend timed out ${at}`);
          }
          assert.equal(state.contactor, contactor, at);
          assert.equal(state.ventilation, ventilation, at);

          // Standing invariants of the resulting state.
          if (state.contactor === 'closed') {
            assert.ok(state.pilot !== 'A', `closed in state A ${at}`);
            assert.ok(state.lock === 'none' || state.lock === 'locked', `closed while the lock is ${state.lock} ${at}`);
            assert.ok(state.pilot !== 'D' || (state.ventilationAvailable && state.ventilation), `closed in D without ventilation ${at}`);
          }
          if (state.output.mode === 'pwm') assert.ok(state.lock === 'none' || state.lock === 'locked', `PWM offered while the lock is ${state.lock} ${at}`);
          if (!station.cableLock) assert.equal(state.lock, 'none', at);
          if (state.ventilation) assert.ok(state.ventilationAvailable && state.pilot === 'D', `ventilation left on ${at}`);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('with a runner that confirms what it is asked, every session ends exactly once, whatever the EV-side setting', () => {
    // Environment inputs only: the runner's confirmations follow the actions (session-started after start-session,
    // session-stopped after stop-session, lock results as asked), so "ends exactly once" is a property of the machine.
    const envArb: fc.Arbitrary<ChargerInput> = fc.oneof(
      { weight: 8, arbitrary: fc.record({ type: fc.constant('pilot' as const), state: fc.constantFrom('A', 'B', 'C' as const) }) },
      { weight: 2, arbitrary: fc.constant<ChargerInput>({ type: 'diode-ok' }) },
      { weight: 3, arbitrary: fc.record({ type: fc.constant('authorize' as const), idTag: fc.constantFrom('CARD', 'OTHER') }) },
      { weight: 1, arbitrary: fc.record({ type: fc.constant('stop' as const), reason: fc.constantFrom('Local' as const, 'Remote' as const), immediate: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ type: fc.constant('faults' as const), stop: fc.boolean(), endsSession: fc.constantFrom(null, 'Other' as const) }) },
      { weight: 2, arbitrary: fc.record({ type: fc.constant('timer' as const), name: fc.constantFrom('force-open' as const, 'connection-timeout' as const) }) },
      { weight: 2, arbitrary: fc.record({ type: fc.constant('stop-on-ev-side-disconnect' as const), value: fc.boolean() }) },
    );
    fc.assert(
      fc.property(stationArb, fc.array(envArb, { minLength: 1, maxLength: 80 }), (station, inputs) => {
        let s: ChargerState = initialChargerState({ ...station, offeredA: 32 });
        let started = 0;
        let stopped = 0;
        const queue: ChargerInput[] = [];
        const run = (input: ChargerInput): void => {
          queue.push(input);
          while (queue.length > 0) {
            const next = queue.shift() as ChargerInput;
            const before = s;
            const { state, actions } = step(s, next, timing);
            s = state;
            const at = `after ${JSON.stringify(next)} from ${JSON.stringify(before)}`;
            for (const a of actions) {
              if (a.type === 'start-session') {
                started += 1;
                queue.push({ type: 'session-started' });
              }
              if (a.type === 'stop-session') {
                stopped += 1;
                assert.equal(stopped, started, `a session stopped twice or before it started ${at}`);
                queue.push({ type: 'session-stopped' });
              }
              if (a.type === 'lock') queue.push({ type: 'lock-result', operation: 'lock', ok: true });
              if (a.type === 'unlock') queue.push({ type: 'lock-result', operation: 'unlock', ok: true });
            }
            assert.ok(!(s.contactor === 'closed' && s.pilot === 'A'), `contactor closed in state A ${at}`);
            // The setting true: state A never leaves an active session without a stop pending.
            if (s.stopOnEvSideDisconnect) assert.ok(!evSideSuspended(s), `kept without the EV though the setting is true ${at}`);
          }
        };
        for (const input of inputs) run(input);
        // Whatever happened, a stop (card, CSMS) ends a running session, kept or not; exactly once.
        run({ type: 'stop', reason: 'Local', immediate: true });
        run({ type: 'pilot', state: 'A' });
        assert.equal(s.session, 'none');
        assert.equal(stopped, started);
      }),
      { numRuns: 500 },
    );
  });

  it('a lock-fitted station that is plugged, authorized and confirmed charges, and releases after the stop', () => {
    // A sanity run so the property above cannot pass by never closing at all.
    let s = initialChargerState({ freeVend: false, offeredA: 32, cableLock: true });
    const seen: string[] = [];
    const feed = (input: ChargerInput): void => {
      const r = step(s, input, timing);
      s = r.state;
      for (const a of r.actions) seen.push(a.type === 'contactor' ? `contactor-${a.position}` : a.type);
    };
    for (const input of [
      { type: 'pilot', state: 'B' },
      { type: 'authorize', idTag: 'CARD' },
      { type: 'session-started' },
      { type: 'lock-result', operation: 'lock', ok: true },
      { type: 'diode-ok' },
      { type: 'pilot', state: 'C' },
      { type: 'stop', reason: 'Local' },
      { type: 'pilot', state: 'B' },
      { type: 'session-stopped' },
      { type: 'lock-result', operation: 'unlock', ok: true },
    ] as const satisfies readonly ChargerInput[]) {
      feed(input);
    }
    const order = seen.filter((t) => ['lock', 'pilot', 'contactor-closed', 'contactor-open', 'stop-session', 'unlock'].includes(t));
    assert.deepEqual(order, ['lock', 'pilot', 'contactor-closed', 'pilot', 'contactor-open', 'stop-session', 'unlock']);
    assert.equal(s.lock, 'unlocked');
    assert.equal(s.status, 'Finishing');
  });
});
