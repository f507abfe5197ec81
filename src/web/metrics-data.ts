/**
 * What `/metrics` needs beyond the status view, as plain data that crosses from the station's thread to the status
 * page's worker. Counts are totals the station keeps since it started (never differences of snapshots, which a
 * worker may miss), so the counters built from them never decrease while the process lives.
 */

/** Event-loop delay of the station's thread over the last completed window (seconds). */
export interface EventLoopLag {
  readonly meanSeconds: number;
  readonly p99Seconds: number;
  readonly maxSeconds: number;
}

/** Totals the station keeps (src/wiring/station-counters.ts). Bounded: keys are catalogue names. */
export interface StationCounts {
  /** Times each fault was raised (latched anew) since start, by fault name. */
  readonly faultsRaised: Readonly<Record<string, number>>;
  /** Failed meter reads since start, by MeterErrorKind. */
  readonly meterErrors: Readonly<Record<string, number>>;
  readonly eventLoopLag: EventLoopLag;
  /** The process's resident set size, bytes. */
  readonly residentMemoryBytes: number;
}

/** Alerts in the journal with one code and severity. */
export interface AlertTally {
  readonly code: string;
  readonly severity: string;
  /** The detector that raised them (an anomaly), or null for other alerts. */
  readonly detector: string | null;
  readonly count: number;
}

/** What the journal holds that the metrics report (src/wiring/journal-figures.ts). */
export interface JournalFigures {
  /** Null when the journal could not be read this time (the alert families are then left out of that scrape). */
  readonly alerts: readonly AlertTally[] | null;
  /** Bytes of the journal file and its write-ahead log, or null when it cannot be read. */
  readonly fileBytes: number | null;
}

export interface MetricsSnapshot {
  readonly counts: StationCounts;
  /** Null when the station keeps no journal. */
  readonly journal: JournalFigures | null;
}
