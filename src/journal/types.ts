import type { StopReason } from '../session/recorder.js';

/** Kinds of planned restart that, journaled before the restart, name the stop reason of a session found open. */
export type CleanShutdownKind = 'Reboot' | 'SoftReset' | 'HardReset';

export type AlertSeverity = 'info' | 'warn' | 'critical';

/** Where an alert is in its life: open until a person acknowledges it, closed when dealt with (or born closed). */
export type AlertState = 'open' | 'acknowledged' | 'closed';

/** 'operator': something for a person to look at. 'driver': a session event for whoever subscribes (born closed). */
export type AlertAudience = 'operator' | 'driver';

/** An alert for the operator (journal moved aside, journal unavailable, session recovered …). */
export interface AlertInput {
  readonly severity: AlertSeverity;
  /** Stable machine-readable name, e.g. 'journal-corrupt'. */
  readonly code: string;
  /** One plain-language sentence for the operator. */
  readonly message: string;
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
  /**
   * What makes two raises the same alert (default: the code): a raise whose key matches an alert still open or
   * acknowledged bumps that one's count instead of adding a row.
   */
  readonly dedupKey?: string;
  /** Default 'operator'. A 'driver' alert is born closed: nothing for the operator to do, it exists to be delivered. */
  readonly audience?: AlertAudience;
}

export interface AlertRow extends AlertInput {
  /** 0 for an alert the failed storage could not take yet. */
  readonly id: number;
  /** When it was first raised. */
  readonly atMs: number;
  readonly dedupKey: string;
  readonly audience: AlertAudience;
  /** The last time it was raised again (atMs when never). */
  readonly lastAtMs: number;
  /** Times raised while not closed. */
  readonly count: number;
  readonly state: AlertState;
  /** When it was acknowledged or closed. */
  readonly stateAtMs: number | null;
  /** Who acknowledged or closed it: 'cli@alice', 'operator@192.168.1.20', 'auto' … */
  readonly stateBy: string | null;
}

/** What listAlerts selects; every field optional (all alerts, newest first). */
export interface AlertQuery {
  readonly states?: readonly AlertState[];
  /** Alerts whose span [atMs, lastAtMs] reaches into [fromMs, toMs). */
  readonly fromMs?: number;
  readonly toMs?: number;
  /** Only codes starting with this, e.g. 'anomaly-'. */
  readonly codePrefix?: string;
  readonly audience?: AlertAudience;
  readonly limit?: number;
}

/** What pendingAlerts answers: new alerts past the channel's cursor, and how many the bounded backlog skipped. */
export interface PendingAlerts {
  readonly alerts: AlertRow[];
  readonly skipped: number;
}

/**
 * Operator alerts' raises counted per (code, severity, detail.detector) in the journal worker, oldest group first (by its first alert):
 * the /metrics tally reads these few rows instead of every alert.
 */
export interface AlertGroupCount {
  readonly code: string;
  readonly severity: AlertSeverity;
  /** `detail.detector` when the alerts name one (a non-empty string), else null. */
  readonly detector: string | null;
  readonly count: number;
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
  /** Closed alerts every channel delivered, and operator actions, past retention. */
  readonly alerts: number;
  readonly operatorActions: number;
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

/**
 * What {@link Journal.forgetIdTag} changed (OCPP 2.0.1 N10 CustomerInformation clear): the token replaced by
 * `pseudonym` in that many rows of each table. Pending outbox rows are left as they are (see the method).
 */
export interface ForgottenIdTag {
  /** `forgotten-` and 8 random hex digits: the same for every row of this clear, so its sessions still group. */
  readonly pseudonym: string;
  readonly sessions: number;
  readonly events: number;
  readonly alerts: number;
  readonly operatorActions: number;
  readonly feedback: number;
  /** Delivered and dead outbox rows rewritten. */
  readonly outbox: number;
  /** Outbox rows still to deliver that carry the token (the CSMS already knows it): left as they are. */
  readonly pendingOutboxKept: number;
}
