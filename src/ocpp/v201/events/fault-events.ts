/**
 * Faults over OCPP 2.0.1: each fault raised and cleared is a NotifyEvent (trigger Alerting, HardWiredNotification)
 * on the fault's component and variable (fault-components.ts), with the fault's name as techCode and the operator's
 * guidance as techInfo. The faults active now are what the device model's fault variables read (Problem true while
 * one is). The station's StatusNotification Faulted goes on as before; this says which fault it is.
 */
import { allFaults, faultDefinition, type FaultDefinition, type FaultName } from '../../../control/faults.js';
import type { KeyValueStore } from '../../../journal/ports.js';
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
  /**
   * Where the faults the CSMS was told are active are kept (absent: not kept), so that a fault gone during a restart
   * is reported cleared: the CSMS would otherwise hold it as active for ever.
   */
  readonly kv?: KeyValueStore;
}

/** The journal's key-value namespace of the faults reported active. */
export const REPORTED_FAULTS_NAMESPACE = 'ocpp201.faultsReported';

/** The operator's guidance for a fault, as NotifyEvent techInfo: `E101: what to check`. */
export function faultTechInfo(definition: Pick<FaultDefinition, 'vendorErrorCode' | 'operatorMessage'>, detail?: string): string {
  return `${definition.vendorErrorCode}: ${definition.operatorMessage}${detail ? ` (${detail})` : ''}`;
}

export class FaultEvents201 {
  private readonly active = new Set<FaultName>();
  /** Reported active before this start and not yet seen again (see {@link clearStale}). */
  private readonly beforeRestart = new Set<FaultName>();

  constructor(private readonly options: FaultEvents201Options) {}

  /** Reads which faults the CSMS was last told are active (entries naming no known fault are dropped). */
  async load(): Promise<void> {
    const kv = this.options.kv;
    if (!kv) return;
    const known = new Map(allFaults().map((f) => [f.name as string, f.name]));
    for (const [key] of await kv.list(REPORTED_FAULTS_NAMESPACE)) {
      const name = known.get(key);
      if (name === undefined) await kv.delete(REPORTED_FAULTS_NAMESPACE, key);
      else this.beforeRestart.add(name);
    }
  }

  /**
   * Call once the faults active at start were raised: those the CSMS was told are active before the restart and that
   * are not active now are reported cleared.
   */
  clearStale(atMs: number): void {
    for (const name of this.beforeRestart) {
      if (this.active.has(name)) continue;
      this.report(faultDefinition(name), atMs, true);
      this.remember(name, false);
    }
    this.beforeRestart.clear();
  }

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
    // Already reported active before a restart: the CSMS knows it, no second raise.
    if (this.beforeRestart.delete(definition.name)) return;
    this.remember(definition.name, true);
    this.report(definition, atMs, false, detail);
  }

  /** A fault cleared (one that was never raised here is ignored). */
  cleared(definition: FaultDefinition, atMs: number): void {
    if (!this.active.delete(definition.name)) return;
    this.remember(definition.name, false);
    this.report(definition, atMs, true);
  }

  private remember(name: FaultName, active: boolean): void {
    const kv = this.options.kv;
    if (!kv) return;
    const done = active ? kv.set(REPORTED_FAULTS_NAMESPACE, name, true) : kv.delete(REPORTED_FAULTS_NAMESPACE, name);
    done.catch((err: unknown) => this.options.logger.error({ fault: name, err: (err as Error).message }, 'could not journal a reported fault'));
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
