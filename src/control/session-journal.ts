import type { MeterSample } from '../../hal/meter.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { ControlConfig } from './config.js';
import { EvseError, EvseErrorCode, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { logSafely } from './safe-log.js';
import type { ChargePointStatus, StopReason } from './charger-fsm.js';
import { ChargingCompletionDetector } from './charging-completion.js';
import type { FaultRegistry } from './fault-registry.js';
import type { MeterPoller } from './meter-poller.js';
import type { SessionEventKind, SessionRecorder, SessionStop } from './session-port.js';

export interface SessionJournalDeps {
  readonly sessions: SessionRecorder;
  readonly meterPoller: MeterPoller;
  readonly faults: FaultRegistry;
  readonly control: ControlConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly connectorId: number;
  /** The charger status now (the timeline reads it). */
  readonly status: () => ChargePointStatus;
  /** The start is committed: the runner tells the state machine first, then notifies. */
  readonly started: (s: { sessionId: number; idTag: string | null; meterStartWh: number; startAtMs: number }) => void;
  /** The start could not be committed (nothing of it is left open). */
  readonly startFailed: () => void;
  /**
   * The stop is committed. Null: the journal refused the stop itself (the session is over for control; the journal's
   * recovery closes the row). A stop that fails for the storage is retried and reported only once committed.
   */
  readonly stopped: (s: { sessionId: number; reason: StopReason; meterStopWh: number } | null) => void;
}

/** First delay before a failed stop commit is tried again; it doubles up to STOP_COMMIT_RETRY_MAX_MS. */
export const STOP_COMMIT_RETRY_FIRST_MS = 500;
export const STOP_COMMIT_RETRY_MAX_MS = 30_000;
/** How long a stop may keep failing with errors that do not name the storage before journal-unavailable is raised. */
export const STOP_COMMIT_PATIENCE_MS = 30_000;

/** A session as the station reports it while it is open. */
export interface RunningSession {
  readonly sessionId: number;
  readonly idTag: string | null;
  readonly meterStartWh: number;
  readonly startAtMs: number;
}

interface PendingStop {
  readonly sessionId: number;
  failures: number;
  /** Monotonic time of the first failure. */
  firstFailureMono: number | null;
  /** The `stopped` timeline event is durable (a retry does not write it twice). */
  eventRecorded: boolean;
  faultRaised: boolean;
  timer: TimerHandle | null;
}

/**
 * Makes the session's facts durable through the session port (DESIGN.md "journal first"): the start before the
 * contactor may close, the stop before the status changes, the samples and the timeline. It decides nothing about
 * the outputs; it reports commits and failures back to the runner.
 */
export class SessionJournal {
  private sessionId: number | null = null;
  /** The committed session's start facts, while it is open (until its stop commits). */
  private current: RunningSession | null = null;
  /** The session samples go to; null from the moment its stop is queued (nothing follows a stop in the journal). */
  private samplingSessionId: number | null = null;
  private lastSessionId: number | null = null;
  /**
   * When the EV was plugged in and the session authorized, on the monotonic clock: turned into wall time only when
   * the session starts, with the wall clock then in force, so all its times share one trust (a clock set by the CSMS
   * between the plug-in and the start cannot leave the plug-in stamped by the old one).
   */
  private plugInAtMono: number | null = null;
  private authorizedAtMono: number | null = null;
  private energyFlowSeen = false;
  private completion: ChargingCompletionDetector;
  private stopIdTag: string | undefined;
  /** When the pilot showed the EV leaving while its session's stop was still to be committed (an EV-side stop). */
  private unplugSeenAtMs: number | null = null;
  /** The EV left a session that is kept (stopOnEvSideDisconnect false) and has not come back yet. */
  private evAway = false;
  private readonly pending = new Set<Promise<unknown>>();
  /** The stop being committed (and retried until it commits); null when none. */
  private stopping: PendingStop | null = null;
  private disposed = false;

  constructor(private readonly deps: SessionJournalDeps) {
    this.completion = this.newCompletionDetector();
  }

  activeSessionId(): number | null {
    return this.sessionId;
  }

  /** The open session's start facts (from its committed start until its stop commits), or null. */
  activeSession(): RunningSession | null {
    return this.current;
  }

  /** The running session, else the one that stopped while its EV is still plugged in (until the unplug). */
  connectedSessionId(): number | null {
    return this.sessionId ?? this.lastSessionId;
  }

  pluggedIn(): void {
    this.plugInAtMono = this.deps.clock.monotonicMs();
    this.unplugSeenAtMs = null;
    this.evAway = false;
  }

  /**
   * The EV left and its session is kept (stopOnEvSideDisconnect false): until it comes back nothing is connected, so
   * the time is neither charging nor idle (no idle fee for a connector nobody is plugged into). On the timeline it
   * reads as a suspension (`suspended-evse`, detail `cause: 'ev-side-disconnect'`); the EV drawing again after it
   * returns is `resumed`, one that stays quiet becomes idle after the usual hold.
   */
  evLeftKeptSession(): void {
    if (this.sessionId === null || this.evAway) return;
    this.evAway = true;
    this.recordEvent('suspended-evse', { cause: 'ev-side-disconnect' });
    if (this.energyFlowSeen) this.completion.suspendedByStation();
  }

  authorized(): void {
    this.authorizedAtMono = this.deps.clock.monotonicMs();
  }

  /** The charger did not take the authorization just stamped. */
  authorizationDropped(): void {
    this.authorizedAtMono = null;
  }

  /** The id tag that asks for the next stop (a card tapped again). */
  stopRequestedBy(idTag: string | undefined): void {
    this.stopIdTag = idTag;
  }

  /** Commits the start: the meter's register at start, then the session row. */
  begin(idTag: string | null): void {
    const { clock, sessions } = this.deps;
    const work = (async () => {
      const sample = await this.deps.meterPoller.readNow();
      if (sample === null) throw new EvseError(EvseErrorCode.DriverFailure, 'no meter reading for meterStart');
      const now = clock.nowMs();
      const nowMono = clock.monotonicMs();
      const wallAt = (mono: number | null): number => (mono === null ? now : Math.round(now - (nowMono - mono)));
      const start = {
        connectorId: this.deps.connectorId,
        idTag,
        plugInAtMs: wallAt(this.plugInAtMono),
        authorizedAtMs: wallAt(this.authorizedAtMono),
        startAtMs: now,
        meterStartWh: sample.importWh,
        // Times stamped by a clock the CSMS has not set yet are marked, to be corrected when it does.
        clockTrusted: clock.trusted?.() ?? true,
      };
      // An authorization belongs to this session only: the next one (free vend, or a later tap) stamps its own.
      this.authorizedAtMono = null;
      const id = await sessions.startSession(start);
      return { id, meterStartWh: sample.importWh, startAtMs: now, plugInAtMs: start.plugInAtMs, authorizedAtMs: start.authorizedAtMs };
    })();
    this.track(
      work.then(
        ({ id, meterStartWh, startAtMs, plugInAtMs, authorizedAtMs }) => {
          // Committed: from here the session exists, whatever a follow-up does. Control learns it first.
          this.sessionId = id;
          this.current = { sessionId: id, idTag, meterStartWh, startAtMs };
          this.samplingSessionId = id;
          this.lastSessionId = id;
          this.energyFlowSeen = false;
          this.evAway = false;
          this.completion = this.newCompletionDetector();
          this.deps.started({ sessionId: id, idTag, meterStartWh, startAtMs });
          this.recordEvent('plugged-in', {}, plugInAtMs);
          this.recordEvent('authorized', { idTag }, authorizedAtMs);
        },
        (err: unknown) => {
          logSafely(this.deps.log, 'error', { err: errorMessage(err) }, 'session could not be started');
          // A meter without a reading is the meter's fault (meter-lost says so); anything else is the journal's.
          if (!(err instanceof EvseError && err.code === EvseErrorCode.DriverFailure)) {
            this.deps.faults.raise('journal-unavailable', errorMessage(err));
          }
          this.deps.startFailed();
        },
      ),
      'start',
    );
  }

  /**
   * Commits the stop with the meter's last reading. A commit that fails is retried (the session's stop stays pending,
   * so the station neither forgets the session nor loses its StopTransaction): see {@link SessionJournal.commitStop}.
   */
  end(reason: StopReason): void {
    const id = this.sessionId;
    if (id === null) {
      this.deps.stopped(null);
      return;
    }
    if (this.stopping !== null) return;
    const stopIdTag = this.stopIdTag;
    this.stopIdTag = undefined;
    this.stopping = { sessionId: id, failures: 0, firstFailureMono: null, eventRecorded: false, faultRaised: false, timer: null };
    const facts = (async (): Promise<SessionStop> => {
      // A failed read must not leave the stop pending for ever: the last good sample stands in (as the poller does).
      const sample = await this.deps.meterPoller.readNow().catch(() => this.deps.meterPoller.latest());
      // This reading is the last of the session; later ones would follow the stop.
      this.samplingSessionId = null;
      return { stopAtMs: this.deps.clock.nowMs(), meterStopWh: sample?.importWh ?? 0, reason, ...(stopIdTag ? { stopIdTag } : {}) };
    })();
    this.track(
      facts.then((stop) => this.commitStop(stop)),
      'stop',
    );
  }

  /**
   * One attempt at committing the stop (the `stopped` event, then the stop row and its StopTransaction). On failure the
   * session stays open for control and the attempt is repeated after a growing delay (through the clock), until it
   * commits: the stop then leaves as soon as the storage is back, without a reboot. journal-unavailable is raised when
   * the journal says the storage failed (JournalUnavailable, JournalCorrupt), or when other errors have kept the stop
   * from committing for STOP_COMMIT_PATIENCE_MS. A refusal of the facts themselves (InvalidArgument: the journal does
   * not know this session as open) would be refused again: the session is then given up for control, as before, and
   * the journal's boot recovery closes its row.
   */
  private async commitStop(stop: SessionStop): Promise<void> {
    const pending = this.stopping;
    if (pending === null || this.disposed) return;
    const id = pending.sessionId;
    const { sessions } = this.deps;
    try {
      if (!pending.eventRecorded) {
        await sessions.recordEvent(id, { kind: 'stopped', atMs: stop.stopAtMs, detail: { reason: stop.reason } });
        pending.eventRecorded = true;
      }
      await sessions.stopSession(id, stop);
    } catch (err) {
      this.stopFailed(pending, stop, err);
      return;
    }
    if (pending.failures > 0) logSafely(this.deps.log, 'info', { sessionId: id, failures: pending.failures }, 'session stop committed after retries');
    this.stopping = null;
    this.sessionId = null;
    this.current = null;
    this.deps.stopped({ sessionId: id, reason: stop.reason, meterStopWh: stop.meterStopWh });
  }

  private stopFailed(pending: PendingStop, stop: SessionStop, err: unknown): void {
    const { clock, log, faults } = this.deps;
    const code = err instanceof EvseError ? err.code : null;
    if (code === EvseErrorCode.InvalidArgument) {
      logSafely(log, 'error', { err: errorMessage(err), sessionId: pending.sessionId }, 'session stop refused by the journal; the session is given up');
      faults.raise('journal-unavailable', errorMessage(err));
      this.stopping = null;
      this.sessionId = null;
      this.current = null;
      this.deps.stopped(null);
      return;
    }
    pending.failures += 1;
    pending.firstFailureMono ??= clock.monotonicMs();
    const storageGone = code === EvseErrorCode.JournalUnavailable || code === EvseErrorCode.JournalCorrupt;
    const outOfPatience = clock.monotonicMs() - pending.firstFailureMono >= STOP_COMMIT_PATIENCE_MS;
    if ((storageGone || outOfPatience) && !pending.faultRaised) {
      pending.faultRaised = true;
      faults.raise('journal-unavailable', `session stop: ${errorMessage(err)}`);
    }
    const delayMs = Math.min(STOP_COMMIT_RETRY_MAX_MS, STOP_COMMIT_RETRY_FIRST_MS * 2 ** Math.min(pending.failures - 1, 16));
    logSafely(
      log,
      pending.failures === 1 ? 'error' : 'warn',
      { err: errorMessage(err), sessionId: pending.sessionId, failures: pending.failures, retryInMs: delayMs },
      'session stop could not be committed; will retry',
    );
    if (this.disposed) return;
    pending.timer = clock.setTimeout(() => {
      pending.timer = null;
      this.track(this.commitStop(stop), 'stop');
    }, delayMs);
  }

  /** Cancels a scheduled retry of the stop (shutdown): the journal's boot recovery closes the open row. */
  dispose(): void {
    this.disposed = true;
    if (this.stopping?.timer) this.deps.clock.clearTimeout(this.stopping.timer);
  }

  /** The EV left: the stopped session gets its unplug time. */
  unplugged(): void {
    this.plugInAtMono = null;
    if (this.sessionId !== null) {
      // The EV left a running or stopping session: its stop is committed first, and the runner calls this again then.
      // The unplug is stamped now, when the pilot saw it, not when that commit came back (idle time is billed up to it).
      this.unplugSeenAtMs ??= this.deps.clock.nowMs();
      return;
    }
    const id = this.lastSessionId;
    const at = this.unplugSeenAtMs ?? this.deps.clock.nowMs();
    this.unplugSeenAtMs = null;
    if (id === null) return;
    this.lastSessionId = null;
    this.track(() => this.deps.sessions.recordEvent(id, { kind: 'unplugged', atMs: at }), 'event');
    this.track(() => this.deps.sessions.recordUnplug(id, at), 'unplug');
  }

  /** A meter sample: stored with the session while one samples, and read for the timeline. */
  sample(sample: MeterSample): void {
    if (this.samplingSessionId === null) return;
    const id = this.samplingSessionId;
    this.track(() => this.deps.sessions.recordSample(id, sample), 'sample');
    this.trackTimeline(sample);
  }

  statusChanged(status: ChargePointStatus): void {
    if (this.sessionId === null) return;
    if (status === 'SuspendedEVSE') {
      this.recordEvent('suspended-evse');
      // `resumed` comes from the detector once the EV draws again (one source, so never twice); an EV that stays
      // quiet after the suspension is idle only after the hold. Before any energy flowed, energy-flow-started marks it.
      if (this.energyFlowSeen) this.completion.suspendedByStation();
    }
    // A stop-class fault pauses the session: the detector must not read the pause (no samples at all while the meter
    // is lost) as the EV having stopped drawing.
    if (status === 'Faulted') this.completion.pausedByFault();
  }

  recordEvent(kind: SessionEventKind, detail?: Readonly<Record<string, string | number | boolean | null>>, atMs?: number): void {
    const id = this.sessionId;
    if (id === null) return;
    const event = { kind, atMs: atMs ?? this.deps.clock.nowMs(), ...(detail ? { detail } : {}) };
    this.track(() => this.deps.sessions.recordEvent(id, event), 'event');
  }

  /** Waits for journal writes in flight (sessions starting and stopping, samples, events). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private newCompletionDetector(): ChargingCompletionDetector {
    const { chargingCompleteBelowA, chargingCompleteAfterS } = this.deps.control;
    return new ChargingCompletionDetector(chargingCompleteBelowA, chargingCompleteAfterS * 1000);
  }

  /**
   * Timeline facts from the session's samples: energy flow started, then charging completed / resumed as often as the
   * EV stops and starts drawing (also after a SuspendedEVSE). Only samples taken while the station offers power
   * (Charging, SuspendedEV) speak for the EV; in any other status the station holds the power back.
   */
  private trackTimeline(sample: MeterSample): void {
    const currentsA = sample.phases.map((p) => p.currentA);
    if (!this.energyFlowSeen) {
      if (!this.completion.isDrawing(currentsA)) return;
      this.energyFlowSeen = true;
      this.recordEvent('energy-flow-started');
    }
    const status = this.deps.status();
    // A kept session without its EV (SuspendedEV too) says nothing about an EV: as while the station holds power back.
    if (this.evAway || (status !== 'Charging' && status !== 'SuspendedEV')) {
      this.completion.interrupt();
      return;
    }
    const event = this.completion.observe({
      atMs: this.deps.clock.monotonicMs(),
      currentsA,
      suspendedEv: status === 'SuspendedEV',
    });
    if (event !== null) this.recordEvent(event.kind);
  }

  /**
   * Keeps a journal promise from floating. A recorder that throws at once counts as one that rejects. A storage
   * failure raises journal-unavailable; a refusal for a programming error (EvseError with another code) is logged,
   * since the storage itself is fine.
   */
  private track(work: Promise<unknown> | (() => Promise<unknown>), what: string): void {
    let promise: Promise<unknown>;
    try {
      promise = typeof work === 'function' ? work() : work;
    } catch (err) {
      promise = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const tracked = promise.catch((err: unknown) => {
      logSafely(this.deps.log, 'error', { err: errorMessage(err), what }, 'journal write failed');
      if (err instanceof EvseError && err.code !== EvseErrorCode.JournalUnavailable) return;
      this.deps.faults.raise('journal-unavailable', `${what}: ${errorMessage(err)}`);
    });
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

}

