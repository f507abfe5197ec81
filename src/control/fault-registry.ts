import type { Clock, TimerHandle } from '../clock.js';
import { faultDefinition, type FaultDefinition, type FaultName } from './faults.js';

/** A fault that is latched now. */
export interface ActiveFault {
  readonly definition: FaultDefinition;
  readonly raisedAtMs: number;
  readonly detail: string | undefined;
  /** Whether the underlying condition is still present (a latched fault may outlive its condition). */
  readonly conditionPresent: boolean;
}

/** What the charger needs to know about the latched faults. */
export interface FaultSummary {
  readonly active: readonly ActiveFault[];
  /** A stop-class fault is latched: the contactor must be open. */
  readonly stopLatched: boolean;
  /** A derate-class fault is latched. */
  readonly derating: boolean;
  /** The running session must end with this reason (first latched fault that ends sessions). */
  readonly endSessionWith: 'EmergencyStop' | 'Other' | null;
  /** The fault reported to the CSMS: the most severe, oldest first. */
  readonly reported: ActiveFault | null;
}

export type FaultEvent =
  | { readonly type: 'raised'; readonly fault: ActiveFault }
  | { readonly type: 'cleared'; readonly name: FaultName; readonly how: 'auto' | 'unplug' | 'manual' };

interface Entry {
  definition: FaultDefinition;
  raisedAtMs: number;
  detail: string | undefined;
  conditionPresent: boolean;
  clearTimer: TimerHandle | undefined;
}

const severityRank = { stop: 0, derate: 1, warn: 2 } as const;

/** The `retry` recovery rule's count and delay (config `control.faultRetryCount` / `faultRetryDelayS`). */
export interface RetryPolicy {
  readonly count: number;
  readonly delayS: number;
}

/**
 * Latched faults with their recovery rules. Raising is idempotent; a raise while the condition is back cancels a
 * pending automatic clear. `retry` clears are counted per fault until the next unplug; past the count a fault stays
 * latched until a manual reset.
 */
export class FaultRegistry {
  private readonly entries = new Map<FaultName, Entry>();
  private readonly autoClears = new Map<FaultName, number>();
  private readonly listeners = new Set<(event: FaultEvent, summary: FaultSummary) => void>();

  constructor(
    private readonly clock: Clock,
    private readonly retry: RetryPolicy = { count: 3, delayS: 30 },
    /** Told about a listener that threw; the other listeners are still called (one of them opens the contactor). */
    private readonly onListenerError: (err: unknown) => void = () => undefined,
  ) {}

  /** Subscribes to raise/clear events; the summary is the state after the event. */
  onChange(listener: (event: FaultEvent, summary: FaultSummary) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Raises (or re-asserts) a fault. */
  raise(name: FaultName, detail?: string): void {
    const existing = this.entries.get(name);
    if (existing) {
      existing.conditionPresent = true;
      if (existing.clearTimer !== undefined) {
        this.clock.clearTimeout(existing.clearTimer);
        existing.clearTimer = undefined;
      }
      return;
    }
    const entry: Entry = {
      definition: faultDefinition(name),
      raisedAtMs: this.clock.nowMs(),
      detail,
      conditionPresent: true,
      clearTimer: undefined,
    };
    this.entries.set(name, entry);
    this.emit({ type: 'raised', fault: snapshot(entry) });
  }

  /** The condition behind `name` has gone; the recovery rule decides when the fault clears. */
  conditionGone(name: FaultName): void {
    const entry = this.entries.get(name);
    if (!entry || !entry.conditionPresent) return;
    entry.conditionPresent = false;
    const rule = entry.definition.recovery;
    if (rule.kind !== 'auto' && rule.kind !== 'retry') return;
    const used = this.autoClears.get(name) ?? 0;
    if (rule.kind === 'retry' && used >= this.retry.count) return; // stays latched: needs a person
    const delayS = rule.kind === 'retry' ? this.retry.delayS : rule.delayS;
    const clear = (): void => {
      entry.clearTimer = undefined;
      this.autoClears.set(name, used + 1);
      this.remove(name, 'auto');
    };
    if (delayS === 0) clear();
    else entry.clearTimer = this.clock.setTimeout(clear, delayS * 1000);
  }

  /** The EV was unplugged: clears on-unplug faults whose condition is gone and resets the retry counts. */
  unplugged(): void {
    this.autoClears.clear();
    for (const [name, entry] of [...this.entries]) {
      if (entry.definition.recovery.kind === 'on-unplug' && !entry.conditionPresent) this.remove(name, 'unplug');
    }
  }

  /** Operator reset: clears every latched fault whose condition is gone. Returns the names cleared. */
  reset(): FaultName[] {
    const cleared: FaultName[] = [];
    this.autoClears.clear();
    for (const [name, entry] of [...this.entries]) {
      if (!entry.conditionPresent) {
        this.remove(name, 'manual');
        cleared.push(name);
      }
    }
    return cleared;
  }

  isActive(name: FaultName): boolean {
    return this.entries.has(name);
  }

  summary(): FaultSummary {
    const active = [...this.entries.values()].map(snapshot);
    const ordered = [...active].sort(
      (a, b) => severityRank[a.definition.severity] - severityRank[b.definition.severity] || a.raisedAtMs - b.raisedAtMs,
    );
    const ending = ordered.find((f) => f.definition.severity === 'stop' && f.definition.endsSessionWith !== undefined);
    return {
      active,
      stopLatched: active.some((f) => f.definition.severity === 'stop'),
      derating: active.some((f) => f.definition.severity === 'derate'),
      endSessionWith: ending?.definition.endsSessionWith ?? null,
      reported: ordered.find((f) => f.definition.severity !== 'warn') ?? null,
    };
  }

  /** Cancels pending timers (shutdown). */
  dispose(): void {
    for (const entry of this.entries.values()) {
      if (entry.clearTimer !== undefined) this.clock.clearTimeout(entry.clearTimer);
    }
    this.listeners.clear();
  }

  private remove(name: FaultName, how: 'auto' | 'unplug' | 'manual'): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    if (entry.clearTimer !== undefined) this.clock.clearTimeout(entry.clearTimer);
    this.entries.delete(name);
    this.emit({ type: 'cleared', name, how });
  }

  private emit(event: FaultEvent): void {
    const summary = this.summary();
    for (const listener of [...this.listeners]) {
      try {
        listener(event, summary);
      } catch (err) {
        try {
          this.onListenerError(err);
        } catch {
          // Nothing more to do: the remaining listeners must still hear the event.
        }
      }
    }
  }
}

function snapshot(entry: Entry): ActiveFault {
  return {
    definition: entry.definition,
    raisedAtMs: entry.raisedAtMs,
    detail: entry.detail,
    conditionPresent: entry.conditionPresent,
  };
}
