/**
 * Temperature sensor contract: one sensor inside the station (a DS18B20 on the 1-wire bus on a Pi-class board).
 */

/** One temperature reading. */
export type TemperatureReading =
  | { readonly ok: true; readonly celsius: number; readonly readAtMs: number }
  /** The sensor did not give a valid reading: `detail` says why (gone from the bus, CRC, power-on value …). */
  | { readonly ok: false; readonly detail: string; readonly readAtMs: number };

/** A temperature sensor polled by its driver. */
export interface TemperatureSensor {
  /** The latest reading (synchronous; the driver polls in the background). */
  read(): TemperatureReading;
  /** Calls `listener` after every poll whose outcome differs from the previous one. Returns an unsubscribe function. */
  onChange(listener: (reading: TemperatureReading) => void): () => void;
  /** Stops polling. */
  dispose(): Promise<void>;
}
