import type { MeterSample } from '../../hal/meter.js';
import type { Clock } from '../clock.js';
import type { ControlConfig } from './config.js';
import type { FaultRegistry } from './fault-registry.js';

/** What the monitor needs to know about the charger when a sample arrives. */
export interface SampleContext {
  /** Current the PWM offers now (0 without PWM). */
  readonly offeredA: number;
  /** The contactor was commanded open at this monotonic time, or null while it is commanded closed. */
  readonly openSinceMono: number | null;
  /** Phases wired to the connector. */
  readonly phases: 1 | 3;
}

/** Current that counts as "flowing" through an open contactor (meter noise stays below it). */
const CURRENT_WHILE_OPEN_A = 1;
/**
 * Checks each meter sample for electrical faults: soft overcurrent ((offered + 0.5 A) × factor for the configured
 * time), hard overcurrent (instant), over/under-voltage (held for the configured time) and current flowing although the
 * contactor is commanded open (welded contacts on a station without an auxiliary contact). Anomalies that need no
 * safety action (a frozen meter, implausible readings) are the monitor's (src/monitor), not this.
 */
export class SampleMonitor {
  private overSinceMono: number | null = null;
  private voltageBadSinceMono: number | null = null;

  constructor(
    private readonly config: ControlConfig,
    private readonly faults: FaultRegistry,
    private readonly clock: Clock,
  ) {}

  evaluate(sample: MeterSample, ctx: SampleContext): void {
    const now = this.clock.monotonicMs();
    const phases = sample.phases.slice(0, ctx.phases);
    const maxCurrent = Math.max(0, ...phases.map((p) => p.currentA));

    if (maxCurrent > this.config.hardOvercurrentA) {
      this.faults.raise('hard-overcurrent', `${maxCurrent.toFixed(1)} A > ${this.config.hardOvercurrentA} A`);
    } else {
      this.faults.conditionGone('hard-overcurrent');
    }

    const softLimit = (ctx.offeredA + 0.5) * this.config.softOvercurrentFactor;
    if (ctx.openSinceMono === null && maxCurrent > softLimit) {
      this.overSinceMono ??= now;
      if (now - this.overSinceMono >= this.config.softOvercurrentS * 1000) {
        this.faults.raise(
          'soft-overcurrent',
          `${maxCurrent.toFixed(1)} A for ${Math.round((now - this.overSinceMono) / 1000)} s, offered ${ctx.offeredA} A`,
        );
      }
    } else {
      this.overSinceMono = null;
      if (maxCurrent <= softLimit || ctx.openSinceMono !== null) this.faults.conditionGone('soft-overcurrent');
    }

    const { minV, maxV, holdS } = this.config.voltage;
    const high = phases.some((p) => p.voltageV > maxV);
    const low = phases.some((p) => p.voltageV < minV);
    if (high || low) {
      this.voltageBadSinceMono ??= now;
      if (now - this.voltageBadSinceMono >= holdS * 1000) {
        const volts = phases.map((p) => p.voltageV.toFixed(0)).join('/');
        this.faults.raise(high ? 'over-voltage' : 'under-voltage', `${volts} V outside ${minV}–${maxV} V`);
      }
    } else {
      this.voltageBadSinceMono = null;
      this.faults.conditionGone('over-voltage');
      this.faults.conditionGone('under-voltage');
    }

    // Current through a contactor commanded open for longer than its feedback time means welded contacts.
    const openLongEnough = ctx.openSinceMono !== null && now - ctx.openSinceMono > this.config.contactorFeedbackMs + 1000;
    if (openLongEnough && maxCurrent > CURRENT_WHILE_OPEN_A) {
      this.faults.raise('contactor-welded', `${maxCurrent.toFixed(1)} A flowing with the contactor commanded open`);
    }
  }
}
