import type { MeterSample } from '../../hal/meter.js';
import type { StopReason } from './charger-fsm.js';

export type { StopReason };

/**
 * The port through which the charger makes session facts durable (DESIGN.md: control imports no journal). The SQLite journal (`src/journal`) implements it;
 * `MemoryRecorder` is the in-process implementation for tests and journal-less bench runs.
 *
 * Ordering contract (DESIGN.md, "journal first"): the promise of `startSession` resolves only once the start is
 * committed, and the station closes the contactor only after that; `stopSession` resolves once the stop is committed,
 * before the status changes. A rejected promise means the fact is NOT durable: the caller treats the journal as
 * unavailable.
 */
export interface SessionRecorder {
  /** Commits a new session and queues its StartTransaction. Resolves with the local session id. */
  startSession(start: SessionStart): Promise<number>;
  /** Commits one meter sample of an open session (and its MeterValues outbox row, if the uplink wants one). */
  recordSample(sessionId: number, sample: MeterSample): Promise<void>;
  /** Appends a timeline event. */
  recordEvent(sessionId: number, event: SessionEventRecord): Promise<void>;
  /** Commits the stop and queues StopTransaction. */
  stopSession(sessionId: number, stop: SessionStop): Promise<void>;
  /** Records the instant the EV was unplugged after the session stopped. */
  recordUnplug(sessionId: number, atMs: number): Promise<void>;
}

export interface SessionStart {
  readonly connectorId: number;
  /** Null for free vend. */
  readonly idTag: string | null;
  readonly plugInAtMs: number;
  readonly authorizedAtMs: number;
  readonly startAtMs: number;
  /** Import register at start, whole Wh. */
  readonly meterStartWh: number;
  /** Reservation this session consumed, if any. */
  readonly reservationId?: number;
  /**
   * False when the station's wall clock was not yet trusted (not yet set from the CSMS) as the session started: its
   * times are marked, and corrected once the CSMS gives the time. Default true.
   */
  readonly clockTrusted?: boolean;
}

export interface SessionStop {
  readonly stopAtMs: number;
  readonly meterStopWh: number;
  readonly reason: StopReason;
  /** The id tag that stopped it, when a card was tapped. */
  readonly stopIdTag?: string;
}

export type SessionEventKind =
  | 'plugged-in'
  | 'authorized'
  | 'energy-flow-started'
  | 'charging-completed'
  | 'suspended-evse'
  | 'resumed'
  | 'fault-raised'
  | 'fault-cleared'
  | 'limit-changed'
  | 'stopped'
  | 'unplugged'
  /** Load management's running totals for the session (solar and grid energy, minutes held by the fuse), every few minutes and at the stop. */
  | 'load-summary';

export interface SessionEventRecord {
  readonly kind: SessionEventKind;
  readonly atMs: number;
  /** Small JSON-able detail (fault name, new limit …). */
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
}
