/**
 * The fault catalogue: every condition that can stop or limit charging, as data. A fault is raised and cleared;
 * it is never an exception. Each carries what the driver is told, what the operator is told, the OCPP error code
 * and how it recovers.
 */

export type FaultSeverity = 'stop' | 'derate' | 'warn';

/** OCPP 1.6 ChargePointErrorCode. */
export type OcppErrorCode =
  | 'ConnectorLockFailure'
  | 'EVCommunicationError'
  | 'GroundFailure'
  | 'HighTemperature'
  | 'InternalError'
  | 'LocalListConflict'
  | 'NoError'
  | 'OtherError'
  | 'OverCurrentFailure'
  | 'OverVoltage'
  | 'PowerMeterFailure'
  | 'PowerSwitchFailure'
  | 'ReaderFailure'
  | 'ResetFailure'
  | 'UnderVoltage'
  | 'WeakSignal';

/**
 * How a latched fault is cleared.
 * - `auto`: a condition of the surroundings (mains, temperature, meter link): cleared `delayS` after it is gone, however
 *   often it comes back.
 * - `retry`: a fault of the EV or the switchgear: cleared after `control.faultRetryDelayS` once the condition is gone,
 *   at most `control.faultRetryCount` times until the next unplug; then it latches until a manual reset (a fault that
 *   keeps coming back needs a person).
 * - `on-unplug`: cleared when the EV is unplugged (pilot back to A) and the condition is gone.
 * - `manual`: cleared only by an operator reset (`evse` CLI, OCPP Reset, the simulator's `reset`).
 */
export type RecoveryRule =
  | { readonly kind: 'auto'; readonly delayS: number }
  | { readonly kind: 'retry' }
  | { readonly kind: 'on-unplug' }
  | { readonly kind: 'manual' };

export interface FaultDefinition {
  readonly name: FaultName;
  readonly severity: FaultSeverity;
  readonly ocppErrorCode: OcppErrorCode;
  /** Vendor error code reported with StatusNotification (stable, for the operator's tickets). */
  readonly vendorErrorCode: string;
  /** For the driver at the station: plain words, what happened and what to do. */
  readonly driverMessage: string;
  /** For the operator: what to check. */
  readonly operatorMessage: string;
  readonly recovery: RecoveryRule;
  /** Stop-class faults that end the running session do so with this reason; others suspend it. */
  readonly endsSessionWith?: 'EmergencyStop' | 'Other';
}

export type FaultName =
  | 'rcd-trip'
  | 'emergency-stop'
  | 'pilot-fault'
  | 'diode-fault'
  | 'ventilation-unavailable'
  | 'cable-lock-failed'
  | 'contactor-welded'
  | 'contactor-close-failed'
  | 'soft-overcurrent'
  | 'hard-overcurrent'
  | 'meter-lost'
  | 'meter-anomaly'
  | 'mains-meter-lost'
  | 'high-temperature'
  | 'over-temperature'
  | 'temperature-sensor-failed'
  | 'over-voltage'
  | 'under-voltage'
  | 'driver-failure'
  | 'journal-unavailable';

const catalogue: readonly FaultDefinition[] = [
  {
    name: 'rcd-trip',
    severity: 'stop',
    ocppErrorCode: 'GroundFailure',
    vendorErrorCode: 'E101',
    driverMessage: 'Charging stopped for your safety: a fault current to earth was detected. Unplug your car; the station needs an inspection.',
    operatorMessage: 'Residual current device tripped. Inspect cable, vehicle inlet and station wiring, then reset the RCD and the station.',
    recovery: { kind: 'manual' },
    endsSessionWith: 'EmergencyStop',
  },
  {
    name: 'emergency-stop',
    severity: 'stop',
    ocppErrorCode: 'OtherError',
    vendorErrorCode: 'E102',
    driverMessage: 'The emergency stop was pressed. Charging has stopped; release the button when it is safe.',
    operatorMessage: 'Emergency stop input active.',
    recovery: { kind: 'auto', delayS: 0 },
    endsSessionWith: 'EmergencyStop',
  },
  {
    name: 'pilot-fault',
    severity: 'stop',
    ocppErrorCode: 'EVCommunicationError',
    vendorErrorCode: 'E201',
    driverMessage: 'The station cannot talk to your car through the cable. Unplug it, check the plug is clean and fully inserted, and plug in again.',
    operatorMessage: 'Control pilot in state E/F or out of range (CP shorted to PE, damaged cable or inlet).',
    recovery: { kind: 'on-unplug' },
    endsSessionWith: 'Other',
  },
  {
    name: 'diode-fault',
    severity: 'stop',
    ocppErrorCode: 'EVCommunicationError',
    vendorErrorCode: 'E202',
    driverMessage: 'Your car or cable did not pass the safety check. Unplug and try again; if it repeats, the cable may be damaged.',
    operatorMessage: 'Pilot diode check failed: no negative level while PWM runs (diode missing or shorted).',
    recovery: { kind: 'on-unplug' },
    endsSessionWith: 'Other',
  },
  {
    name: 'ventilation-unavailable',
    severity: 'stop',
    ocppErrorCode: 'OtherError',
    vendorErrorCode: 'E203',
    driverMessage: 'Your car asks for a ventilated charging area. This station has no ventilation, so charging is not possible here. Please unplug.',
    operatorMessage: 'EV signalled state D (ventilation required) and control.ventilationAvailable is false: the contactor is kept open.',
    recovery: { kind: 'on-unplug' },
    endsSessionWith: 'Other',
  },
  {
    name: 'cable-lock-failed',
    severity: 'stop',
    ocppErrorCode: 'ConnectorLockFailure',
    vendorErrorCode: 'E204',
    driverMessage: 'The station could not lock your cable in the socket, so charging cannot start. Push the plug fully in, unplug and plug in again.',
    operatorMessage: 'Cable lock did not confirm locked (feedback or driver error). Check the actuator, its feedback switch and wiring, and the socket for debris.',
    recovery: { kind: 'on-unplug' },
    endsSessionWith: 'Other',
  },
  {
    name: 'contactor-welded',
    severity: 'stop',
    ocppErrorCode: 'PowerSwitchFailure',
    vendorErrorCode: 'E301',
    driverMessage: 'The station has a technical fault and cannot switch off power safely. Do not touch the connector; the operator has been alerted.',
    operatorMessage: 'Contactor welded: auxiliary contact (or meter current) shows closed after an open command. Replace the contactor.',
    recovery: { kind: 'manual' },
    endsSessionWith: 'Other',
  },
  {
    name: 'contactor-close-failed',
    severity: 'stop',
    ocppErrorCode: 'PowerSwitchFailure',
    vendorErrorCode: 'E302',
    driverMessage: 'The station could not switch on power. It will try again shortly.',
    operatorMessage: 'Contactor did not close: auxiliary contact stayed open after a close command (coil, wiring or supply).',
    recovery: { kind: 'retry' },
  },
  {
    name: 'soft-overcurrent',
    severity: 'stop',
    ocppErrorCode: 'OverCurrentFailure',
    vendorErrorCode: 'E401',
    driverMessage: 'Your car drew more current than offered, so charging paused. It will resume automatically.',
    operatorMessage: 'EV exceeded (offered + 0.5 A) × 1.1 for the configured time: EV ignores the PWM limit.',
    recovery: { kind: 'retry' },
  },
  {
    name: 'hard-overcurrent',
    severity: 'stop',
    ocppErrorCode: 'OverCurrentFailure',
    vendorErrorCode: 'E402',
    driverMessage: 'Charging stopped because the current was far too high. Unplug your car and contact the operator if it repeats.',
    operatorMessage: 'Phase current above the hard overcurrent threshold: possible short circuit or faulty EV.',
    recovery: { kind: 'on-unplug' },
    endsSessionWith: 'Other',
  },
  {
    name: 'meter-lost',
    severity: 'stop',
    ocppErrorCode: 'PowerMeterFailure',
    vendorErrorCode: 'E501',
    driverMessage: 'Charging is paused because the energy meter is not responding; you are not billed while it is paused.',
    operatorMessage: 'No valid answer from the energy meter: check its RS-485 wiring, termination, address and baud rate.',
    recovery: { kind: 'auto', delayS: 0 },
  },
  {
    name: 'meter-anomaly',
    severity: 'warn',
    ocppErrorCode: 'PowerMeterFailure',
    vendorErrorCode: 'W502',
    driverMessage: 'Charging continues.',
    operatorMessage: 'The meter returned an impossible value (NaN, negative energy or a register going backwards); the reading was discarded.',
    recovery: { kind: 'auto', delayS: 60 },
  },
  {
    name: 'mains-meter-lost',
    severity: 'warn',
    ocppErrorCode: 'PowerMeterFailure',
    vendorErrorCode: 'W503',
    driverMessage: 'Charging continues, more slowly for now, while the building\'s meter is checked.',
    operatorMessage:
      'No valid answer from the mains meter at the grid connection (or readings that cannot be true): load management offers its safe current (fuse mode) or pauses solar charging, and never assumes the building is idle. Check its RS-485 wiring, unit id, baud rate and the direction of its CTs.',
    recovery: { kind: 'auto', delayS: 0 },
  },
  {
    name: 'high-temperature',
    severity: 'derate',
    ocppErrorCode: 'HighTemperature',
    vendorErrorCode: 'W601',
    driverMessage: 'The station is warm, so it charges more slowly for now.',
    operatorMessage: 'Internal temperature above the derating threshold: check ventilation and sun exposure.',
    recovery: { kind: 'auto', delayS: 0 },
  },
  {
    name: 'over-temperature',
    severity: 'stop',
    ocppErrorCode: 'HighTemperature',
    vendorErrorCode: 'E602',
    driverMessage: 'The station is too hot and has paused charging. It resumes by itself when it has cooled down.',
    operatorMessage: 'Internal temperature above the stop threshold.',
    recovery: { kind: 'auto', delayS: 0 },
  },
  {
    name: 'temperature-sensor-failed',
    severity: 'derate',
    ocppErrorCode: 'HighTemperature',
    vendorErrorCode: 'W603',
    driverMessage: 'The station charges more slowly for now while a sensor is checked.',
    operatorMessage:
      'The temperature sensor gives no valid reading (gone from the 1-wire bus, CRC errors or its power-on value): the station derates because it cannot watch its temperature. Check the sensor and its wiring.',
    recovery: { kind: 'auto', delayS: 0 },
  },
  {
    name: 'over-voltage',
    severity: 'stop',
    ocppErrorCode: 'OverVoltage',
    vendorErrorCode: 'E701',
    driverMessage: 'Charging is paused because the mains voltage is too high. It resumes by itself.',
    operatorMessage: 'Mains voltage above the configured maximum on at least one phase.',
    recovery: { kind: 'auto', delayS: 10 },
  },
  {
    name: 'under-voltage',
    severity: 'stop',
    ocppErrorCode: 'UnderVoltage',
    vendorErrorCode: 'E702',
    driverMessage: 'Charging is paused because the mains voltage is too low. It resumes by itself.',
    operatorMessage: 'Mains voltage below the configured minimum on at least one phase (or a phase lost).',
    recovery: { kind: 'auto', delayS: 10 },
  },
  {
    name: 'driver-failure',
    severity: 'stop',
    ocppErrorCode: 'InternalError',
    vendorErrorCode: 'E801',
    driverMessage: 'The station has a technical fault and has stopped charging. The operator has been alerted.',
    operatorMessage: 'A hardware driver call failed (see the log line with the driver and its error).',
    recovery: { kind: 'manual' },
    endsSessionWith: 'Other',
  },
  {
    name: 'journal-unavailable',
    severity: 'stop',
    ocppErrorCode: 'InternalError',
    vendorErrorCode: 'E901',
    driverMessage: 'The station cannot record sessions right now, so it cannot start charging. The operator has been alerted.',
    operatorMessage: 'The transaction journal cannot commit (disk full, I/O error or read-only): free space or replace the SD card.',
    recovery: { kind: 'manual' },
    endsSessionWith: 'Other',
  },
];

const byName = new Map<FaultName, FaultDefinition>(catalogue.map((f) => [f.name, f]));

/** The definition of a named fault. */
export function faultDefinition(name: FaultName): FaultDefinition {
  const def = byName.get(name);
  if (!def) throw new Error(`unknown fault ${name}`);
  return def;
}

/** Every fault the station knows, for documentation and the status page. */
export function allFaults(): readonly FaultDefinition[] {
  return catalogue;
}
