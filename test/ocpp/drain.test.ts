import assert from 'node:assert/strict';
import { systemClock } from '../../src/clock.js';
import { describeDrain, waitForOutboxDrain } from '../../src/ocpp/drain.js';
import { Rig } from './support/harness.js';

describe('draining the outbox at the end of a run', function () {
  this.timeout(10_000);
  let rig: Rig;
  afterEach(async () => {
    await rig.close();
  });

  it('resolves drained once everything was delivered', async () => {
    rig = await Rig.create();
    await rig.waitRegistered();
    rig.station.startSession('TAG');
    rig.station.stopSession('Local');
    const result = await waitForOutboxDrain(rig.client, rig.outbox, 5000, systemClock, 10);
    assert.equal(result.drained, true);
    assert.equal(describeDrain(result), 'outbox drained');
  });

  it('says what is still undelivered after the timeout', async () => {
    rig = await Rig.create();
    await rig.waitRegistered();
    await rig.csms.controls.goDown();
    rig.station.startSession('TAG');
    const result = await waitForOutboxDrain(rig.client, rig.outbox, 200, systemClock, 10);
    assert.equal(result.drained, false);
    assert.match(describeDrain(result), /^\d+ message\(s\) undelivered \(oldest: #\d+ \w+.*\); not connected to the CSMS$/);
    assert.ok(result.undelivered >= 2);
  });
});
