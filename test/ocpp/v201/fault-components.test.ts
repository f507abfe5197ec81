import assert from 'node:assert/strict';
import { allFaults } from '../../../src/control/faults.js';
import { ALERT_COMPONENTS } from '../../../src/notify/csms-channel.js';
import { stationComponents } from '../../../src/ocpp/v201/device-model/station-components.js';
import { componentKey, type ComponentRef } from '../../../src/ocpp/v201/device-model/types.js';
import { FAULT_COMPONENTS, sameComponent } from '../../../src/ocpp/v201/events/fault-components.js';
import { FakeStation } from '../support/fake-station.js';
import { MemoryOutboxStore } from '../support/memory-outbox.js';

/**
 * Every fault of the control core's catalogue has a place in the 2.0.1 device model (a new fault without one does not
 * compile: FAULT_COMPONENTS is a Record over FaultName; this checks the catalogue and the model agree at run time),
 * and that place exists as a read-only boolean that is true exactly while one of its faults is active.
 */
describe('OCPP 2.0.1 fault components (every fault kind mapped to a device-model component and variable)', () => {
  const STANDARD_COMPONENTS = new Set([
    'ChargingStation', 'EVSE', 'Connector', 'RCD', 'EmergencyStopSensor', 'CPPWMController', 'ConnectorPlugRetentionLock',
    'PowerContactor', 'OverCurrentProtection', 'FiscalMetering', 'ElectricalFeed', 'TemperatureSensor', 'Controller',
  ]);

  function model(active: ReadonlySet<string>) {
    return stationComponents({
      port: new FakeStation(new MemoryOutboxStore()),
      identity: 'CP-1',
      vendorName: 'v',
      model: 'm',
      securityProfile: 0,
      phases: 3,
      maxPowerW: 22_000,
      nowMs: () => Date.now(),
      faultSet: (component: ComponentRef, variable: string) =>
        [...active].some((name) => {
          const place = FAULT_COMPONENTS[name as keyof typeof FAULT_COMPONENTS];
          return place.variable === variable && sameComponent(place.component, component);
        }),
    });
  }

  it('maps every fault of the catalogue to a standardized component and variable', () => {
    const names = allFaults().map((f) => f.name).sort();
    assert.deepEqual(Object.keys(FAULT_COMPONENTS).sort(), names);
    for (const name of names) {
      const place = FAULT_COMPONENTS[name];
      assert.ok(STANDARD_COMPONENTS.has(place.component.name), `${name}: ${place.component.name}`);
    }
  });

  it('each mapped variable exists once in the device model, read-only boolean, true only while its fault is active', () => {
    const idle = model(new Set());
    const keys = idle.map((c) => componentKey(c.component));
    assert.equal(new Set(keys).size, keys.length, 'no component twice');
    for (const fault of allFaults()) {
      const place = FAULT_COMPONENTS[fault.name];
      const spec = idle.find((c) => sameComponent(c.component, place.component))?.variables[place.variable];
      assert.ok(spec, `${fault.name}: ${componentKey(place.component)}/${place.variable} is in the model`);
      assert.equal(spec.dataType, 'boolean');
      assert.equal(spec.mutability, 'ReadOnly');
      assert.equal(spec.live?.(), 'false', fault.name);
      const faulted = model(new Set([fault.name]));
      assert.equal(faulted.find((c) => sameComponent(c.component, place.component))?.variables[place.variable]?.live?.(), 'true', fault.name);
    }
    // The components the model had before keep their variables (EVSE 1 gains Problem and Overload beside Power).
    const evse = idle.find((c) => c.component.name === 'EVSE');
    assert.ok(evse?.variables['Power'] && evse.variables['Problem'] && evse.variables['Overload']);
  });

  it('the components operator alerts are reported on over 2.0.1 have a Problem variable in the model', () => {
    const idle = model(new Set());
    for (const [code, component] of [...Object.entries(ALERT_COMPONENTS), ['other', { name: 'ChargingStation' }] as const]) {
      assert.ok(idle.find((c) => sameComponent(c.component, component))?.variables['Problem'], `${code}: ${componentKey(component)}/Problem`);
    }
  });
});
