/**
 * Periodic MeterValues (every MeterValueSampleInterval seconds counted from the transaction start, measurands of
 * MeterValuesSampledData) and clock-aligned ones (at every multiple of ClockAlignedDataInterval since midnight UTC,
 * measurands of MeterValuesAlignedData), enqueued to the outbox so they survive an offline period in order.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { OutboxStore } from '../journal/ports.js';
import type { Logger } from '../logger.js';
import type { ChargePointPort } from './charge-point-port.js';
import type { ConfigurationKeys } from './config-keys.js';
import { meterValueFrom, type ReadingContext } from './sampled-values.js';

export interface MeterValueSchedulerOptions {
  readonly port: ChargePointPort;
  readonly outbox: OutboxStore;
  readonly keys: ConfigurationKeys;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onEnqueued: () => void;
  /** For Power.Offered: the offered current × nominal voltage × phases. */
  readonly electrical?: { readonly phases: number; readonly nominalVoltageV: number };
  /** Tick of the scheduler, ms (default 1000). */
  readonly tickMs?: number;
}

export class MeterValueScheduler {
  private timer: TimerHandle | null = null;
  private periodic: { sessionId: number; index: number } | null = null;
  private alignedIndex: number | null = null;

  constructor(private readonly options: MeterValueSchedulerOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = this.options.clock.setInterval(() => void this.tick(), this.options.tickMs ?? 1000);
  }

  stop(): void {
    if (this.timer) this.options.clock.clearInterval(this.timer);
    this.timer = null;
  }

  /** Enqueues one MeterValues now (TriggerMessage): the running session's, or a connector-level one. */
  async trigger(): Promise<boolean> {
    const session = this.options.port.activeSession();
    return this.enqueue(session?.sessionId ?? null, this.options.keys.measurands('MeterValuesSampledData'), 'Trigger');
  }

  private async tick(): Promise<void> {
    const { port, keys, clock } = this.options;
    const now = clock.nowMs();
    const session = port.activeSession();
    const sampleMs = keys.int('MeterValueSampleInterval') * 1000;
    if (session && sampleMs > 0) {
      const index = Math.floor((now - session.startAtMs) / sampleMs);
      if (this.periodic?.sessionId !== session.sessionId) this.periodic = { sessionId: session.sessionId, index: 0 };
      if (index > this.periodic.index) {
        this.periodic.index = index;
        await this.enqueue(session.sessionId, keys.measurands('MeterValuesSampledData'), 'Sample.Periodic');
      }
    } else {
      this.periodic = null;
    }
    const alignedMs = keys.int('ClockAlignedDataInterval') * 1000;
    if (alignedMs > 0) {
      const index = Math.floor(now / alignedMs);
      if (this.alignedIndex === null) this.alignedIndex = index;
      else if (index > this.alignedIndex) {
        this.alignedIndex = index;
        await this.enqueue(session?.sessionId ?? null, keys.measurands('MeterValuesAlignedData'), 'Sample.Clock');
      }
    } else {
      this.alignedIndex = null;
    }
  }

  private async enqueue(sessionId: number | null, measurands: readonly string[], context: ReadingContext): Promise<boolean> {
    const sample = this.options.port.latestSample();
    if (!sample || measurands.length === 0) return false;
    const offeredA = this.options.port.offeredCurrentA?.();
    const electrical = this.options.electrical ?? { phases: 3, nominalVoltageV: 230 };
    const offered = offeredA === undefined ? undefined : { currentA: offeredA, powerW: offeredA * electrical.nominalVoltageV * electrical.phases };
    const meterValue = meterValueFrom(sample, measurands, context, offered);
    if (meterValue.sampledValue.length === 0) return false;
    try {
      await this.options.outbox.enqueue('MeterValues', sessionId, { connectorId: 1, meterValue: [meterValue] });
      this.options.onEnqueued();
      return true;
    } catch (err) {
      this.options.logger.error({ error: (err as Error).message }, 'could not journal MeterValues');
      return false;
    }
  }
}
