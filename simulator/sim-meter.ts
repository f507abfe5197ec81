import { MeterReadError, type EnergyMeter, type MeterSample } from '../hal/meter.js';

/**
 * A meter read straight from the electrical model, without a wire protocol. Used by unit tests of the control core;
 * `evse sim` reads the same model through real Modbus RTU frames instead (simulator/modbus).
 */
export class DirectSimMeter implements EnergyMeter {
  /** Injected: the meter does not answer. */
  silent = false;
  private closed = false;

  constructor(private readonly source: () => MeterSample) {}

  read(): Promise<MeterSample> {
    if (this.closed) return Promise.reject(new MeterReadError('port', 'meter closed'));
    if (this.silent) return Promise.reject(new MeterReadError('timeout', 'simulated meter does not answer'));
    return Promise.resolve(this.source());
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
