/**
 * transactionData of StopTransaction.req: the session's journaled samples at the start, every
 * MeterValueSampleInterval from the start (StopTxnSampledData) and at clock-aligned instants (StopTxnAlignedData), and at
 * the end. Built at send time from the journal, like the transactionId.
 */
import type { MeterSample } from '../../hal/meter.js';
import type { SampleRow } from '../journal/ports.js';
import { meterValueFrom, type MeterValue } from './sampled-values.js';

/** At most this many entries: a week-long session must not make a frame the CSMS refuses. */
export const MAX_TRANSACTION_DATA = 200;

function toMeterSample(row: SampleRow): MeterSample {
  const n = Math.max(row.currentsA.length, row.voltagesV.length);
  const phases = Array.from({ length: n }, (_, i) => ({
    currentA: row.currentsA[i] ?? 0,
    voltageV: row.voltagesV[i] ?? 0,
    powerW: n > 0 ? row.totalPowerW / n : 0,
  }));
  return {
    phases,
    totalPowerW: row.totalPowerW,
    importWh: row.importWh,
    frequencyHz: null,
    readAtMs: row.atMs,
    ...(row.signedRecord ? { signedRecord: row.signedRecord } : {}),
  };
}

/** The first sample at or after each boundary `origin + k × stepMs` (k ≥ 1), strictly inside the session. */
function atBoundaries(samples: readonly SampleRow[], origin: number, stepMs: number): SampleRow[] {
  const picked: SampleRow[] = [];
  let next = origin + stepMs;
  for (const s of samples) {
    if (s.atMs < next) continue;
    picked.push(s);
    next = origin + (Math.floor((s.atMs - origin) / stepMs) + 1) * stepMs;
  }
  return picked;
}

export interface TransactionDataSettings {
  readonly sampledMeasurands: readonly string[];
  readonly alignedMeasurands: readonly string[];
  readonly sampleIntervalS: number;
  readonly alignedIntervalS: number;
}

/** The transactionData array, or null when neither StopTxnSampledData nor StopTxnAlignedData asks for any. */
export function transactionData(samples: readonly SampleRow[], settings: TransactionDataSettings): MeterValue[] | null {
  const sorted = [...samples].sort((a, b) => a.atMs - b.atMs);
  const first = sorted[0];
  const last = sorted.at(-1);
  if (!first || !last) return null;
  const entries: { atMs: number; value: MeterValue }[] = [];
  const { sampledMeasurands, alignedMeasurands } = settings;
  if (sampledMeasurands.length > 0) {
    entries.push({ atMs: first.atMs, value: meterValueFrom(toMeterSample(first), sampledMeasurands, 'Transaction.Begin') });
    if (settings.sampleIntervalS > 0) {
      for (const s of atBoundaries(sorted.slice(1, -1), first.atMs, settings.sampleIntervalS * 1000)) {
        entries.push({ atMs: s.atMs, value: meterValueFrom(toMeterSample(s), sampledMeasurands, 'Sample.Periodic') });
      }
    }
    if (last !== first) entries.push({ atMs: last.atMs, value: meterValueFrom(toMeterSample(last), sampledMeasurands, 'Transaction.End') });
  }
  if (alignedMeasurands.length > 0 && settings.alignedIntervalS > 0) {
    const step = settings.alignedIntervalS * 1000;
    for (const s of atBoundaries(sorted, Math.floor(first.atMs / step) * step, step)) {
      entries.push({ atMs: s.atMs, value: meterValueFrom(toMeterSample(s), alignedMeasurands, 'Sample.Clock') });
    }
  }
  if (entries.length === 0) return null;
  entries.sort((a, b) => a.atMs - b.atMs);
  if (entries.length <= MAX_TRANSACTION_DATA) return entries.map((e) => e.value);
  // Keep the begin and the end, thin the middle evenly.
  const keep = new Set([0, entries.length - 1]);
  const stride = (entries.length - 1) / (MAX_TRANSACTION_DATA - 1);
  for (let i = 1; i < MAX_TRANSACTION_DATA - 1; i += 1) keep.add(Math.round(i * stride));
  return entries.filter((_, i) => keep.has(i)).map((e) => e.value);
}
