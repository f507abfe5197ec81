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
    const l = new PilotLayer({ state: 'A', negativeLevelOk: true }, debounceMs, systemClock, (e) => events.push(e));
    return { l, events };
  }

  it('takes power-adding changes only once stable for the debounce time (≤ 50 ms)', () => {
    const { l, events } = layer(20);
    l.feed({ state: 'B', negativeLevelOk: true });
    clock.tick(19);
    assert.equal(l.current(), 'A');
    clock.tick(1);
    assert.equal(l.current(), 'B');
    assert.deepEqual(events.map((e) => e.name), ['EvConnected']);
  });

  it('ignores a glitch shorter than the debounce time', () => {
    const { l, events } = layer(20);
    l.feed({ state: 'B', negativeLevelOk: true });
    clock.tick(5);
    l.feed({ state: 'A', negativeLevelOk: true });
    clock.tick(100);
    assert.equal(l.current(), 'A');
    assert.deepEqual(events, []);
  });

  it('takes power-reducing changes at once (C→B, unplug, E, F)', () => {
    const { l, events } = layer(20);
    l.feed({ state: 'C', negativeLevelOk: true });
    clock.tick(20);
    l.feed({ state: 'B', negativeLevelOk: true });
    assert.equal(l.current(), 'B');
    l.feed({ state: 'E', negativeLevelOk: false });
    assert.equal(l.current(), 'E');
    assert.deepEqual(events.map((e) => e.name), ['EvConnected', 'EvRequestsPower', 'EvStoppedRequest', 'PilotFault']);
  });

  it('does not report our own state F as a pilot fault', () => {
    const { l, events } = layer(20);
    l.setGenerator({ mode: 'stateF' });
    l.feed({ state: 'F', negativeLevelOk: true });
    assert.deepEqual(events, []);
  });

  it('reports a missing diode once while PWM runs with an EV present', () => {
    const { l, events } = layer(0);
    l.setGenerator({ mode: 'pwm', dutyPercent: 26.6 });
    l.feed({ state: 'B', negativeLevelOk: false });
    l.feed({ state: 'C', negativeLevelOk: false });
    assert.equal(events.filter((e) => e.name === 'DiodeFault').length, 1);
  });

  it('maps transitions to events', () => {
    assert.deepEqual(eventsFor('A', 'C'), ['EvConnected', 'EvRequestsPower']);
    assert.deepEqual(eventsFor('C', 'A'), ['EvDisconnected']);
    assert.deepEqual(eventsFor('E', 'B'), ['PilotRecovered', 'EvConnected']);
    assert.deepEqual(eventsFor('B', 'invalid'), ['PilotFault']);
  });
});
