import assert from 'node:assert/strict';
import sinon from 'sinon';
import { systemClock } from '../../src/clock.js';
import { eventsFor, PilotLayer, type PilotEvent } from '../../src/control/pilot-layer.js';

describe('pilot layer', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  function layer(debounceMs = 20): { l: PilotLayer; events: PilotEvent[] } {
    const events: PilotEvent[] = [];
    const l = new PilotLayer({ state: 'A', negativeLevel: 'unknown' }, debounceMs, systemClock, (e) => events.push(e));
    return { l, events };
  }

  it('takes power-adding changes only once stable for the debounce time (≤ 50 ms)', () => {
    const { l, events } = layer(20);
    l.feed({ state: 'B', negativeLevel: 'unknown' });
    clock.tick(19);
    assert.equal(l.current(), 'A');
    clock.tick(1);
    assert.equal(l.current(), 'B');
    assert.deepEqual(events.map((e) => e.name), ['EvConnected']);
  });

  it('ignores a glitch shorter than the debounce time', () => {
    const { l, events } = layer(20);
    l.feed({ state: 'B', negativeLevel: 'unknown' });
    clock.tick(5);
    l.feed({ state: 'A', negativeLevel: 'unknown' });
    clock.tick(100);
    assert.equal(l.current(), 'A');
    assert.deepEqual(events, []);
  });

  it('takes power-reducing changes at once (C→B, unplug, E, F)', () => {
    const { l, events } = layer(20);
    l.feed({ state: 'C', negativeLevel: 'unknown' });
    clock.tick(20);
    l.feed({ state: 'B', negativeLevel: 'unknown' });
    assert.equal(l.current(), 'B');
    l.feed({ state: 'E', negativeLevel: 'absent' });
    assert.equal(l.current(), 'E');
    assert.deepEqual(events.map((e) => e.name), ['EvConnected', 'EvRequestsPower', 'EvStoppedRequest', 'PilotFault']);
  });

  it('does not report our own state F as a pilot fault', () => {
    const { l, events } = layer(20);
    l.setGenerator({ mode: 'stateF' });
    l.feed({ state: 'F', negativeLevel: 'unknown' });
    assert.deepEqual(events, []);
  });

  it('reports a missing diode once while PWM runs with an EV present', () => {
    const { l, events } = layer(0);
    l.setGenerator({ mode: 'pwm', dutyPercent: 26.6 });
    l.feed({ state: 'B', negativeLevel: 'absent' });
    l.feed({ state: 'C', negativeLevel: 'absent' });
    assert.equal(events.filter((e) => e.name === 'DiodeFault').length, 1);
  });

  it('never takes a reading from before the detector settled for a verdict (the stale-diode defect)', () => {
    const { l, events } = layer(0);
    l.feed({ state: 'B', negativeLevel: 'unknown' });
    l.setGenerator({ mode: 'pwm', dutyPercent: 26.6 });
    // What a real board reports right after the PWM starts: the peak-hold has not charged yet.
    l.feed({ state: 'B', negativeLevel: 'unknown' });
    l.feed({ state: 'C', negativeLevel: 'unknown' });
    assert.deepEqual(events.filter((e) => e.name.startsWith('Diode')), []);
    l.feed({ state: 'C', negativeLevel: 'present' });
    assert.deepEqual(events.filter((e) => e.name.startsWith('Diode')).map((e) => e.name), ['DiodeOk']);
  });

  it('confirms the diode once per PWM run, and asks again after the PWM stopped and restarted', () => {
    const { l, events } = layer(0);
    l.feed({ state: 'B', negativeLevel: 'unknown' });
    l.setGenerator({ mode: 'pwm', dutyPercent: 26.6 });
    l.feed({ state: 'B', negativeLevel: 'present' });
    l.setGenerator({ mode: 'pwm', dutyPercent: 40 });
    l.feed({ state: 'C', negativeLevel: 'present' });
    l.setGenerator({ mode: 'steady' });
    l.feed({ state: 'B', negativeLevel: 'present' });
    l.setGenerator({ mode: 'pwm', dutyPercent: 26.6 });
    l.feed({ state: 'C', negativeLevel: 'present' });
    assert.equal(events.filter((e) => e.name === 'DiodeOk').length, 2);
  });

  it('gives no diode verdict without PWM or without an EV', () => {
    const { l, events } = layer(0);
    l.feed({ state: 'B', negativeLevel: 'absent' });
    l.setGenerator({ mode: 'pwm', dutyPercent: 26.6 });
    l.feed({ state: 'A', negativeLevel: 'absent' });
    assert.deepEqual(events.filter((e) => e.name.startsWith('Diode')), []);
  });

  it('maps transitions to events', () => {
    assert.deepEqual(eventsFor('A', 'C'), ['EvConnected', 'EvRequestsPower']);
    assert.deepEqual(eventsFor('C', 'A'), ['EvDisconnected']);
    assert.deepEqual(eventsFor('E', 'B'), ['PilotRecovered', 'EvConnected']);
    assert.deepEqual(eventsFor('B', 'invalid'), ['PilotFault']);
  });
});
