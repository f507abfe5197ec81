/**
 * Where each fault of the control core's catalogue lives in the OCPP 2.0.1 device model: the standardized component
 * and variable (Part 2, appendix "Standardized Components" / "Standardized Variables") that a NotifyEvent of the fault
 * names, and that GetVariables / GetBaseReport show while it is active. A `Record` over every FaultName, so a fault
 * added to the catalogue without a place here does not compile.
 *
 * Several faults may share one variable (both pilot faults on the CP PWM controller's Problem): the variable is true
 * while any of them is active, and the NotifyEvent's techCode says which fault it was.
 */
import type { FaultName } from '../../../control/faults.js';
import type { ComponentRef } from '../device-model/types.js';

/** The standardized boolean variables a fault sets: Problem (something is wrong), Tripped / Operated (a protection acted), Overload. */
export type FaultVariable = 'Problem' | 'Tripped' | 'Operated' | 'Overload';

export interface FaultComponent {
  readonly component: ComponentRef;
  readonly variable: FaultVariable;
}

/** EVSE 1 and its connector: this station has one of each. */
const EVSE = { id: 1 } as const;
const CONNECTOR = { id: 1, connectorId: 1 } as const;

export const FAULT_COMPONENTS: Readonly<Record<FaultName, FaultComponent>> = {
  // The residual current device is part of the EVSE's protection.
  'rcd-trip': { component: { name: 'RCD', evse: EVSE }, variable: 'Tripped' },
  'emergency-stop': { component: { name: 'EmergencyStopSensor' }, variable: 'Tripped' },
  // The control pilot: out of range / state E-F, and the diode check, both seen by the CP PWM controller.
  'pilot-fault': { component: { name: 'CPPWMController', evse: EVSE }, variable: 'Problem' },
  'diode-fault': { component: { name: 'CPPWMController', evse: EVSE }, variable: 'Problem' },
  // The EV asks for ventilation this EVSE does not have: a problem of the EVSE, not of a ventilation it lacks.
  'ventilation-unavailable': { component: { name: 'EVSE', evse: EVSE }, variable: 'Problem' },
  // G05 (lock failure) names exactly this component and variable.
  'cable-lock-failed': { component: { name: 'ConnectorPlugRetentionLock', evse: CONNECTOR }, variable: 'Problem' },
  'contactor-welded': { component: { name: 'PowerContactor', evse: EVSE }, variable: 'Problem' },
  'contactor-close-failed': { component: { name: 'PowerContactor', evse: EVSE }, variable: 'Problem' },
  // The EV draws more than offered: the EVSE is overloaded; far above: the overcurrent protection operated.
  'soft-overcurrent': { component: { name: 'EVSE', evse: EVSE }, variable: 'Overload' },
  'hard-overcurrent': { component: { name: 'OverCurrentProtection', evse: EVSE }, variable: 'Operated' },
  // The EVSE's energy meter is the one sessions are billed from.
  'meter-lost': { component: { name: 'FiscalMetering', evse: EVSE }, variable: 'Problem' },
  'meter-anomaly': { component: { name: 'FiscalMetering', evse: EVSE }, variable: 'Problem' },
  // The mains meter at the grid connection and the mains voltage: the station's electrical feed.
  'mains-meter-lost': { component: { name: 'ElectricalFeed' }, variable: 'Problem' },
  'over-voltage': { component: { name: 'ElectricalFeed' }, variable: 'Problem' },
  'under-voltage': { component: { name: 'ElectricalFeed' }, variable: 'Problem' },
  // Too warm is the station's problem; a sensor that gives no reading is the sensor's.
  'high-temperature': { component: { name: 'ChargingStation' }, variable: 'Problem' },
  'over-temperature': { component: { name: 'ChargingStation' }, variable: 'Problem' },
  'temperature-sensor-failed': { component: { name: 'TemperatureSensor' }, variable: 'Problem' },
  // The station's own controller: a driver call failed, or its journal cannot commit.
  'driver-failure': { component: { name: 'Controller' }, variable: 'Problem' },
  'journal-unavailable': { component: { name: 'Controller' }, variable: 'Problem' },
};

/** The place of a fault in the device model. */
export function faultComponent(name: FaultName): FaultComponent {
  return FAULT_COMPONENTS[name];
}

/** True when `a` and `b` are the same component (name, instance, EVSE and connector). */
export function sameComponent(a: ComponentRef, b: ComponentRef): boolean {
  return a.name === b.name && a.instance === b.instance && a.evse?.id === b.evse?.id && a.evse?.connectorId === b.evse?.connectorId;
}

/** The faults that set `variable` of `component`. */
export function faultsOf(component: ComponentRef, variable: string): FaultName[] {
  return (Object.entries(FAULT_COMPONENTS) as [FaultName, FaultComponent][])
    .filter(([, place]) => place.variable === variable && sameComponent(place.component, component))
    .map(([name]) => name);
}
