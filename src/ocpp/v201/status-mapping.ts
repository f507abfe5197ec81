/**
 * The station's connector status (1.6 ChargePointStatus, which the control core speaks) as OCPP 2.0.1's
 * ConnectorStatusEnumType. Every state with a vehicle or a session (Preparing … Finishing) is Occupied. The station
 * as a whole (1.6 connector 0) being Unavailable or Faulted makes its one connector so too.
 */
import type { ChargePointPort, ChargePointStatus } from '../charge-point-port.js';

export type ConnectorStatus201 = 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' | 'Faulted';

export function connectorStatus201(status: ChargePointStatus): ConnectorStatus201 {
  switch (status) {
    case 'Available':
    case 'Reserved':
    case 'Unavailable':
    case 'Faulted':
      return status;
    default:
      return 'Occupied';
  }
}

/** The 2.0.1 status of EVSE 1 / connector 1 now. */
export function connectorStatusOf(port: Pick<ChargePointPort, 'connectorStatus'>): ConnectorStatus201 {
  const station = port.connectorStatus(0).status;
  if (station === 'Faulted' || station === 'Unavailable') return station;
  return connectorStatus201(port.connectorStatus(1).status);
}
