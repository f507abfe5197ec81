import type { CostBreakdown } from '../billing/cost.js';
import type { TariffHolder } from '../billing/tariff-holder.js';
import type { CompletionEstimate, SessionTimeline } from '../billing/timeline.js';
import type { ChargerController } from '../control/charger-controller.js';
import type { DisplayedCost } from '../session/billing-recorder.js';
import type { LoadFigures, LoadPoint } from '../control/load/load-control.js';
import type { StationCounts } from './metrics-data.js';

/**
 * What the status page reads of the station: a read-only view. The composition root's `Station` satisfies it; the page
 * depends on this port, never on the wiring, so nothing it does can reach the station's outputs.
 */
export interface StationView {
  readonly controller: Pick<ChargerController, 'snapshot' | 'currentOffer' | 'activeSessionId' | 'faults' | 'meterPoller'>;
  readonly tariffs: Pick<TariffHolder, 'current'>;
  sessionCost(sessionId: number): CostBreakdown | null;
  displayedCost(sessionId: number): DisplayedCost | null;
  connectedSessionId(): number | null;
  sessionTimeline(sessionId: number): SessionTimeline | null;
  userPrice(idTag: string): string | null;
  energyTargetWh(): number | null;
  estimatedCompletion(): CompletionEstimate | null;
  /** Tells the page that something changed, so it rebuilds its snapshot (the events themselves are not read). */
  onEvent(listener: () => void): () => void;
  /** Totals the station keeps since it started, for `/metrics`. */
  counters(): StationCounts;
  /** Load management (a mains meter), when the station has it. */
  readonly load?: { figures(): LoadFigures; history(): readonly LoadPoint[] } | null;
}

/** What the status page shows of the uplink (the OCPP client's status report satisfies it). */
export interface UplinkView {
  /** A websocket is open right now. */
  readonly connected: boolean;
  /** BootNotification's outcome so far (Accepted, Pending, Rejected, or not yet sent). */
  readonly registration: string;
  /** Wall time the CSMS last sent anything, or null. */
  readonly lastAnswerAtMs: number | null;
  readonly connectedSinceMs: number | null;
  /** Undelivered, non-dead outbox messages. */
  readonly outboxDepth: number;
  /** Dead letters since start. */
  readonly deadLetters: number;
}
