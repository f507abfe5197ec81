import assert from 'node:assert/strict';
import type { MeterSample } from '../../../hal/meter.js';
import { builtInMaps } from '../../../hal/modbus/maps/index.js';
import { createDemoMeterModel } from '../../../simulator/modbus/demo-meter-model.js';
import { ModbusRtuSlave } from '../../../simulator/modbus/rtu-slave.js';
import { applyControlLine } from '../../../simulator/modbus/serial-meter-sim.js';
import { createVirtualLinkPair } from '../../../simulator/modbus/virtual-link.js';

describe('simulator/modbus meter-sim control lines and demo model', () => {
  it('switches faults from stdin lines and refuses unknown ones without changing anything', async () => {
    const line = createVirtualLinkPair({ baudRate: 9600, emulateLineTiming: false });
    const slave = new ModbusRtuSlave(line.slave, { map: builtInMaps.sdm630, unitId: 1, source: () => ({}) as MeterSample });
    assert.equal(applyControlLine('fault bad-crc', slave), 'fault bad-crc');
    assert.equal(slave.fault(), 'bad-crc');
    assert.match(applyControlLine('fault melted', slave), /unknown fault "melted"; one of none, no-answer/);
    assert.equal(slave.fault(), 'bad-crc');
    assert.match(applyControlLine('reboot', slave), /unknown command "reboot"/);
    assert.equal(applyControlLine('  fault   none ', slave), 'fault none');
    assert.equal(slave.fault(), null);
    assert.equal(applyControlLine('status', slave), 'fault none, 0 requests');
    assert.equal(applyControlLine('', slave), '');
    await slave.close();
    await line.close();
  });

  it('the demo model draws 10-16 A per phase and its import register only grows, in whole Wh', () => {
    let mono = 0;
    const model = createDemoMeterModel({ phases: 3, monotonicMs: () => mono, nowMs: () => 1e12 + mono, startImportWh: 1000 });
    let last = model().importWh;
    for (let i = 0; i < 600; i++) {
      mono += 1000;
      const s = model();
      assert.equal(s.phases.length, 3);
      for (const p of s.phases) assert.ok(p.currentA >= 10 && p.currentA <= 16);
      assert.ok(Number.isInteger(s.importWh) && s.importWh >= last);
      last = s.importWh;
    }
    // About 9 kW for 10 minutes: 1.5 kWh.
    assert.ok(last - 1000 > 1200 && last - 1000 < 1800, `${last - 1000} Wh`);
  });
});
