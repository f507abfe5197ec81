/**
 * The Updated events of a running transaction that the station's own facts cause, queued to the journal's outbox
 * (kind TransactionEvent) at the moment they happen so they leave in order, offline or not:
 * - ChargingStateChanged when the connector's state moves between Charging, SuspendedEV, SuspendedEVSE and EVConnected;
 * - E10 (TxCtrlr.StopTxOnEVSideDisconnect false): EVCommunicationLost with chargingState Idle when the EV leaves a
 *   transaction the station keeps, CablePluggedIn with EVConnected when an EV comes back to it (as OCTT TC_E_26);
 * - J02 sampled meter values every SampledDataCtrlr.TxUpdatedInterval seconds from the transaction start
 *   (MeterValuePeriodic, TxUpdatedMeasurands);
 * - J01 clock-aligned meter values at every multiple of AlignedDataCtrlr.Interval since midnight UTC: inside a
 *   transaction an Updated with MeterValueClock, outside one a MeterValuesRequest (AlignedDataCtrlr.Measurands);
 * - F06 TriggerMessage(TransactionEvent / MeterValues): one of each now.
 */
import type { Clock, TimerHandle } from '../../../clock.js';
import type { OutboxStore } from '../../../journal/ports.js';
import type { Logger } from '../../../logger.js';
import type { ChargePointPort, ChargePointStatus } from '../../charge-point-port.js';
import { meterValueOf } from './meter-values.js';
import type { UpdatedFacts } from './transaction-event.js';
import type { ChargingState, ReadingContext, TriggerReason } from './types.js';

/** SampledDataCtrlr / AlignedDataCtrlr as the device model holds them; read at every tick (a SetVariables applies at once). */
export interface MeterValueSettings {
  /** SampledDataCtrlr.TxUpdatedInterval, seconds (0: none). */
  sampledIntervalS(): number;
  /** SampledDataCtrlr.TxUpdatedMeasurands. */
  sampledMeasurands(): readonly string[];
  /** AlignedDataCtrlr.Interval, seconds (0: none). */
  alignedIntervalS(): number;
  /** AlignedDataCtrlr.Measurands. */
  alignedMeasurands(): readonly string[];
}

export interface SessionUpdatesOptions {
  readonly port: ChargePointPort;
  readonly outbox: OutboxStore;
  readonly settings: MeterValueSettings;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Wakes the outbox sender. */
  readonly onEnqueued: () => void;
  readonly evseId?: number;
  readonly electrical?: { readonly phases: number; readonly nominalVoltageV: number };
  readonly tickMs?: number;
  /** E10: the EV left a kept transaction (true) or came back (false), for its Ended (journaled session facts). */
  readonly onEvAway?: (sessionId: number, away: boolean) => void;
}

/** The 2.0.1 charging state of a 1.6 connector status, while a transaction runs (null: not a charging state). */
export function chargingStateOf(status: ChargePointStatus): ChargingState | null {
  switch (status) {
    case 'Charging':
      return 'Charging';
    case 'SuspendedEV':
      return 'SuspendedEV';
    case 'SuspendedEVSE':
      return 'SuspendedEVSE';
    case 'Preparing':
    case 'Finishing':
      return 'EVConnected';
    case 'Available':
      return 'Idle';
    default:
      return null;
  }
}

export class SessionUpdates {
  private timer: TimerHandle | null = null;
  private unsubscribe: (() => void) | null = null;
  private unsubscribeEv: (() => void) | null = null;
  private periodic: { sessionId: number; index: number } | null = null;
  private alignedIndex: number | null = null;
  /** The charging state last reported per session (Started says EVConnected). */
  private reported: { sessionId: number; state: ChargingState } | null = null;

  constructor(private readonly options: SessionUpdatesOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = this.options.clock.setInterval(() => void this.tick(), this.options.tickMs ?? 1000);
    this.unsubscribe = this.options.port.onStatusChange((connectorId, status) => {
      if (connectorId === 1) void this.statusChanged(status.status);
    });
    this.unsubscribeEv = this.options.port.onKeptSessionEv?.((connected) => void this.evSideChanged(connected)) ?? null;
  }

  stop(): void {
    if (this.timer) this.options.clock.clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.unsubscribeEv?.();
    this.unsubscribeEv = null;
  }

  /** F06 TriggerMessage(TransactionEvent): an Updated with trigger Trigger and the sampled measurands; false without a transaction. */
  async triggerTransactionEvent(): Promise<boolean> {
    const session = this.options.port.activeSession();
    if (!session) return false;
    const away = this.reported?.sessionId === session.sessionId && this.reported.state === 'Idle';
    const state = away ? 'Idle' : chargingStateOf(this.options.port.connectorStatus(1).status);
    return this.enqueueUpdated(session.sessionId, 'Trigger', this.meterValues(this.options.settings.sampledMeasurands(), 'Trigger'), state ?? undefined);
  }

  /** F06 TriggerMessage(MeterValues): a MeterValuesRequest with the aligned measurands; false without a reading. */
  async triggerMeterValues(): Promise<boolean> {
    const meterValue = this.meterValues(this.options.settings.alignedMeasurands(), 'Trigger');
    if (!meterValue) return false;
    return this.enqueue('MeterValues', null, { evseId: this.options.evseId ?? 1, meterValue });
  }

  private async statusChanged(status: ChargePointStatus): Promise<void> {
    const session = this.options.port.activeSession();
    const state = chargingStateOf(status);
    if (!session || state === null || state === 'Idle') return;
    const last = this.reported?.sessionId === session.sessionId ? this.reported.state : 'EVConnected';
    // The EV left a kept transaction (Idle reported): the connector's status says nothing of an EV until it is back.
    if (state === last || last === 'Idle') return;
    this.reported = { sessionId: session.sessionId, state };
    await this.enqueueUpdated(session.sessionId, 'ChargingStateChanged', undefined, state);
  }

  /** E10: the EV left a transaction the station keeps (false), or an EV came back to it (true). */
  private async evSideChanged(connected: boolean): Promise<void> {
    const session = this.options.port.activeSession();
    if (!session) return;
    const state: ChargingState = connected ? 'EVConnected' : 'Idle';
    this.reported = { sessionId: session.sessionId, state };
    this.options.onEvAway?.(session.sessionId, !connected);
    await this.enqueueUpdated(session.sessionId, connected ? 'CablePluggedIn' : 'EVCommunicationLost', undefined, state);
  }

  private async tick(): Promise<void> {
    const { port, settings, clock } = this.options;
    const now = clock.nowMs();
    const session = port.activeSession();
    const sampleMs = settings.sampledIntervalS() * 1000;
    if (session && sampleMs > 0) {
      const index = Math.floor((now - session.startAtMs) / sampleMs);
      if (this.periodic?.sessionId !== session.sessionId) this.periodic = { sessionId: session.sessionId, index: 0 };
      if (index > this.periodic.index) {
        this.periodic.index = index;
        const meterValue = this.meterValues(settings.sampledMeasurands(), 'Sample.Periodic');
        if (meterValue) await this.enqueueUpdated(session.sessionId, 'MeterValuePeriodic', meterValue);
      }
    } else {
      this.periodic = null;
    }
    const alignedMs = settings.alignedIntervalS() * 1000;
    if (alignedMs > 0) {
      const index = Math.floor(now / alignedMs);
      if (this.alignedIndex === null) this.alignedIndex = index;
      else if (index > this.alignedIndex) {
        this.alignedIndex = index;
        const meterValue = this.meterValues(settings.alignedMeasurands(), 'Sample.Clock');
        if (meterValue && session) await this.enqueueUpdated(session.sessionId, 'MeterValueClock', meterValue);
        else if (meterValue) await this.enqueue('MeterValues', null, { evseId: this.options.evseId ?? 1, meterValue });
      }
    } else {
      this.alignedIndex = null;
    }
  }

  private meterValues(measurands: readonly string[], context: ReadingContext): UpdatedFacts['meterValue'] | null {
    const sample = this.options.port.latestSample();
    if (!sample || measurands.length === 0) return null;
    const offeredA = this.options.port.offeredCurrentA?.();
    const electrical = this.options.electrical ?? { phases: 3, nominalVoltageV: 230 };
    const offered = offeredA === undefined ? undefined : { currentA: offeredA, powerW: offeredA * electrical.nominalVoltageV * electrical.phases };
    const value = meterValueOf(sample, measurands, context, offered);
    return value ? [value] : null;
  }

  private enqueueUpdated(
    sessionId: number,
    triggerReason: TriggerReason,
    meterValue?: UpdatedFacts['meterValue'] | null,
    chargingState?: ChargingState,
  ): Promise<boolean> {
    const facts: UpdatedFacts = {
      timestamp: new Date(this.options.clock.nowMs()).toISOString(),
      triggerReason,
      ...(chargingState !== undefined ? { chargingState } : {}),
      ...(meterValue ? { meterValue } : {}),
    };
    return this.enqueue('TransactionEvent', sessionId, facts as unknown as Record<string, unknown>);
  }

  private async enqueue(kind: 'TransactionEvent' | 'MeterValues', sessionId: number | null, payload: Record<string, unknown>): Promise<boolean> {
    try {
      await this.options.outbox.enqueue(kind, sessionId, payload);
      this.options.onEnqueued();
      return true;
    } catch (err) {
      // The session may have stopped between the check and the commit: its Ended is queued, nothing may follow it.
      this.options.logger.warn({ kind, sessionId, error: (err as Error).message }, 'could not journal a 2.0.1 update');
      return false;
    }
  }
}
