import type { EventRow, SampleRow, SessionRow } from '../../src/journal/ports.js';

const MINUTE = 60_000;

/** A journaled session: plug-in, authorize, 2 h of 11 kW charging sampled every minute, completion, stop, unplug. */
export function journaledSession(
  id: number,
  startAtMs: number,
  overrides: Partial<SessionRow> = {},
  options: { readonly chargeMinutes?: number; readonly powerW?: number; readonly signed?: boolean } = {},
): { session: SessionRow; samples: SampleRow[]; events: EventRow[] } {
  const chargeMinutes = options.chargeMinutes ?? 120;
  const powerW = options.powerW ?? 11_000;
  const meterStartWh = 1_000_000 + id * 100_000;
  const samples: SampleRow[] = [];
  for (let m = 1; m <= chargeMinutes; m += 1) {
    samples.push({
      sessionId: id,
      atMs: startAtMs + m * MINUTE,
      importWh: meterStartWh + Math.floor((powerW * m) / 60),
      totalPowerW: powerW,
      currentsA: [16, 16, 16],
      voltagesV: [230, 230, 230],
      signedRecord: options.signed ? `OCMF|{"RD":[{"RV":${meterStartWh + Math.floor((powerW * m) / 60)}}]}|{"SD":"3045${m}"}` : null,
    });
  }
  const completedAtMs = startAtMs + chargeMinutes * MINUTE;
  const stopAtMs = completedAtMs + 20 * MINUTE;
  const meterStopWh = meterStartWh + Math.floor((powerW * chargeMinutes) / 60);
  const events: EventRow[] = [
    { sessionId: id, kind: 'plugged-in', atMs: startAtMs - 2 * MINUTE, detail: null },
    { sessionId: id, kind: 'authorized', atMs: startAtMs - MINUTE, detail: { idTag: 'x' } },
    { sessionId: id, kind: 'energy-flow-started', atMs: startAtMs, detail: null },
    { sessionId: id, kind: 'charging-completed', atMs: completedAtMs, detail: null },
    { sessionId: id, kind: 'stopped', atMs: stopAtMs, detail: { reason: 'Local' } },
    { sessionId: id, kind: 'unplugged', atMs: stopAtMs + 10 * MINUTE, detail: null },
  ];
  const session: SessionRow = {
    id,
    connectorId: 1,
    idTag: 'DE8ACC1234',
    plugInAtMs: startAtMs - 2 * MINUTE,
    authorizedAtMs: startAtMs - MINUTE,
    startAtMs,
    stopAtMs,
    unplugAtMs: stopAtMs + 10 * MINUTE,
    meterStartWh,
    meterStopWh,
    stopReason: 'Local',
    csmsTransactionId: 7000 + id,
    cost: null,
    clockTrusted: true,
    ...overrides,
  };
  return { session, samples, events };
}
