/**
 * The whole device model of this station: the controllers of `controllers.ts` plus the parts whose values are the
 * station's state (ChargingStation, EVSE 1, its connector 1, the identity and security profile, the clock).
 */
import type { ChargePointPort } from '../../charge-point-port.js';
import { FAULT_COMPONENTS, sameComponent } from '../events/fault-components.js';
import { connectorStatusOf } from '../status-mapping.js';
import { CONTROLLERS } from './controllers.js';
import type { ComponentRef, ComponentSpec, VariableSpec } from './types.js';

export interface StationFacts {
  readonly port: ChargePointPort;
  readonly identity: string;
  readonly vendorName: string;
  readonly model: string;
  readonly securityProfile: number;
  readonly phases: number;
  /** The most the EVSE can deliver, W. */
  readonly maxPowerW: number;
  readonly nowMs: () => number;
  /** True while a fault that sets `variable` of `component` is active (FaultEvents201.isSet); absent: never. */
  readonly faultSet?: (component: ComponentRef, variable: string) => boolean;
}

const AVAILABILITY_STATES = ['Available', 'Occupied', 'Reserved', 'Unavailable', 'Faulted'];

const fixed = (dataType: VariableSpec['dataType'], value: string, more: Partial<VariableSpec> = {}): VariableSpec => ({
  dataType,
  mutability: 'ReadOnly',
  value,
  constant: true,
  ...more,
});

/** Every component of the station, controllers first. */
export function stationComponents(facts: StationFacts): ComponentSpec[] {
  const availability = (): string => connectorStatusOf(facts.port);
  const availabilityState: VariableSpec = { dataType: 'OptionList', mutability: 'ReadOnly', values: AVAILABILITY_STATES, live: availability, summary: true };
  const controllers: ComponentSpec[] = Object.entries(CONTROLLERS).map(([name, variables]) => ({ component: { name }, variables }));
  const extend = (name: string, more: Record<string, VariableSpec>): void => {
    const found = controllers.find((c) => c.component.name === name);
    if (found) Object.assign(found, { variables: { ...found.variables, ...more } });
  };
  extend('SecurityCtrlr', {
    Identity: fixed('string', facts.identity, { maxLength: 48 }),
    // Set by the config file (URL scheme, certificates); SetNetworkProfile, which could change it, is not supported.
    SecurityProfile: fixed('integer', String(facts.securityProfile)),
  });
  extend('ClockCtrlr', { DateTime: { dataType: 'dateTime', mutability: 'ReadOnly', live: () => new Date(facts.nowMs()).toISOString() } });
  return withFaultVariables(facts, [
    ...controllers,
    {
      component: { name: 'ChargingStation' },
      variables: {
        AvailabilityState: availabilityState,
        Available: fixed('boolean', 'true'),
        Model: fixed('string', facts.model),
        VendorName: fixed('string', facts.vendorName),
        SupplyPhases: fixed('integer', String(facts.phases)),
      },
    },
    {
      component: { name: 'EVSE', evse: { id: 1 } },
      variables: {
        AvailabilityState: availabilityState,
        Available: fixed('boolean', 'true'),
        // Actual: what the meter measures now; MaxSet: the most this EVSE can deliver.
        Power: {
          dataType: 'decimal',
          mutability: 'ReadOnly',
          unit: 'W',
          min: 0,
          max: facts.maxPowerW,
          live: () => String(facts.port.latestSample()?.totalPowerW ?? 0),
          extra: { MaxSet: String(facts.maxPowerW) },
        },
        SupplyPhases: fixed('integer', String(facts.phases)),
      },
    },
    {
      component: { name: 'Connector', evse: { id: 1, connectorId: 1 } },
      variables: {
        AvailabilityState: availabilityState,
        Available: fixed('boolean', 'true'),
        ConnectorType: fixed('string', 'cType2'),
        SupplyPhases: fixed('integer', String(facts.phases)),
      },
    },
  ]);
}

/**
 * The components and variables faults are reported on (events/fault-components.ts), each boolean variable true while
 * one of its faults is active: added to the component of the same identity when the model has it (EVSE 1,
 * ChargingStation), else as a component of its own (RCD, PowerContactor …), so GetVariables and reports show them.
 */
function withFaultVariables(facts: StationFacts, components: ComponentSpec[]): ComponentSpec[] {
  const out = [...components];
  for (const { component, variable } of Object.values(FAULT_COMPONENTS)) {
    const spec: VariableSpec = {
      dataType: 'boolean',
      mutability: 'ReadOnly',
      live: () => String(facts.faultSet?.(component, variable) ?? false),
      // SummaryInventory lists the components in an abnormal state only.
      summary: 'when-true',
    };
    const index = out.findIndex((c) => sameComponent(c.component, component));
    const found = out[index];
    if (found) out[index] = { component: found.component, variables: { ...found.variables, [variable]: spec } };
    else out.push({ component, variables: { [variable]: spec } });
  }
  return out;
}
