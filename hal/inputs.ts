/**
 * Station inputs contract: protective devices and sensors that are not the pilot or the meter.
 */

/** The station's safety inputs at one instant. */
export interface InputsSnapshot {
  /** The residual current device (30 mA AC / 6 mA DC, done in hardware) has tripped. */
  readonly rcdTripped: boolean;
  /** The emergency stop button is pressed. */
  readonly emergencyStop: boolean;
  /** Internal temperature in °C, or null where no sensor is fitted or the fitted one failed. */
  readonly temperatureC: number | null;
  /**
   * True when a fitted temperature sensor stopped answering or gives no valid reading (a DS18B20's 85 °C power-on
   * value, a CRC failure, the device gone from the bus). The control core treats it as a fault, never as "no sensor".
   */
  readonly temperatureSensorFailed: boolean;
}

/** Digital and analogue inputs of the station. */
export interface StationInputs {
  /** The latest debounced values. Synchronous. */
  read(): InputsSnapshot;
  /** Calls `listener` synchronously on every change. Returns an unsubscribe function. */
  onChange(listener: (snapshot: InputsSnapshot) => void): () => void;
  /** Releases the hardware. */
  dispose(): Promise<void>;
}
