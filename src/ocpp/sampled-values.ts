/** Turns a meter sample into OCPP 1.6 MeterValue entries for the configured measurands. */
import type { MeterSample } from '../../hal/meter.js';

export type ReadingContext = 'Sample.Periodic' | 'Sample.Clock' | 'Transaction.Begin' | 'Transaction.End' | 'Trigger' | 'Other';

export interface SampledValue {
  value: string;
  context?: ReadingContext;
  format?: 'Raw' | 'SignedData';
  measurand?: string;
  phase?: string;
  location?: 'Outlet';
  unit?: string;
}

export interface MeterValue {
  timestamp: string;
  sampledValue: SampledValue[];
}

const PHASES = ['L1', 'L2', 'L3'] as const;

/** What the station offers the EV at the moment of the sample (Current.Offered, Power.Offered). */
export interface OfferedNow {
  readonly currentA: number;
  readonly powerW: number;
}

/**
 * One MeterValue with a sampled value per measurand (and per phase where the measurand is per phase). The offered
 * measurands need `offered`; without it they are left out.
 */
export function meterValueFrom(sample: MeterSample, measurands: readonly string[], context: ReadingContext, offered?: OfferedNow): MeterValue {
  const values: SampledValue[] = [];
  const base = { context, location: 'Outlet' as const };
  for (const measurand of measurands) {
    switch (measurand) {
      case 'Energy.Active.Import.Register':
        values.push({ ...base, measurand, unit: 'Wh', value: String(Math.trunc(sample.importWh)) });
        if (sample.signedRecord) values.push({ ...base, measurand, format: 'SignedData', value: sample.signedRecord });
        break;
      case 'Power.Active.Import':
        values.push({ ...base, measurand, unit: 'W', value: String(Math.round(sample.totalPowerW)) });
        break;
      case 'Current.Import':
        sample.phases.forEach((p, i) => values.push({ ...base, measurand, phase: PHASES[i] ?? `L${i + 1}`, unit: 'A', value: p.currentA.toFixed(2) }));
        break;
      case 'Voltage':
        sample.phases.forEach((p, i) => values.push({ ...base, measurand, phase: `${PHASES[i] ?? `L${i + 1}`}-N`, unit: 'V', value: p.voltageV.toFixed(1) }));
        break;
      case 'Frequency':
        // 1.6 has no unit for hertz.
        if (sample.frequencyHz !== null) values.push({ ...base, measurand, value: sample.frequencyHz.toFixed(2) });
        break;
      case 'Current.Offered':
        if (offered) values.push({ ...base, measurand, unit: 'A', value: offered.currentA.toFixed(1) });
        break;
      case 'Power.Offered':
        if (offered) values.push({ ...base, measurand, unit: 'W', value: String(Math.round(offered.powerW)) });
        break;
      default:
        break;
    }
  }
  return { timestamp: new Date(sample.readAtMs).toISOString(), sampledValue: values };
}
