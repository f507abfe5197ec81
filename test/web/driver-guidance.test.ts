import assert from 'node:assert/strict';
import type { ChargePointStatus } from '../../src/control/charger-fsm.js';
import { driverGuidance, type GuidanceInput } from '../../src/web/driver-guidance.js';

const base: GuidanceInput = {
  status: 'Available',
  authorized: false,
  freeVend: false,
  chargingCompleted: false,
  fault: null,
  limitReason: 'limited by: external 4 A',
  idleFee: null,
};

describe('web: driver guidance', () => {
  const table: [Partial<GuidanceInput> & { status: ChargePointStatus }, string, RegExp, string][] = [
    [{ status: 'Available' }, 'Ready', /^Plug in your car and tap your card/, 'ready'],
    [{ status: 'Available', freeVend: true }, 'Ready', /^Plug in your car to start charging\.$/, 'ready'],
    [{ status: 'Preparing' }, 'Car connected', /^Tap your card to start charging\.$/, 'busy'],
    [{ status: 'Preparing', authorized: true }, 'Starting', /ask for power/, 'busy'],
    [{ status: 'Charging' }, 'Charging', /^Tap your card again to stop\.$/, 'busy'],
    [{ status: 'Charging', freeVend: true }, 'Charging', /^Unplug your car to stop\.$/, 'busy'],
    [{ status: 'SuspendedEV' }, 'Paused by your car', /resumes when it asks again/, 'paused'],
    [{ status: 'SuspendedEV', chargingCompleted: true, idleFee: { perMinute: '0.10', currency: 'EUR', from: '14:32' } }, 'Charging complete', /unplug.*An idle fee applies: 0\.10 EUR per minute from 14:32\.$/, 'done'],
    [{ status: 'SuspendedEVSE' }, 'Paused by the station', /\(limited by: external 4 A\)/, 'paused'],
    [{ status: 'Finishing' }, 'Session ended', /^Please unplug your car\.$/, 'done'],
    [{ status: 'Reserved' }, 'Reserved', /reserved/, 'busy'],
    [{ status: 'Unavailable' }, 'Out of service', /another one/, 'fault'],
    [{ status: 'Faulted', fault: 'emergency-stop' }, 'Fault', /^The emergency stop was pressed\. Charging has stopped/, 'fault'],
    [{ status: 'Faulted' }, 'Fault', /cannot charge right now/, 'fault'],
  ];
  for (const [input, headline, action, tone] of table) {
    it(`${JSON.stringify(input)} → ${headline}`, () => {
      const g = driverGuidance({ ...base, ...input });
      assert.equal(g.headline, headline);
      assert.match(g.action, action);
      assert.equal(g.tone, tone);
    });
  }
});
