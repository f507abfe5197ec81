/** Messages between the reaction benchmark (the coordinator) and its station processes, over the IPC channel. */

export type Kind = 'C→B' | 'unplug' | 'E';

/** What one station thread runs: the variant's station, recorder and extra load. */
export interface StationSetup {
  readonly meterPollMs: number;
  readonly recorder: 'memory' | 'journal';
  /** SQLite journal only: its folder (a fresh one per station). */
  readonly journalDir?: string;
  /**
   * Status page polled back to back by `clients` (0: none), served from its own worker or on the control thread, with
   * `streams` live streams (`/api/events`) open and read (page-stream.bench.ts).
   */
  readonly statusPage?: { readonly clients: number; readonly where: 'worker' | 'control thread'; readonly streams?: number };
  /** The simulated relay's least time between closings (see reaction-latency.bench.ts for why it is short here). */
  readonly minCloseIntervalMs: number;
}

/** `go`: this station may now fire its next pilot edge, of this kind (one edge in flight across all stations). */
export type ToStation = { readonly type: 'go'; readonly kind: Kind } | { readonly type: 'stop' };

export type FromStation =
  | { readonly type: 'ready' }
  | { readonly type: 'sample'; readonly kind: Kind; readonly ms: number }
  | { readonly type: 'done'; readonly loadReport: string | null }
  | { readonly type: 'error'; readonly message: string };
