import type { InputsSnapshot } from '../../hal/inputs.js';
import type { ControlConfig } from './config.js';
import type { FaultRegistry } from './fault-registry.js';
import type { PilotEvent } from './pilot-layer.js';

/**
 * Maps the station's inputs to faults: RCD, emergency stop, temperature with its hysteresis, and a temperature sensor
 * that stopped answering (the station must not go on as if none were fitted).
 */
export function faultsFromInputs(s: InputsSnapshot, temperature: ControlConfig['temperature'], faults: FaultRegistry): void {
  if (s.rcdTripped) faults.raise('rcd-trip', 'RCD trip input active');
  else faults.conditionGone('rcd-trip');
  if (s.emergencyStop) faults.raise('emergency-stop', 'emergency stop pressed');
  else faults.conditionGone('emergency-stop');
  if (s.temperatureSensorFailed) faults.raise('temperature-sensor-failed', 'the temperature sensor gives no valid reading');
  else faults.conditionGone('temperature-sensor-failed');
  if (s.temperatureC !== null) {
    const t = s.temperatureC;
    if (t >= temperature.stopC) faults.raise('over-temperature', `${t} °C ≥ ${temperature.stopC} °C`);
    if (t >= temperature.derateC) faults.raise('high-temperature', `${t} °C ≥ ${temperature.derateC} °C`);
    if (t < temperature.resumeC) {
      faults.conditionGone('over-temperature');
      faults.conditionGone('high-temperature');
    }
  }
}

/** Maps the pilot layer's events to faults (raised, or their condition gone). */
export function faultsFromPilot(event: PilotEvent, faults: FaultRegistry): void {
  switch (event.name) {
    case 'PilotFault':
      faults.raise('pilot-fault', `control pilot in state ${event.state}`);
      return;
    case 'DiodeFault':
      faults.raise('diode-fault', 'no negative pilot level while PWM runs (settled reading)');
      return;
    case 'PilotRecovered':
      faults.conditionGone('pilot-fault');
      return;
    case 'EvDisconnected':
      faults.conditionGone('pilot-fault');
      faults.conditionGone('diode-fault');
      faults.unplugged();
      return;
    default:
      return;
  }
}
