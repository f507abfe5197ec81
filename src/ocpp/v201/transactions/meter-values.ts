/**
 * Meter samples as OCPP 2.0.1 MeterValue entries: numbers (not strings), `unitOfMeasure` (not `unit`), the 2.0.1
 * measurand and context names. Measurands come from SampledDataCtrlr / AlignedDataCtrlr (…Measurands variables).
 */
import type { MeterSample } from '../../../../hal/meter.js';
import type { MeterValue, ReadingContext, SampledValue } from './types.js';

const PHASES = ['L1', 'L2', 'L3'] as const;

/** Measurands this station can report from its meter and pilot; the device model offers these as its valuesList. */
export const SUPPORTED_MEASURANDS: readonly string[] = [
  'Energy.Active.Import.Register',
  'Power.Active.Import',
  'Current.Import',
  'Voltage',
  'Frequency',
  'Current.Offered',
  'Power.Offered',
];

/** What the station offers the EV at the moment of the sample (Current.Offered, Power.Offered). */
export interface OfferedNow {
  readonly currentA: number;
  readonly powerW: number;
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/**
 * One MeterValue with a sampled value per measurand (per phase where the measurand is per phase), or null when none
 * of the measurands could be read (2.0.1 needs at least one sampledValue). Unknown measurands are left out.
 */
export function meterValueOf(sample: MeterSample, measurands: readonly string[], context: ReadingContext, offered?: OfferedNow): MeterValue | null {
  const values: SampledValue[] = [];
  const base = { context, location: 'Outlet' as const };
  for (const measurand of measurands) {
    switch (measurand) {
      case 'Energy.Active.Import.Register':
        values.push({ ...base, measurand, unitOfMeasure: { unit: 'Wh' }, value: Math.trunc(sample.importWh) });
        break;
      case 'Power.Active.Import':
        values.push({ ...base, measurand, unitOfMeasure: { unit: 'W' }, value: Math.round(sample.totalPowerW) });
        break;
      case 'Current.Import':
        sample.phases.forEach((p, i) =>
          values.push({ ...base, measurand, phase: PHASES[i] ?? `L${i + 1}`, unitOfMeasure: { unit: 'A' }, value: round(p.currentA, 2) }),
        );
        break;
      case 'Voltage':
        sample.phases.forEach((p, i) =>
          values.push({ ...base, measurand, phase: `${PHASES[i] ?? `L${i + 1}`}-N`, unitOfMeasure: { unit: 'V' }, value: round(p.voltageV, 1) }),
        );
        break;
      case 'Frequency':
        // 2.0.1 has no standard unit for hertz either: the measurand says it.
        if (sample.frequencyHz !== null) values.push({ ...base, measurand, value: round(sample.frequencyHz, 2) });
        break;
      case 'Current.Offered':
        if (offered) values.push({ ...base, measurand, unitOfMeasure: { unit: 'A' }, value: round(offered.currentA, 1) });
        break;
      case 'Power.Offered':
        if (offered) values.push({ ...base, measurand, unitOfMeasure: { unit: 'W' }, value: Math.round(offered.powerW) });
        break;
      default:
        break;
    }
  }
  return values.length === 0 ? null : { timestamp: new Date(sample.readAtMs).toISOString(), sampledValue: values };
}

/** The energy register alone (Transaction.Begin / Transaction.End of a Started / Ended event). */
export function registerValue(importWh: number, timestamp: string, context: ReadingContext): MeterValue {
  return {
    timestamp,
    sampledValue: [{ value: Math.trunc(importWh), context, measurand: 'Energy.Active.Import.Register', location: 'Outlet', unitOfMeasure: { unit: 'Wh' } }],
  };
}
