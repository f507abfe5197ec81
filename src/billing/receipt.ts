import type { EventRow, JournalReader, SampleRow, SessionRow } from '../journal/ports.js';
import type { StopReason } from '../session/recorder.js';
import { computeCost, costSessionFromJournal, type CostBreakdown } from './cost.js';
import { formatMinor } from './decimal.js';
import { stationZoneOfSession, storedFinalBreakdown } from './stored-cost.js';
import { tariffSchema, type Tariff } from './tariff-schema.js';
import { buildTimeline } from './timeline.js';
import { formatWallTime } from './wall-clock.js';

/** An instant on a receipt: UTC for machines, the station's wall clock for people. */
export interface ReceiptTime {
  readonly utc: string;
  readonly local: string;
}

/** One priced line of a receipt. */
export interface ReceiptLine {
  readonly label: string;
  readonly detail: string;
  readonly amountMinor: number;
  readonly amount: string;
}

/**
 * Where a receipt's amounts come from. `stored`: the final breakdown stored with the session when its bill closed,
 * printed as it is (tariff, zones, lines, total), whatever config the printer has. `recomputed`: no final breakdown
 * was stored (the session runs, its bill is still open, or it predates stored breakdowns), so the journal was priced
 * again now, with the tariff and station zone stored with the session where there are any, else the config's.
 */
export interface ReceiptBasis {
  readonly source: 'stored' | 'recomputed';
  /** When the amounts were computed (the stored breakdown's time, or now). */
  readonly computedAtMs: number;
  readonly tariffFrom: 'session' | 'config';
  readonly zoneFrom: 'session' | 'config';
}

/** A stop-class fault pause on a receipt: not billed as charging or idle time. */
export interface ReceiptPause {
  readonly faults: readonly string[];
  readonly from: ReceiptTime;
  readonly to: ReceiptTime;
  readonly ms: number;
}

/** A session's receipt (JSON form). Built only from the journal, so it can be reissued at any time. */
export interface Receipt {
  readonly version: 1;
  readonly sessionId: number;
  readonly connectorId: number;
  readonly stationId: string | null;
  readonly csmsTransactionId: number | null;
  /** Only the last four characters are shown. */
  readonly idTag: string | null;
  /** The station's zone: every date and time on the receipt is shown in it (src/billing/README.md, "one zone"). */
  readonly timeZone: string;
  /** The zone of the tariff's bands, which only chose each instant's price band. */
  readonly tariffTimeZone: string;
  readonly basis: ReceiptBasis;
  readonly times: {
    readonly pluggedIn: ReceiptTime | null;
    readonly authorized: ReceiptTime | null;
    readonly started: ReceiptTime;
    readonly stopped: ReceiptTime | null;
    readonly unplugged: ReceiptTime | null;
  };
  readonly stopReason: StopReason | null;
  /** False when the times were stamped before the clock was set from the CSMS or NTP. */
  readonly clockTrusted: boolean;
  /** Charging and idle as billed (fault pauses excluded), the pauses' sum. */
  readonly durations: { readonly connectedMs: number; readonly chargingMs: number; readonly idleMs: number; readonly pausedMs: number };
  readonly pauses: readonly ReceiptPause[];
  readonly meter: { readonly startWh: number; readonly stopWh: number | null; readonly energyWh: number };
  readonly currency: string;
  readonly lines: readonly ReceiptLine[];
  readonly net: string;
  readonly tax: string;
  readonly total: string;
  readonly totalMinor: number;
  /** False while the session is still running. */
  readonly final: boolean;
  readonly tariff: Tariff;
  readonly rounding: string;
  /** The meter's signed record of the last reading (OCMF …), passed through unchanged, when the meter signs. */
  readonly signedMeterRecord: string | null;
  readonly cost: CostBreakdown;
}

/** "****1234": enough to recognise one's card, not enough to copy it. */
export function maskIdTag(idTag: string | null): string | null {
  if (idTag === null) return null;
  return idTag.length <= 4 ? '****' : `****${idTag.slice(-4)}`;
}

/**
 * The tariff a session was billed under: the one stored with its cost breakdown, when the journal has a valid one,
 * otherwise `fallback` (the tariff in force).
 */
export function tariffOfSession(session: SessionRow, fallback: Tariff): Tariff {
  const stored = session.cost;
  if (stored !== null && typeof stored === 'object' && 'tariff' in stored) {
    const parsed = tariffSchema.safeParse(stored.tariff);
    if (parsed.success) return parsed.data;
  }
  return fallback;
}

/** Inputs of a receipt beyond the journal rows. */
export interface ReceiptOptions {
  /** Used when the journal has no stored tariff for the session. */
  readonly tariff: Tariff;
  readonly stationTimeZone: string;
  readonly stationId?: string | null;
  readonly nowMs: number;
}

/** Reads a session's rows from the journal and builds its receipt; null when the journal has no such session. */
export async function receiptFromJournal(reader: JournalReader, sessionId: number, options: ReceiptOptions): Promise<Receipt | null> {
  const session = await reader.session(sessionId);
  if (session === null) return null;
  const [samples, events] = await Promise.all([reader.samples(sessionId), reader.events(sessionId)]);
  return buildReceipt(session, samples, events, options);
}

/**
 * Builds a session's receipt from its journal rows. A session whose final breakdown is stored is printed from it
 * (what was billed); otherwise the cost is recomputed in the station zone and with the tariff stored with the
 * session (from `options` only when the journal has none). `basis` says which happened.
 */
export function buildReceipt(
  session: SessionRow,
  samples: readonly SampleRow[],
  events: readonly EventRow[],
  options: ReceiptOptions,
): Receipt {
  const stored = storedFinalBreakdown(session);
  let cost: CostBreakdown;
  let basis: ReceiptBasis;
  let zone: string;
  if (stored !== null) {
    cost = stored;
    zone = stored.stationTimeZone ?? stored.timeZone;
    basis = { source: 'stored', computedAtMs: stored.computedAtMs, tariffFrom: 'session', zoneFrom: 'session' };
  } else {
    const tariff = tariffOfSession(session, options.tariff);
    const zoneOfSession = stationZoneOfSession(session, options.stationTimeZone);
    zone = zoneOfSession.zone;
    cost = computeCost(tariff, costSessionFromJournal(session, samples, events), options.nowMs, zone);
    basis = {
      source: 'recomputed',
      computedAtMs: options.nowMs,
      tariffFrom: tariff === options.tariff ? 'config' : 'session',
      zoneFrom: zoneOfSession.stored ? 'session' : 'config',
    };
  }
  const timeline = buildTimeline(session, events, options.nowMs);
  const time = (ms: number | null): ReceiptTime | null =>
    ms === null ? null : { utc: new Date(ms).toISOString(), local: formatWallTime(zone, ms) };
  const at = (ms: number): ReceiptTime => ({ utc: new Date(ms).toISOString(), local: formatWallTime(zone, ms) });
  const money = (minor: number): string => formatMinor(minor, cost.minorUnits);
  const ownSamples = samples.filter((s) => s.sessionId === null || s.sessionId === session.id).sort((a, b) => a.atMs - b.atMs);
  const lastSample = ownSamples[ownSamples.length - 1];
  const pauses = (cost.pauses ?? []).map((p) => ({ faults: p.faults, from: at(p.fromMs), to: at(p.toMs), ms: p.ms }));

  return {
    version: 1,
    sessionId: session.id,
    connectorId: session.connectorId,
    stationId: options.stationId ?? null,
    csmsTransactionId: session.csmsTransactionId,
    idTag: maskIdTag(session.idTag),
    timeZone: zone,
    tariffTimeZone: cost.timeZone,
    basis,
    times: {
      pluggedIn: time(timeline.pluggedInAtMs),
      authorized: time(timeline.authorizedAtMs),
      started: at(session.startAtMs),
      stopped: time(session.stopAtMs),
      unplugged: time(timeline.unpluggedAtMs),
    },
    stopReason: session.stopReason,
    clockTrusted: session.clockTrusted,
    durations: {
      connectedMs: timeline.connectedMs,
      chargingMs: cost.time.chargingMs,
      idleMs: cost.idle.idleMs,
      pausedMs: pauses.reduce((sum, p) => sum + p.ms, 0),
    },
    pauses,
    meter: { startWh: session.meterStartWh, stopWh: session.meterStopWh, energyWh: cost.energyWh },
    currency: cost.currency,
    lines: receiptLines(cost, zone).map((line) => ({ ...line, amount: money(line.amountMinor) })),
    net: money(cost.netMinor),
    tax: money(cost.taxMinor),
    total: money(cost.totalMinor),
    totalMinor: cost.totalMinor,
    final: cost.final,
    tariff: cost.tariff,
    rounding: cost.rounding,
    signedMeterRecord: lastSample?.signedRecord ?? null,
    cost,
  };
}

function receiptLines(cost: CostBreakdown, zone: string): Omit<ReceiptLine, 'amount'>[] {
  const lines: Omit<ReceiptLine, 'amount'>[] = cost.energy.map((segment) => ({
    label: `Energy ${segment.band}`,
    detail:
      `${formatKwh(segment.wh)} kWh × ${segment.pricePerKwh}/kWh, ` +
      `${formatWallTime(zone, segment.fromMs).slice(0, 16)}–${formatWallTime(zone, segment.toMs).slice(11, 16)}` +
      (segment.interpolated ? ' (interpolated)' : ''),
    amountMinor: segment.amountMinor,
  }));
  if (cost.time.pricePerHour !== '0' || cost.time.amountMinor !== 0) {
    lines.push({
      label: 'Charging time',
      detail: `${formatDuration(cost.time.chargingMs)} × ${cost.time.pricePerHour}/h${pausedNote(cost)}`,
      amountMinor: cost.time.amountMinor,
    });
  }
  if (cost.idle.pricePerMinute !== '0' || cost.idle.amountMinor !== 0) {
    lines.push({
      label: 'Idle fee',
      detail: `${formatDuration(cost.idle.billableMs)} after ${formatDuration(cost.idle.graceMs)} grace × ${cost.idle.pricePerMinute}/min${pausedNote(cost)}`,
      amountMinor: cost.idle.amountMinor,
    });
  }
  if (cost.flatFeeMinor !== 0) lines.push({ label: 'Session fee', detail: '', amountMinor: cost.flatFeeMinor });
  if (cost.cap.applied !== null) {
    lines.push({
      label: cost.cap.applied === 'min' ? 'Minimum price' : 'Maximum price',
      detail: cost.cap.applied === 'min' ? `raised to ${cost.tariff.minPrice}` : `capped at ${cost.tariff.maxPrice ?? ''}`,
      amountMinor: cost.cap.adjustmentMinor,
    });
  }
  return lines;
}

/** ", fault pauses of 2 min 30 s not billed" when the session had any. */
function pausedNote(cost: CostBreakdown): string {
  const pausedMs = (cost.pauses ?? []).reduce((sum, p) => sum + p.ms, 0);
  return pausedMs > 0 ? ` (${formatDuration(pausedMs)} paused, not billed)` : '';
}

/** The receipt as readable text (UTF-8, fixed-width friendly). */
export function renderReceiptText(receipt: Receipt): string {
  const out: string[] = [];
  const row = (label: string, value: string): void => {
    out.push(`${label.padEnd(14)}${value}`);
  };
  out.push(`Charging receipt — session ${receipt.sessionId}${receipt.final ? '' : ' (RUNNING, not final)'}`);
  if (receipt.stationId !== null) row('Station', `${receipt.stationId}, connector ${receipt.connectorId}`);
  else row('Connector', String(receipt.connectorId));
  if (receipt.csmsTransactionId !== null) row('Transaction', String(receipt.csmsTransactionId));
  row('Id tag', receipt.idTag ?? '(free vend)');
  const times = receipt.times;
  if (times.pluggedIn) row('Plugged in', times.pluggedIn.local);
  if (times.authorized) row('Authorized', times.authorized.local);
  row('Started', times.started.local);
  if (times.stopped) row('Stopped', `${times.stopped.local}${receipt.stopReason ? ` (${receipt.stopReason})` : ''}`);
  if (times.unplugged) row('Unplugged', times.unplugged.local);
  if (!receipt.clockTrusted) out.push('              Note: times stamped before the clock was synchronised.');
  row(
    'Durations',
    `connected ${formatDuration(receipt.durations.connectedMs)}, charging ${formatDuration(receipt.durations.chargingMs)}, ` +
      `idle ${formatDuration(receipt.durations.idleMs)}` +
      (receipt.durations.pausedMs > 0 ? `, paused ${formatDuration(receipt.durations.pausedMs)}` : ''),
  );
  for (const pause of receipt.pauses) {
    row(
      'Paused',
      `${pause.from.local}–${pause.to.local.slice(11, 19)} ${formatDuration(pause.ms)} (${pause.faults.join(', ')}): not billed`,
    );
  }
  row('Meter start', `${receipt.meter.startWh} Wh`);
  row('Meter stop', receipt.meter.stopWh === null ? '(running)' : `${receipt.meter.stopWh} Wh`);
  row('Energy', `${formatKwh(receipt.meter.energyWh)} kWh`);
  row(
    'Tariff',
    `${receipt.tariff.id} (${receipt.currency}, bands in ${receipt.tariffTimeZone}, prices net of ${receipt.tariff.taxRatePercent} % tax)`,
  );
  row('Times', `in ${receipt.timeZone}, the station's zone`);
  row('Amounts', describeBasis(receipt.basis));
  out.push('');
  const amountWidth = Math.max(...[receipt.total, receipt.net, ...receipt.lines.map((l) => l.amount)].map((a) => a.length));
  const line = (label: string, detail: string, amount: string): void => {
    out.push(`  ${label.padEnd(22)}${detail.padEnd(52)}${amount.padStart(amountWidth)} ${receipt.currency}`);
  };
  for (const l of receipt.lines) line(l.label, l.detail, l.amount);
  line('Net', '', receipt.net);
  line(`Tax ${receipt.tariff.taxRatePercent} %`, '', receipt.tax);
  line('TOTAL', '', receipt.total);
  out.push('');
  out.push(`Rounding: ${receipt.rounding}.`);
  if (receipt.signedMeterRecord !== null) {
    out.push('Signed meter record (verify with the meter vendor’s transparency software):');
    out.push(receipt.signedMeterRecord);
  }
  return `${out.join('\n')}\n`;
}

/** Says where the amounts come from, in words. */
function describeBasis(basis: ReceiptBasis): string {
  const at = new Date(basis.computedAtMs).toISOString();
  if (basis.source === 'stored') return `as billed: the final breakdown stored with the session (computed ${at})`;
  return (
    `recomputed from the journal at ${at} (no final breakdown stored), ` +
    `tariff ${basis.tariffFrom === 'session' ? 'stored with the session' : 'of the current config'}, ` +
    `zone ${basis.zoneFrom === 'session' ? 'stored with the session' : 'of the current config'}`
  );
}

/**
 * "1 h 05 min 03 s", "9 min 47 s", "12 min", "45 s". To the second, half-up, as the amounts are computed (exact to
 * the millisecond, rounded once half-up): a line never shows whole minutes for a time it billed with its seconds.
 */
export function formatDuration(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 60) return `${totalSeconds} s`;
  const seconds = totalSeconds % 60;
  const secondsText = seconds === 0 ? '' : ` ${String(seconds).padStart(2, '0')} s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes < 60) return `${totalMinutes} min${secondsText}`;
  return `${Math.floor(totalMinutes / 60)} h ${String(totalMinutes % 60).padStart(2, '0')} min${secondsText}`;
}

/** Whole Wh as kWh with three decimals, without floats: 28001 → "28.001". */
export function formatKwh(wh: number): string {
  return formatMinor(wh, 3);
}
