import type { CostBreakdown } from '../billing/cost.js';
import type { DefaultPrice } from '../billing/costmsg.js';
import { formatMoney } from '../billing/decimal.js';
import { displayPrice, priceNow, type PriceNow } from '../billing/price-now.js';
import { maskIdTag } from '../billing/receipt.js';
import { formatMinute } from '../billing/tariff-schema.js';
import { wallTimeAt } from '../billing/wall-clock.js';
import type { Clock } from '../clock.js';
import type { StationConfig } from '../config/schema.js';
import type { ChargePointStatus, StopReason } from '../control/charger-fsm.js';
import type { FaultSeverity } from '../control/faults.js';
import type { LimitSource } from '../control/power-limit.js';
import type { LimitWords } from '../control/limit-words.js';
import type { JournalFigures } from './metrics-data.js';
import type { StationView, UplinkView } from './sources.js';
import { driverGuidance, type Guidance } from './driver-guidance.js';

/** What the status view reads; all of it is read-only use. */
export interface StatusSources {
  readonly station: StationView;
  readonly config: StationConfig;
  readonly clock: Clock;
  /** The uplink's report, when a CSMS is configured (null while it is being set up). */
  readonly uplinkStatus?: () => Promise<UplinkView | null>;
  /** The CSMS's DefaultPrice key (costmsg), when it set one. */
  readonly csmsDefaultPrice?: () => DefaultPrice | null;
  /** The journal's alert counts and size, for `/metrics` (absent: the station keeps no journal). */
  readonly journalFigures?: () => Promise<JournalFigures>;
}

/** A money amount as integer minor units and as text ("3.45 EUR"). */
export interface Money {
  readonly minor: number;
  readonly text: string;
}

export interface CostView {
  /** What the driver is shown: the CSMS's figure once it sent one (costmsg), else the local one. */
  readonly total: Money;
  readonly source: 'csms' | 'local';
  /** ISO 4217 code and its minor units, so the page writes each amount in the driver's language ("3,45 €"). */
  readonly currency: string;
  readonly minorUnits: number;
  readonly priceText: string | null;
  /** The local breakdown (net components, tax): always computed here, offline too. */
  readonly breakdown: {
    readonly energy: Money;
    readonly chargingTime: Money;
    readonly idle: Money;
    readonly flatFee: Money;
    readonly capAdjustment: Money;
    readonly tax: Money;
    readonly localTotal: Money;
  };
  readonly final: boolean;
}

export interface SessionView {
  readonly id: number;
  readonly idTag: string | null;
  readonly pluggedInAt: string;
  readonly authorizedAt: string | null;
  readonly energyFlowStartedAt: string | null;
  readonly chargingCompletedAt: string | null;
  readonly stoppedAt: string | null;
  readonly stopReason: StopReason | null;
  readonly energyWh: number;
  readonly connectedMs: number;
  readonly chargingMs: number;
  readonly idleMs: number;
  /** Stop-class fault pauses so far: neither charging nor idle, and not billed. */
  readonly pausedMs: number;
  readonly cost: CostView | null;
  /** When the idle fee starts (or started) to run, if this tariff has one and charging has completed. */
  readonly idleFeeFrom: string | null;
  readonly energyTargetWh: number | null;
  readonly estimatedCompletion: { readonly at: string; readonly basis: 'energy-target' | 'power-trend' } | null;
  /** False when the times were stamped before the clock was set (they may be off). */
  readonly clockTrusted: boolean;
}

export interface FaultView {
  readonly name: string;
  readonly severity: FaultSeverity;
  readonly raisedAt: string;
  readonly driverMessage: string;
  readonly operatorMessage: string;
  readonly ocppErrorCode: string;
  readonly vendorErrorCode: string;
  /** How it clears: automatically, by unplugging, or only by an operator reset. */
  readonly recovery: string;
  readonly conditionPresent: boolean;
  readonly detail: string | null;
}

/** The whole status, as the JSON API serves it and the page renders it. */
export interface StationStatusView {
  readonly station: { readonly id: string; readonly timeZone: string; readonly phases: 1 | 3; readonly firmwareVersion: string };
  readonly at: string;
  readonly clockTrusted: boolean;
  readonly status: ChargePointStatus;
  readonly guidance: Guidance;
  readonly pilot: string;
  readonly contactor: 'open' | 'closed';
  readonly offer: {
    /** The least of the limits now (what would be offered). */
    readonly amps: number;
    readonly limitedBy: LimitSource;
    /** In English; `words` is the same as data, which the page says in its language. */
    readonly reason: string;
    readonly words: LimitWords;
    /** What the pilot's PWM offers the EV right now (0 without PWM). */
    readonly offeredNowA: number;
  };
  readonly meter: {
    readonly powerW: number;
    readonly importWh: number;
    readonly frequencyHz: number | null;
    readonly phases: readonly { readonly voltageV: number; readonly currentA: number; readonly powerW: number }[];
    readonly readAt: string;
  } | null;
  readonly session: SessionView | null;
  readonly price: Omit<PriceNow, 'changesAtMs'> & {
    readonly changesAt: string | null;
    /** The CSMS's price text for this driver (FinalCost, SetUserPrice) or for everyone (DefaultPrice), when it sent one. */
    readonly csmsText: string | null;
    readonly source: 'csms' | 'local';
  };
  readonly faults: readonly FaultView[];
  readonly uplink: (Omit<UplinkView, 'lastAnswerAtMs' | 'connectedSinceMs'> & {
    readonly lastAnswerAt: string | null;
    readonly connectedSince: string | null;
  }) | null;
  /** Load management (the building's fuse, PV surplus), on a station with a mains meter; else null. */
  readonly load: {
    readonly mode: string;
    readonly fuseA: number;
    /** Mains current per phase, import positive (null before the first reading). */
    readonly mainsA: readonly number[] | null;
    readonly mainsPowerW: number | null;
    readonly surplusW: number | null;
    readonly meterLost: boolean;
  } | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** "14:32" on the station's wall clock, for sentences shown to the driver. */
function localClock(timeZone: string, isoTime: string): string {
  return formatMinute(Math.floor(wallTimeAt(timeZone, Date.parse(isoTime)).msOfDay / 60_000));
}
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

function money(minor: number, cost: CostBreakdown): Money {
  return { minor, text: formatMoney(minor, cost.minorUnits, cost.currency) };
}

function describeRecovery(recovery: { readonly kind: string }): string {
  switch (recovery.kind) {
    case 'auto':
      return 'clears by itself when the condition is gone';
    case 'retry':
      return 'retried automatically a few times, then needs an operator reset';
    case 'on-unplug':
      return 'clears when the car is unplugged';
    default:
      return 'needs an operator reset';
  }
}

/** The status of the station now, for the page, the JSON API and `evse status`. */
export async function buildStatusView(sources: StatusSources): Promise<StationStatusView> {
  const { station, config, clock } = sources;
  const nowMs = clock.nowMs();
  const snapshot = station.controller.snapshot();
  const offer = station.controller.currentOffer();
  const summary = station.controller.faults.summary();
  const sample = station.controller.meterPoller.latest();
  const session = sessionView(station);
  const tariff = session?.tariff ?? station.tariffs.current();
  const price = priceNow(tariff, config.station.timeZone, nowMs);

  const idleFee =
    session?.view.idleFeeFrom !== null && session?.view.idleFeeFrom !== undefined
      ? {
          perMinute: displayPrice(price.idleFeePerMinute, price.minorUnits),
          currency: price.currency,
          from: localClock(config.station.timeZone, session.view.idleFeeFrom),
        }
      : null;
  const stopping = summary.active.find((f) => f.definition.severity === 'stop') ?? summary.reported;
  const guidance = driverGuidance({
    status: snapshot.status,
    authorized: snapshot.authorization !== null,
    freeVend: snapshot.freeVend,
    chargingCompleted: session?.view.chargingCompletedAt !== null && session?.view.chargingCompletedAt !== undefined,
    fault: stopping?.definition.name ?? null,
    limitReason: offer.reason,
    idleFee,
  });
  const uplink = sources.uplinkStatus ? await sources.uplinkStatus() : null;
  const { changesAtMs, ...priceRest } = price;
  const csmsText = csmsPriceText(sources, session?.view ?? null, snapshot.authorization?.idTag ?? null, uplink?.connected ?? false);

  const loadFigures = sources.station.load?.figures() ?? null;
  return {
    load:
      loadFigures === null
        ? null
        : {
            mode: loadFigures.mode,
            fuseA: loadFigures.fuseA,
            mainsA: loadFigures.mainsA === null ? null : [...loadFigures.mainsA],
            mainsPowerW: loadFigures.mainsPowerW,
            surplusW: loadFigures.surplusW === null ? null : Math.max(0, loadFigures.surplusW),
            meterLost: loadFigures.meterLost,
          },
    station: {
      id: config.station.id,
      timeZone: config.station.timeZone,
      phases: config.station.phases,
      firmwareVersion: config.station.firmwareVersion,
    },
    at: iso(nowMs),
    clockTrusted: clock.trusted?.() ?? true,
    status: snapshot.status,
    guidance,
    pilot: snapshot.pilot,
    contactor: snapshot.contactor,
    // Only a PWM duty offers current to the EV; steady +12 V or state F offer none.
    offer: { amps: offer.amps, limitedBy: offer.limitedBy, reason: offer.reason, words: offer.words, offeredNowA: snapshot.output.mode === 'pwm' ? snapshot.offeredA : 0 },
    meter: sample
      ? {
          powerW: sample.totalPowerW,
          importWh: sample.importWh,
          frequencyHz: sample.frequencyHz,
          phases: sample.phases.map((p) => ({ voltageV: p.voltageV, currentA: p.currentA, powerW: p.powerW })),
          readAt: iso(sample.readAtMs),
        }
      : null,
    session: session?.view ?? null,
    price: { ...priceRest, changesAt: isoOrNull(changesAtMs), csmsText, source: csmsText === null ? 'local' : 'csms' },
    faults: summary.active.map((f) => ({
      name: f.definition.name,
      severity: f.definition.severity,
      raisedAt: iso(f.raisedAtMs),
      driverMessage: f.definition.driverMessage,
      operatorMessage: f.definition.operatorMessage,
      ocppErrorCode: f.definition.ocppErrorCode,
      vendorErrorCode: f.definition.vendorErrorCode,
      recovery: describeRecovery(f.definition.recovery),
      conditionPresent: f.conditionPresent,
      detail: f.detail ?? null,
    })),
    uplink: uplink
      ? {
          connected: uplink.connected,
          registration: uplink.registration,
          outboxDepth: uplink.outboxDepth,
          deadLetters: uplink.deadLetters,
          lastAnswerAt: isoOrNull(uplink.lastAnswerAtMs),
          connectedSince: isoOrNull(uplink.connectedSinceMs),
        }
      : null,
  };
}

/**
 * What the CSMS says the driver pays, most specific first: its final price text for this session, its SetUserPrice
 * text for the card at the station, then its DefaultPrice (the offline text while the link is down, when it has one).
 */
function csmsPriceText(sources: StatusSources, session: SessionView | null, idTag: string | null, online: boolean): string | null {
  if (session?.cost?.priceText) return session.cost.priceText;
  if (idTag !== null) {
    const userPrice = sources.station.userPrice(idTag);
    if (userPrice !== null) return userPrice;
  }
  const defaultPrice = sources.csmsDefaultPrice?.() ?? null;
  if (defaultPrice === null) return null;
  return !online && defaultPrice.priceTextOffline !== undefined ? defaultPrice.priceTextOffline : defaultPrice.priceText;
}

/** The connected session (running, or stopped with the EV still plugged), with its tariff. */
function sessionView(station: StationView): { view: SessionView; tariff: CostBreakdown['tariff'] | null } | null {
  const id = station.connectedSessionId();
  if (id === null) return null;
  const timeline = station.sessionTimeline(id);
  if (timeline === null) return null;
  const cost = station.sessionCost(id);
  const shown = station.displayedCost(id);
  const estimate = station.controller.activeSessionId() === id ? station.estimatedCompletion() : null;
  const snapshot = station.controller.snapshot();
  const idTag = snapshot.authorization?.idTag ?? null;
  let idleFeeFrom: string | null = null;
  if (cost && Number(cost.idle.pricePerMinute) > 0) {
    // Idle time after the stop is only journaled at the unplug; until then it starts at the stop.
    const idleStart = timeline.idle[0]?.fromMs ?? timeline.stoppedAtMs;
    if (idleStart !== null) idleFeeFrom = iso(idleStart + cost.idle.graceMs);
  }
  const energyMinor = cost ? cost.energy.reduce((sum, s) => sum + s.amountMinor, 0) : 0;
  return {
    tariff: cost?.tariff ?? null,
    view: {
      id,
      idTag: station.controller.activeSessionId() === id ? maskIdTag(idTag) : null,
      pluggedInAt: iso(timeline.pluggedInAtMs),
      authorizedAt: isoOrNull(timeline.authorizedAtMs),
      energyFlowStartedAt: isoOrNull(timeline.energyFlowStartedAtMs),
      chargingCompletedAt: isoOrNull(timeline.chargingCompletedAtMs),
      stoppedAt: isoOrNull(timeline.stoppedAtMs),
      stopReason: timeline.stopReason,
      energyWh: cost?.energyWh ?? 0,
      connectedMs: Math.max(0, Math.round(timeline.connectedMs)),
      chargingMs: Math.max(0, Math.round(timeline.chargingMs)),
      idleMs: Math.max(0, Math.round(timeline.idleMs)),
      pausedMs: Math.max(0, Math.round(timeline.pausedMs)),
      cost:
        cost && shown
          ? {
              total: { minor: shown.totalMinor, text: shown.text },
              source: shown.source,
              currency: cost.currency,
              minorUnits: cost.minorUnits,
              priceText: shown.priceText ?? null,
              breakdown: {
                energy: money(energyMinor, cost),
                chargingTime: money(cost.time.amountMinor, cost),
                idle: money(cost.idle.amountMinor, cost),
                flatFee: money(cost.flatFeeMinor, cost),
                capAdjustment: money(cost.cap.adjustmentMinor, cost),
                tax: money(cost.taxMinor, cost),
                localTotal: money(cost.totalMinor, cost),
              },
              final: cost.final,
            }
          : null,
      idleFeeFrom,
      energyTargetWh: station.controller.activeSessionId() === id ? station.energyTargetWh() : null,
      estimatedCompletion: estimate ? { at: iso(estimate.atMs), basis: estimate.basis } : null,
      clockTrusted: timeline.end.clockTrusted,
    },
  };
}
