/**
 * The station as the OCPP uplink sees it. `src/wiring/station.ts` implements it; the uplink never reaches into the control
 * core or the drivers, and the control core only ever gets plain inputs through this port (an authorization, a stop
 * request, an external current limit).
 */
import type { MeterSample } from '../../hal/meter.js';
import type { StopReason } from '../session/recorder.js';

export type { StopReason };

/** OCPP 1.6 ChargePointStatus and ChargePointErrorCode: the control core's states and fault catalogue speak them. */
export type { ChargePointStatus } from '../control/charger-fsm.js';
export type { OcppErrorCode as ChargePointErrorCode } from '../control/faults.js';
import type { ChargePointStatus } from '../control/charger-fsm.js';
import type { OcppErrorCode as ChargePointErrorCode } from '../control/faults.js';

/** A connector's status as StatusNotification reports it; errorCode/info/vendorErrorCode come from the fault catalogue. */
export interface ConnectorStatusSnapshot {
  readonly status: ChargePointStatus;
  readonly errorCode: ChargePointErrorCode;
  /** Free text, at most 50 characters. */
  readonly info?: string;
  /** At most 50 characters. */
  readonly vendorErrorCode?: string;
  /** Wall time the status was entered, epoch ms UTC. */
  readonly sinceMs: number;
}

/** The running session as the uplink needs it. */
export interface ActiveSession {
  readonly sessionId: number;
  readonly idTag: string | null;
  readonly startAtMs: number;
  readonly meterStartWh: number;
}

export interface ChargePointPort {
  /** Current OCPP status of connector 0 (the station) and 1, with errorCode/info/vendorErrorCode from the fault catalogue. */
  connectorStatus(connectorId: 0 | 1): ConnectorStatusSnapshot;
  onStatusChange(listener: (connectorId: 0 | 1, s: ConnectorStatusSnapshot) => void): () => void;
  /** The running session, or null. */
  activeSession(): ActiveSession | null;
  /** Latest good meter sample (hal/meter.ts MeterSample), or null. */
  latestSample(): MeterSample | null;
  onSample(listener: (s: MeterSample) => void): () => void;
  /** Authorized start for an id tag (tap already authorized, or RemoteStartTransaction): Accepted if the station can start now or on plug-in. */
  authorizeStart(idTag: string, origin: 'local' | 'remote'): 'Accepted' | 'Rejected';
  /** Stop the running session with a reason. False when none runs. */
  stopSession(reason: StopReason): boolean;
  /** External current limit in A from smart charging (null = none); the control core applies the 5 s PWM rule. */
  setExternalLimitA(limitA: number | null): void;
  /** Operative / Inoperative. 'Scheduled' while a session runs. */
  changeAvailability(operative: boolean): 'Accepted' | 'Scheduled' | 'Rejected';
  /**
   * OCPP UnlockConnector. A running session is stopped with UnlockCommand and the cable lock released once the
   * contactor opened; resolves `Unlocked` only when the lock confirmed the release, `UnlockFailed` when it did not
   * (or not in time), `NotSupported` on a fixed-cable station (no lock fitted). Never rejects.
   */
  unlockConnector(): Promise<'Unlocked' | 'UnlockFailed' | 'NotSupported'>;
  /** Stops sessions with SoftReset/HardReset, then the process restarts (the station decides how). */
  reset(kind: 'Soft' | 'Hard'): Promise<void>;
  /**
   * A reservation was made (ReserveNow) or ended (null: cancelled, expired or used). While one is held the station
   * shows Reserved on connector 1 and starts only for a tap the Authorizer accepted with this reservationId.
   * Optional so an adapter written before reservations still compiles; without it ReserveNow is answered Rejected.
   */
  setReservation?(reservation: Reservation | null): void;
  /** The current the pilot offers the EV now, amperes (0 while suspended); for Current.Offered / Power.Offered. */
  offeredCurrentA?(): number;
  /**
   * OCPP ConnectionTimeOut in seconds (0 = never): how long an authorization waits for a plug-in, and a plug-in for an
   * authorization. Called at startup with the stored value and after every accepted ChangeConfiguration. Optional so
   * older adapters compile; without it the station never times out.
   */
  setConnectionTimeoutS?(seconds: number): void;
  /**
   * OCPP UnlockConnectorOnEVSideDisconnect: false keeps the cable locked after the EV left until the starting id tag
   * is presented again or UnlockConnector arrives. Called at startup and on change, like setConnectionTimeoutS.
   */
  setUnlockOnEvSideDisconnect?(unlock: boolean): void;
  /**
   * OCPP 1.6 StopTransactionOnEVSideDisconnect / 2.0.1 TxCtrlr.StopTxOnEVSideDisconnect: false keeps the running
   * session when the EV side disconnects (suspended, no energy, SuspendedEV) until the EV comes back or something else
   * ends it. Called at startup and on change, like setConnectionTimeoutS.
   */
  setStopOnEvSideDisconnect?(stop: boolean): void;
  /**
   * The EV left a session the station keeps (`connected` false; StopOnEvSideDisconnect false) and came back to it
   * (true). Not called when the EV leaving ends the session. Optional: without it the uplink reports nothing extra.
   */
  onKeptSessionEv?(listener: (connected: boolean) => void): () => void;
}

/** A held reservation of connector 1. */
export interface Reservation {
  readonly reservationId: number;
  readonly idTag: string;
  readonly parentIdTag?: string;
  /** Wall time it expires, epoch ms UTC. */
  readonly expiresAtMs: number;
}
