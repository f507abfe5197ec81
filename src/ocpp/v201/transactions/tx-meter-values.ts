/**
 * SampledDataCtrlr.TxStartedMeasurands / TxEndedMeasurands / TxEndedInterval: what the Started and Ended events carry
 * beyond the energy register of the journal's Start/Stop rows.
 * - At the start: the TxStartedMeasurands of the meter's latest sample (Transaction.Begin).
 * - During the transaction: the TxEndedMeasurands every TxEndedInterval seconds from the start (Sample.Periodic),
 *   and at the end (Transaction.End).
 * Every value is written to the journal's key-value store (namespace `ocpp201.txMeterValues`) as it is sampled, so a
 * reboot mid-transaction keeps them: the Ended the journal's recovery makes still carries what was sampled before.
 * Bounded: at most MAX_ENDED_PERIODIC Sample.Periodic entries per transaction; when full, every second one is dropped
 * and the sampling stride doubles (the whole session stays covered, more coarsely), so an Ended stays well under
 * DeviceDataCtrlr.BytesPerMessage (64 KiB) whatever the session's length.
 */
import type { Clock, TimerHandle } from '../../../clock.js';
import type { KeyValueStore } from '../../../journal/ports.js';
import type { Logger } from '../../../logger.js';
import type { ActiveSession, ChargePointPort } from '../../charge-point-port.js';
import { meterValueOf } from './meter-values.js';
import type { MeterValue, ReadingContext } from './types.js';

export const TX_METER_VALUES_NAMESPACE = 'ocpp201.txMeterValues';

/**
 * Sample.Periodic entries an Ended carries at most. One entry of every measurand this station has (11 sampled values
 * on three phases) is about 1.5 KB of JSON: 24 of them stay under 40 KB.
 */
export const MAX_ENDED_PERIODIC = 24;

/** Transactions whose values are kept at most (an Ended never answered must not keep its values forever). */
const MAX_SESSIONS = 16;

/** The register comes from the journal's Start/Stop row (meterStart / meterStop), not from a sample. */
const REGISTER = 'Energy.Active.Import.Register';

export interface TxMeterSettings {
  /** SampledDataCtrlr.TxStartedMeasurands. */
  startedMeasurands(): readonly string[];
  /** SampledDataCtrlr.TxEndedMeasurands. */
  endedMeasurands(): readonly string[];
  /** SampledDataCtrlr.TxEndedInterval, seconds (0: no periodic values); SampledDataCtrlr.Enabled false reads 0. */
  endedIntervalS(): number;
}

export interface TxMeterValuesOptions {
  readonly port: ChargePointPort;
  readonly kv: KeyValueStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: TxMeterSettings;
  readonly electrical?: { readonly phases: number; readonly nominalVoltageV: number };
  readonly tickMs?: number;
  readonly maxPeriodic?: number;
}

/** What a transaction's Started and Ended add to their registers. */
export interface TxValues {
  /** Sampled values at the start (context Transaction.Begin), without the register. */
  readonly started?: MeterValue;
  /** Sample.Periodic entries, in time order. */
  readonly periodic: readonly MeterValue[];
  /** Sampled values at the end (context Transaction.End), without the register. */
  readonly ended?: MeterValue;
}

interface SessionValues {
  started?: MeterValue;
  ended?: MeterValue;
  /** Sample index (intervals since the start) → entry. */
  periodic: Map<number, MeterValue>;
  /** Only indices divisible by this are kept (doubles each time the cap is reached). */
  stride: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const asMeterValue = (v: unknown): MeterValue | undefined =>
  isObject(v) && typeof v['timestamp'] === 'string' && Array.isArray(v['sampledValue']) ? (v as unknown as MeterValue) : undefined;

export class TxMeterValues {
  private readonly sessions = new Map<number, SessionValues>();
  /** The session seen running at the last check (its end is recorded when it is gone). */
  private tracked: { sessionId: number; startAtMs: number; lastIndex: number } | null = null;
  private timer: TimerHandle | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly options: TxMeterValuesOptions) {}

  /** Reads what the journal holds (entries it cannot read are ignored: external input). */
  async load(): Promise<void> {
    for (const [key, value] of await this.options.kv.list(TX_METER_VALUES_NAMESPACE)) {
      const [id, kind, index] = key.split(':');
      const sessionId = Number(id);
      if (!Number.isInteger(sessionId)) continue;
      const entry = this.entry(sessionId, false);
      if (kind === 'stride' && typeof value === 'number' && value >= 1) entry.stride = value;
      const mv = asMeterValue(value);
      if (!mv) continue;
      if (kind === 'start') entry.started = mv;
      else if (kind === 'end') entry.ended = mv;
      else if (kind === 'p' && Number.isInteger(Number(index))) entry.periodic.set(Number(index), mv);
    }
    for (const entry of this.sessions.values()) entry.periodic = new Map([...entry.periodic].sort((a, b) => a[0] - b[0]));
  }

  start(): void {
    if (this.timer) return;
    this.timer = this.options.clock.setInterval(() => this.check(), this.options.tickMs ?? 1000);
    // A stop changes the connector's status: its end values are taken at once, not at the next tick.
    this.unsubscribe = this.options.port.onStatusChange((connectorId) => {
      if (connectorId === 1) this.check();
    });
    this.check();
  }

  stop(): void {
    if (this.timer) this.options.clock.clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Follows the running session: its start values, its periodic ones, and its end values once it is gone. */
  check(): void {
    const session = this.running();
    if (this.tracked && this.tracked.sessionId !== session?.sessionId) {
      this.recordEnd(this.tracked.sessionId);
      this.tracked = null;
    }
    if (!session) return;
    if (!this.tracked) {
      this.tracked = { sessionId: session.sessionId, startAtMs: session.startAtMs, lastIndex: 0 };
      this.recordStart(session.sessionId);
    }
    const intervalMs = this.options.settings.endedIntervalS() * 1000;
    if (intervalMs <= 0) return;
    const index = Math.floor((this.options.clock.nowMs() - this.tracked.startAtMs) / intervalMs);
    if (index <= this.tracked.lastIndex) return;
    this.tracked.lastIndex = index;
    this.recordPeriodic(session.sessionId, index);
  }

  /**
   * The values of a session for its Started / Ended, as the journal has them. A session just started or just stopped
   * whose values the next check would take gets them now (the event may leave before that check).
   */
  valuesOf(sessionId: number): TxValues {
    this.check();
    const entry = this.sessions.get(sessionId);
    if (!entry) return { periodic: [] };
    return {
      ...(entry.started ? { started: entry.started } : {}),
      periodic: [...entry.periodic.values()],
      ...(entry.ended ? { ended: entry.ended } : {}),
    };
  }

  /** The CSMS has the transaction's Ended: its values are no longer needed. */
  forget(sessionId: number): void {
    const entry = this.sessions.get(sessionId);
    if (!entry) return;
    this.sessions.delete(sessionId);
    for (const key of this.keysOf(sessionId, entry)) this.write(key, undefined);
  }

  private running(): ActiveSession | null {
    const session = this.options.port.activeSession();
    // A session still committing has no id yet: it is followed once the journal gave it one.
    return session && session.sessionId >= 0 ? session : null;
  }

  /** A session's values (made when new; then the oldest sessions beyond MAX_SESSIONS go, unless loading). */
  private entry(sessionId: number, evict = true): SessionValues {
    let entry = this.sessions.get(sessionId);
    if (!entry) {
      entry = { periodic: new Map(), stride: 1 };
      this.sessions.set(sessionId, entry);
      while (evict && this.sessions.size > MAX_SESSIONS) {
        const oldest = Math.min(...this.sessions.keys());
        if (oldest === sessionId) break;
        this.forget(oldest);
      }
    }
    return entry;
  }

  private sampled(measurands: readonly string[], context: ReadingContext): MeterValue | undefined {
    const wanted = measurands.filter((m) => m !== REGISTER);
    return this.sample(wanted, context);
  }

  private sample(measurands: readonly string[], context: ReadingContext): MeterValue | undefined {
    const sample = this.options.port.latestSample();
    if (!sample || measurands.length === 0) return undefined;
    const offeredA = this.options.port.offeredCurrentA?.();
    const electrical = this.options.electrical ?? { phases: 3, nominalVoltageV: 230 };
    const offered = offeredA === undefined ? undefined : { currentA: offeredA, powerW: offeredA * electrical.nominalVoltageV * electrical.phases };
    return meterValueOf(sample, measurands, context, offered) ?? undefined;
  }

  private recordStart(sessionId: number): void {
    const entry = this.entry(sessionId);
    if (entry.started) return;
    const value = this.sampled(this.options.settings.startedMeasurands(), 'Transaction.Begin');
    if (!value) return;
    entry.started = value;
    this.write(`${sessionId}:start`, value);
  }

  private recordEnd(sessionId: number): void {
    const entry = this.entry(sessionId);
    if (entry.ended) return;
    const value = this.sampled(this.options.settings.endedMeasurands(), 'Transaction.End');
    if (!value) return;
    entry.ended = value;
    this.write(`${sessionId}:end`, value);
  }

  private recordPeriodic(sessionId: number, index: number): void {
    const entry = this.entry(sessionId);
    if (index % entry.stride !== 0) return;
    // The register is a periodic value like any other here: nothing else gives it mid-transaction.
    const value = this.sample(this.options.settings.endedMeasurands(), 'Sample.Periodic');
    if (!value) return;
    entry.periodic.set(index, value);
    this.write(`${sessionId}:p:${index}`, value);
    const cap = this.options.maxPeriodic ?? MAX_ENDED_PERIODIC;
    if (entry.periodic.size <= cap) return;
    // Full: keep every second entry of the coarser grid; later samples follow that grid.
    entry.stride *= 2;
    this.write(`${sessionId}:stride`, entry.stride);
    for (const i of [...entry.periodic.keys()]) {
      if (i % entry.stride === 0) continue;
      entry.periodic.delete(i);
      this.write(`${sessionId}:p:${i}`, undefined);
    }
  }

  private keysOf(sessionId: number, entry: SessionValues): string[] {
    return [`${sessionId}:start`, `${sessionId}:end`, `${sessionId}:stride`, ...[...entry.periodic.keys()].map((i) => `${sessionId}:p:${i}`)];
  }

  private write(key: string, value: unknown): void {
    const { kv, logger } = this.options;
    const done = value === undefined ? kv.delete(TX_METER_VALUES_NAMESPACE, key) : kv.set(TX_METER_VALUES_NAMESPACE, key, value);
    done.catch((err: unknown) => logger.error({ key, error: (err as Error).message }, 'could not journal a transaction meter value'));
  }
}
