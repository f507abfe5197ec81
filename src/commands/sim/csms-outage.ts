/**
 * `evse sim --csms-outage <startS>+<durationS>`: the in-process bench CSMS goes down (stops listening, sockets dropped
 * without a close frame, like a lost uplink) `startS` seconds of station time after the station is up, and comes back
 * `durationS` later, so a bench tester can run any scenario with sessions starting and stopping offline and see them
 * delivered afterwards (over 2.0.1 with `offline: true` and their seqNos).
 */
import { InvalidArgumentError } from 'commander';
import type { Clock, TimerHandle } from '../../clock.js';
import { EvseError, EvseErrorCode } from '../../errors.js';

export interface CsmsOutage {
  /** Station-time seconds from the station's start to the CSMS going down. */
  readonly startS: number;
  readonly durationS: number;
}

/** What the outage needs of the bench CSMS (its controls). */
export interface OutageTarget {
  goDown(): Promise<void>;
  comeBack(): Promise<void>;
}

/** Parses one `<startS>+<durationS>` (seconds, start ≥ 0, duration > 0) and adds it to the ones before (repeatable). */
export function parseCsmsOutage(value: string, previous: readonly CsmsOutage[] = []): CsmsOutage[] {
  const m = /^(\d+(?:\.\d+)?)\+(\d+(?:\.\d+)?)$/.exec(value.trim());
  const startS = Number(m?.[1]);
  const durationS = Number(m?.[2]);
  if (!m || !Number.isFinite(startS) || !Number.isFinite(durationS) || durationS <= 0) {
    throw new InvalidArgumentError(`must be <startS>+<durationS> in seconds of station time (e.g. 60+600), got "${value}"`);
  }
  return [...previous, { startS, durationS }];
}

/** Refuses outages that overlap (the first one's end would cut the second short). */
export function checkOutages(outages: readonly CsmsOutage[]): void {
  const sorted = [...outages].sort((a, b) => a.startS - b.startS);
  for (let i = 1; i < sorted.length; i++) {
    const before = sorted[i - 1];
    const next = sorted[i];
    if (before && next && next.startS < before.startS + before.durationS) {
      throw new EvseError(EvseErrorCode.InvalidArgument, `--csms-outage ${next.startS}+${next.durationS} overlaps ${before.startS}+${before.durationS}`);
    }
  }
}

/** What happened to one outage, for the run's summary (station-time seconds since the start; null: did not happen). */
export interface OutageReport {
  readonly startS: number;
  readonly durationS: number;
  wentDownAtS: number | null;
  cameBackAtS: number | null;
  /** The same moments on the station's wall clock (ISO), to compare with the journal's timestamps. */
  wentDownAt: string | null;
  cameBackAt: string | null;
}

export interface ScheduledOutages {
  readonly reports: readonly OutageReport[];
  /** Cancels what has not begun and brings the CSMS back now if it is down (the scenario ended inside an outage). */
  end(): Promise<void>;
}

/** Schedules the outages on the station clock from now; each down and up is announced through `note`. */
export function scheduleCsmsOutages(outages: readonly CsmsOutage[], clock: Clock, target: OutageTarget, note: (line: string) => void): ScheduledOutages {
  const t0 = clock.monotonicMs();
  const sinceStartS = (): number => Math.round((clock.monotonicMs() - t0) / 1000);
  const timers: TimerHandle[] = [];
  // Down and up run one after the other, never interleaved (a going-down must finish before the coming-back).
  let chain: Promise<void> = Promise.resolve();
  let down: OutageReport | null = null;
  const step = (what: () => Promise<void>): void => {
    chain = chain.then(what).catch((err: unknown) => note(`bench CSMS outage: ${err instanceof Error ? err.message : String(err)}`));
  };
  const comeBack = (report: OutageReport): Promise<void> => {
    if (down !== report) return Promise.resolve();
    down = null;
    report.cameBackAtS = sinceStartS();
    report.cameBackAt = new Date(clock.nowMs()).toISOString();
    note(`bench CSMS back up after ${report.cameBackAtS - (report.wentDownAtS ?? report.cameBackAtS)} s of outage`);
    return target.comeBack();
  };
  const reports: OutageReport[] = outages.map((o) => ({ ...o, wentDownAtS: null, cameBackAtS: null, wentDownAt: null, cameBackAt: null }));
  for (const report of reports) {
    timers.push(
      clock.setTimeout(() => {
        step(async () => {
          down = report;
          report.wentDownAtS = sinceStartS();
          report.wentDownAt = new Date(clock.nowMs()).toISOString();
          note(`bench CSMS down for ${report.durationS} s (outage ${report.startS}+${report.durationS})`);
          await target.goDown();
        });
        timers.push(clock.setTimeout(() => step(() => comeBack(report)), report.durationS * 1000));
      }, report.startS * 1000),
    );
  }
  return {
    reports,
    async end() {
      for (const t of timers) clock.clearTimeout(t);
      const open = down;
      if (open !== null) step(() => comeBack(open));
      await chain;
    },
  };
}
