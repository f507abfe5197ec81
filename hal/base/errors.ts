/**
 * The one error class for programming and input errors. Handlers branch on `code`, never on message text.
 * Faults of the station (RCD trip, meter lost …) are not exceptions: see `src/control/faults.ts`.
 * Codes are numbered in blocks per area, as in zwave-js.
 */
export enum EvseErrorCode {
  // 1xx configuration and input validation
  ConfigInvalid = 100,
  ConfigNotFound = 101,
  UnknownScenario = 102,
  InvalidArgument = 103,
  // 2xx hardware drivers
  DriverFailure = 200,
  PinUnavailable = 201,
  ChipNotFound = 202,
  // 3xx journal
  JournalUnavailable = 300,
  JournalCorrupt = 301,
  /** Another station holds the state directory's lock (exit 75, EX_TEMPFAIL: systemd retries). */
  StateDirLocked = 302,
  /** The journal file was written by newer software (a higher schema version): refused, never downgraded (exit 65). */
  JournalTooNew = 303,
  /** No alert with that id in the journal (evse alerts ack/close, the page's buttons). */
  AlertNotFound = 304,
  /** An alert state change other than open → acknowledged → closed or open → closed (e.g. acknowledging a closed one). */
  AlertStateInvalid = 305,
  // 4xx OCPP
  OcppProtocol = 400,
  OcppNotConnected = 401,
  /**
   * A call the CSMS left unanswered past MessageTimeout while it went on sending other frames: the link is alive, the
   * CSMS did not answer this one (an optional outbox message counts it as an attempt; a transaction message resends).
   */
  OcppUnanswered = 402,
  // 5xx session and billing
  TariffInvalid = 500,
  // 6xx status page
  StationUnreachable = 600,
  /** A driver's second feedback on one session (once per session). */
  FeedbackExists = 601,
  // 9xx internal invariants
  InvariantViolated = 900,
}

export class EvseError extends Error {
  constructor(
    readonly code: EvseErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EvseError';
  }
}

/** Exit codes of the `evse` command (sysexits.h where one fits). */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 64,
  /** EX_DATAERR: the input data is not ours to use (a journal from a newer version: refused, left as it is). */
  DataErr: 65,
  /** EX_NOINPUT: what the command names is not there (an alert id the journal does not hold). */
  NoInput: 66,
  Unavailable: 69,
  /**
   * EX_SOFTWARE: an internal part of the program failed for good (the journal worker thread died); the process exits
   * after the safe state so that systemd starts a fresh one.
   */
  Software: 70,
  /** EX_TEMPFAIL: try again later (another station holds the state directory). */
  TempFail: 75,
  Config: 78,
} as const;

/** The text of anything thrown, for a log line or a fault's detail. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
