import type { StopReason } from '../session/recorder.js';

/** Kinds of planned restart that, journaled before the restart, name the stop reason of a session found open. */
export type CleanShutdownKind = 'Reboot' | 'SoftReset' | 'HardReset';

export type AlertSeverity = 'info' | 'warn' | 'critical';

/** An alert for the operator (journal moved aside, journal unavailable, session recovered …). */
export interface AlertInput {
  readonly severity: AlertSeverity;
  /** Stable machine-readable name, e.g. 'journal-corrupt'. */
  readonly code: string;
  /** One plain-language sentence for the operator. */
  readonly message: string;
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface AlertRow extends AlertInput {
  readonly id: number;
  readonly atMs: number;
}

/** Where the meterStop of a session closed at boot came from. */
export type RecoveredMeterSource = 'meter' | 'journal';

/** One session closed by boot recovery. */
export interface RecoveredSession {
  readonly sessionId: number;
  readonly reason: StopReason;
  readonly meterStopWh: number;
  readonly meterSource: RecoveredMeterSource;
  readonly stopAtMs: number;
  /** The StopTransaction outbox row queued for it. */
  readonly stopSeq: number;
}

/** What boot recovery did. */
export interface RecoveryReport {
  /** Sessions found open and closed now (normally zero or one). */
  readonly closed: readonly RecoveredSession[];
  /** The clean shutdown journaled before this boot, if any (consumed by this recovery). */
  readonly cleanShutdown: CleanShutdownKind | null;
  /** The meter reading offered to recovery, and why it was not used when it was not. */
  readonly meterReadingWh: number | null;
  readonly meterRejected: string | null;
  /** Transaction messages still waiting for the CSMS (Start/Stop/MeterValues of earlier sessions). */
  readonly pendingOutbox: number;
}

/** What prune() removed. */
export interface PruneReport {
  readonly samples: number;
  readonly events: number;
  readonly outbox: number;
  /** Live bytes (pages in use) before and after. */
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  /** True when the live size is still above the budget because only undelivered data is left. */
  readonly overBudget: boolean;
}

/** How the journal was opened: integrity result at boot. */
export interface OpenReport {
  readonly path: string;
  /** Set when the old file failed `PRAGMA quick_check` (or was not a database) and was moved here. */
  readonly corruptMovedTo: string | null;
  readonly schemaVersion: number;
}

/** What a clock correction changed (Journal.correctClock). */
export interface ClockCorrection {
  readonly sessions: number;
  readonly samples: number;
  readonly events: number;
  readonly outbox: number;
}
