import assert from 'node:assert/strict';
import sinon from 'sinon';
import { systemClock } from '../../src/clock.js';
import { FaultRegistry } from '../../src/control/fault-registry.js';
import { allFaults } from '../../src/control/faults.js';

describe('fault catalogue and registry', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('every fault has an OCPP code, both messages and a recovery rule', () => {
    const required = [
      'rcd-trip', 'pilot-fault', 'diode-fault', 'contactor-welded', 'contactor-close-failed', 'soft-overcurrent',
      'hard-overcurrent', 'meter-lost', 'high-temperature', 'over-temperature', 'over-voltage', 'under-voltage',
    ];
    for (const name of required) assert.ok(allFaults().some((f) => f.name === name), name);
    for (const f of allFaults()) {
      assert.ok(f.driverMessage.length > 10 && f.operatorMessage.length > 10, f.name);
      assert.notEqual(f.ocppErrorCode, 'NoError');
    }
  });

  it('auto recovery: clears after the delay once the condition is gone, up to maxRetries', () => {
    const r = new FaultRegistry(systemClock);
    for (let i = 0; i < 3; i++) {
      r.raise('soft-overcurrent');
      r.conditionGone('soft-overcurrent');
      clock.tick(29_999);
      assert.ok(r.isActive('soft-overcurrent'));
      clock.tick(1);
      assert.ok(!r.isActive('soft-overcurrent'), `retry ${i + 1}`);
    }
    r.raise('soft-overcurrent');
    r.conditionGone('soft-overcurrent');
    clock.tick(120_000);
    assert.ok(r.isActive('soft-overcurrent'), 'fourth time stays latched');
    r.unplugged();
    assert.ok(r.isActive('soft-overcurrent'), 'unplug does not clear an auto fault past its retries');
    assert.deepEqual(r.reset(), ['soft-overcurrent']);
  });

  it('a raise while the clear is pending cancels the clear', () => {
    const r = new FaultRegistry(systemClock);
    r.raise('over-voltage');
    r.conditionGone('over-voltage');
    clock.tick(5000);
    r.raise('over-voltage');
    clock.tick(60_000);
    assert.ok(r.isActive('over-voltage'));
  });

  it('manual faults stay until reset, and reset keeps those whose condition is present', () => {
    const r = new FaultRegistry(systemClock);
    r.raise('rcd-trip');
    r.raise('contactor-welded');
    r.conditionGone('rcd-trip');
    clock.tick(3_600_000);
    assert.deepEqual(r.reset(), ['rcd-trip']);
    assert.ok(r.isActive('contactor-welded'));
  });

  it('on-unplug faults clear at unplug once the condition is gone', () => {
    const r = new FaultRegistry(systemClock);
    r.raise('diode-fault');
    r.unplugged();
    assert.ok(r.isActive('diode-fault'));
    r.conditionGone('diode-fault');
    r.unplugged();
    assert.ok(!r.isActive('diode-fault'));
  });

  it('summarises severity and what ends the session', () => {
    const r = new FaultRegistry(systemClock);
    r.raise('high-temperature');
    assert.deepEqual([r.summary().stopLatched, r.summary().derating], [false, true]);
    r.raise('rcd-trip');
    const s = r.summary();
    assert.equal(s.stopLatched, true);
    assert.equal(s.endSessionWith, 'EmergencyStop');
    assert.equal(s.reported?.definition.ocppErrorCode, 'GroundFailure');
  });
});
