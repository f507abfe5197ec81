import type { MeterSample } from '../../hal/meter.js';
import type { Clock } from '../clock.js';
import type { ControlConfig } from './config.js';
import { EvseError, EvseErrorCode, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { logSafely } from './safe-log.js';
import type { ChargePointStatus, StopReason } from './charger-fsm.js';
import { ChargingCompletionDetector } from './charging-completion.js';
import type { FaultRegistry } from './fault-registry.js';
import type { MeterPoller } from './meter-poller.js';
import type { SessionEventKind, SessionRecorder } from './session-port.js';

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
  /** The stop is committed (or could not be: then the journal is unavailable, and the session is over for control). */
  readonly stopped: (s: { sessionId: number; reason: StopReason; meterStopWh: number } | null) => void;
}

/**
 * Makes the session's facts durable through the session port (DESIGN.md "journal first"): the start before the
 * contactor may close, the stop before the status changes, the samples and the timeline. It decides nothing about
 * the outputs; it reports commits and failures back to the runner.
 */
export class SessionJournal {
  private sessionId: number | null = null;
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
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly deps: SessionJournalDeps) {
    this.completion = this.newCompletionDetector();
  }

  activeSessionId(): number | null {
    return this.sessionId;
  }

  /** The running session, else the one that stopped while its EV is still plugged in (until the unplug). */
  connectedSessionId(): number | null {
    return this.sessionId ?? this.lastSessionId;
  }

  pluggedIn(): void {
    this.plugInAtMono = this.deps.clock.monotonicMs();
    this.unplugSeenAtMs = null;
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
          this.samplingSessionId = id;
          this.lastSessionId = id;
          this.energyFlowSeen = false;
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

  /** Commits the stop with the meter's last reading. */
  end(reason: StopReason): void {
    const id = this.sessionId;
    const { clock, sessions } = this.deps;
    if (id === null) {
      this.deps.stopped(null);
      return;
    }
    const stopIdTag = this.stopIdTag;
    this.stopIdTag = undefined;
    const work = (async () => {
      const sample = await this.deps.meterPoller.readNow();
      // This reading is the last of the session; later ones would follow the stop.
      this.samplingSessionId = null;
      const meterStopWh = sample?.importWh ?? 0;
      const stopAtMs = clock.nowMs();
      await sessions.recordEvent(id, { kind: 'stopped', atMs: stopAtMs, detail: { reason } });
      await sessions.stopSession(id, { stopAtMs, meterStopWh, reason, ...(stopIdTag ? { stopIdTag } : {}) });
      return meterStopWh;
    })();
    this.track(
      work.then(
        (meterStopWh) => {
          this.sessionId = null;
          this.deps.stopped({ sessionId: id, reason, meterStopWh });
        },
        (err: unknown) => {
          logSafely(this.deps.log, 'error', { err: errorMessage(err), sessionId: id }, 'session stop could not be committed');
          this.deps.faults.raise('journal-unavailable', errorMessage(err));
          this.sessionId = null;
          this.deps.stopped(null);
        },
      ),
      'stop',
    );
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
    if (status !== 'Charging' && status !== 'SuspendedEV') {
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

