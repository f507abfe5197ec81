/**
 * Faults over OCPP 2.0.1: each fault raised and cleared is a NotifyEvent (trigger Alerting, HardWiredNotification)
 * on the fault's component and variable (fault-components.ts), with the fault's name as techCode and the operator's
 * guidance as techInfo. The faults active now are what the device model's fault variables read (Problem true while
 * one is). The station's StatusNotification Faulted goes on as before; this says which fault it is.
 */
import type { FaultDefinition, FaultName } from '../../../control/faults.js';
import type { Logger } from '../../../logger.js';
import type { ComponentRef } from '../device-model/types.js';
import { faultComponent, faultsOf } from './fault-components.js';
import type { StationEvent } from './notify-events.js';

export interface FaultEvents201Options {
  readonly logger: Logger;
  /** Queues an event (NotifyEvents201.enqueue). */
  readonly enqueue: (event: StationEvent) => Promise<unknown>;
  /** The session running now, if any (its transactionId goes with the event). */
  readonly activeSessionId: () => number | null;
}

/** The operator's guidance for a fault, as NotifyEvent techInfo: `E101: what to check`. */
export function faultTechInfo(definition: Pick<FaultDefinition, 'vendorErrorCode' | 'operatorMessage'>, detail?: string): string {
  return `${definition.vendorErrorCode}: ${definition.operatorMessage}${detail ? ` (${detail})` : ''}`;
}

export class FaultEvents201 {
  private readonly active = new Set<FaultName>();

  constructor(private readonly options: FaultEvents201Options) {}

  /** True while a fault that sets `variable` of `component` is active. */
  isSet(component: ComponentRef, variable: string): boolean {
    return faultsOf(component, variable).some((name) => this.active.has(name));
  }

  /** The faults active now. */
  activeFaults(): FaultName[] {
    return [...this.active];
  }

  /** A fault was raised (a raise of one already active is not another event). */
  raised(definition: FaultDefinition, atMs: number, detail?: string): void {
    if (this.active.has(definition.name)) return;
    this.active.add(definition.name);
    this.report(definition, atMs, false, detail);
  }

  /** A fault cleared (one that was never raised here is ignored). */
  cleared(definition: FaultDefinition, atMs: number): void {
    if (!this.active.delete(definition.name)) return;
    this.report(definition, atMs, true);
  }

  private report(definition: FaultDefinition, atMs: number, cleared: boolean, detail?: string): void {
    const place = faultComponent(definition.name);
    const sessionId = this.options.activeSessionId();
    const event: StationEvent = {
      atMs,
      trigger: 'Alerting',
      // The variable's value after the change: another fault on the same variable keeps it true.
      actualValue: String(this.isSet(place.component, place.variable)),
      component: place.component,
      variable: { name: place.variable },
      eventNotificationType: 'HardWiredNotification',
      ...(cleared ? { cleared: true } : {}),
      techCode: definition.name,
      techInfo: faultTechInfo(definition, detail),
      ...(sessionId !== null ? { sessionId } : {}),
    };
    this.options.enqueue(event).catch((err: unknown) => {
      this.options.logger.error({ fault: definition.name, cleared, err: (err as Error).message }, 'could not journal the NotifyEvent of a fault');
    });
  }
}
