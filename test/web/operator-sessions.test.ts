import assert from 'node:assert/strict';
import { LoginThrottle } from '../../src/web/operator/login-throttle.js';
import { cookieValue, csrfMatches, OperatorSessions } from '../../src/web/operator/sessions.js';

describe('web: operator sessions and the login throttle (bounded, expiring)', () => {
  it('sessions: bounded (the oldest goes first), expire on the server, ids and tokens random', () => {
    let now = 0;
    const sessions = new OperatorSessions(() => now, 1000, 3);
    const made = [0, 1, 2, 3].map(() => sessions.create('10.0.0.1'));
    assert.equal(sessions.size, 3);
    assert.equal(sessions.find(made[0]?.id ?? null), null, 'the oldest was pushed out');
    assert.ok(sessions.find(made[3]?.id ?? null));
    assert.equal(new Set(made.map((s) => s.id)).size, 4);
    assert.notEqual(made[1]?.id, made[1]?.csrfToken);
    now = 1000;
    assert.equal(sessions.find(made[3]?.id ?? null), null, 'expired');
    assert.equal(sessions.find(null), null);
  });

  it('csrf: only the exact token matches; cookies are read by name', () => {
    const session = new OperatorSessions(() => 0, 1000, 2).create('a');
    assert.equal(csrfMatches(session, session.csrfToken), true);
    assert.equal(csrfMatches(session, undefined), false);
    assert.equal(csrfMatches(session, session.csrfToken.slice(0, -1)), false);
    assert.equal(csrfMatches(session, `${session.csrfToken}x`), false);
    assert.equal(cookieValue('a=1; evse_operator=xyz; b=2', 'evse_operator'), 'xyz');
    assert.equal(cookieValue('evse_operator_x=1', 'evse_operator'), null);
    assert.equal(cookieValue(undefined, 'evse_operator'), null);
  });

  it('throttle: 5 failures a minute per address, Retry-After until the oldest leaves the window; bounded in addresses', () => {
    let now = 0;
    const throttle = new LoginThrottle(() => now, 5, 60_000, 2);
    for (let i = 0; i < 5; i++) {
      assert.equal(throttle.retryAfterS('x'), 0);
      throttle.fail('x');
      now += 1000;
    }
    assert.equal(throttle.retryAfterS('x'), 55, 'the first failure at 0 s leaves at 60 s');
    now = 60_001;
    assert.equal(throttle.retryAfterS('x'), 0);
    // Bounded: with room for 2 addresses, a throttled one is forgotten once 2 others failed since.
    for (let i = 0; i < 5; i++) throttle.fail('a');
    assert.ok(throttle.retryAfterS('a') > 0);
    throttle.fail('b');
    assert.ok(throttle.retryAfterS('a') > 0, 'still within the bound');
    throttle.fail('c');
    assert.equal(throttle.retryAfterS('a'), 0, 'pushed out by newer addresses');
    throttle.succeed('c');
    assert.equal(throttle.retryAfterS('c'), 0);
  });
});
