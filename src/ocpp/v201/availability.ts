/**
 * ChangeAvailability (G03 EVSE / connector, G04 station) in OCPP 2.0.1 through the charge-point port. The station has
 * one EVSE with one connector, so the station, EVSE 1 and its connector 1 all change the one availability the control
 * core keeps; it answers Scheduled while a session runs (the change then follows its end). The StatusNotification
 * follows from the status change. An unknown EVSE or connector is Rejected.
 */
import type { ChargePointPort } from '../charge-point-port.js';

type Handler = (params: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>;

export function availabilityHandler(port: ChargePointPort): Record<string, Handler> {
  return {
    ChangeAvailability: (params) => {
      const operative = params['operationalStatus'] === 'Operative';
      const evse = params['evse'] as { id: number; connectorId?: number } | undefined;
      // evse id 0 addresses the station as a whole.
      if (evse !== undefined && evse.id !== 0 && (evse.id !== 1 || (evse.connectorId !== undefined && evse.connectorId !== 1))) {
        return { status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse', additionalInfo: 'this station has EVSE 1 with connector 1 only' } };
      }
      if (evse?.id === 0 && evse.connectorId !== undefined) return { status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse' } };
      return { status: port.changeAvailability(operative) };
    },
  };
}
