import type { ContactorPosition } from '../../hal/contactor.js';
import type { StationHardware } from '../../hal/index.js';
import type { MeterSample } from '../../hal/meter.js';
import type { InputsSnapshot } from '../../hal/inputs.js';
import type { PilotReading } from '../../hal/pilot.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { ControlConfig, LimitsConfig } from './config.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { logSafely } from './safe-log.js';
import { evSideSuspended, initialChargerState, type ChargePointStatus, type ChargerAction, type ChargerState, type StopReason } from './charger-fsm.js';
import { ChargerRunner } from './charger-runner.js';
import { FaultRegistry, type FaultEvent, type FaultSummary } from './fault-registry.js';
import type { FaultName } from './faults.js';
import { faultsFromInputs, faultsFromPilot } from './input-faults.js';
import { MeterPoller } from './meter-poller.js';
import { Notifier } from './notifier.js';
import type { LoadLimit } from './load/load-manager.js';
import { OfferGovernor, type ExternalLimitSource } from './offer-governor.js';
import { OutputGuard } from './output-guard.js';
import { PilotLayer, type PilotEvent } from './pilot-layer.js';
import type { OfferedCurrent } from './power-limit.js';
import { SampleMonitor } from './sample-monitor.js';
import { SessionJournal, type RunningSession } from './session-journal.js';
import type { SessionRecorder } from './session-port.js';

export interface ChargerControllerDeps {
  readonly hardware: StationHardware;
  readonly control: ControlConfig;
  readonly limits: LimitsConfig;
  readonly phases: 1 | 3;
  /** Meter sampling interval (the meter section of the config owns it). */
  readonly meterPollIntervalMs: number;
  readonly sessions: SessionRecorder;
  readonly clock: Clock;
  /** The clock of real I/O (meter silence, the relay's closing interval); defaults to `clock`. Differs only under `--speed N`. */
  readonly ioClock?: Clock;
  readonly log: Logger;
  readonly connectorId?: number;
}

/** A change the station reports (one log line each in `evse sim`). */
export type ControllerEvent =
  | { readonly type: 'status'; readonly status: ChargePointStatus; readonly previous: ChargePointStatus }
  | { readonly type: 'fault'; readonly event: FaultEvent; readonly summary: FaultSummary }
  | { readonly type: 'limit'; readonly offer: OfferedCurrent }
  | {
      readonly type: 'session-started';
      readonly sessionId: number;
      readonly idTag: string | null;
      readonly meterStartWh: number;
      readonly startAtMs: number;
    }
  | { readonly type: 'session-stopped'; readonly sessionId: number; readonly reason: StopReason; readonly meterStopWh: number }
  | { readonly type: 'pilot'; readonly event: PilotEvent }
  | { readonly type: 'contactor'; readonly position: ContactorPosition };

/** How often the control tick re-checks the outputs and feeds the watchdog. */
const TICK_MS = 100;

/**
 * The control core of one connector, as the station sees it: commands in, events out. It wires the parts, each with
 * one job — the state machine's runner, the output guard, the offer governor, the session journal, the input-to-fault
 * mapping — and reads top to bottom on the safety path:
 *
 *   hardware callback → pilot layer / fault registry → runner.dispatch → step → output guard (GPIO write)
 *   → only then: notifications (each listener isolated; one that throws raises driver-failure) and journal writes.
 *
 * A pilot edge reaches `contactor.open()` synchronously in the driver's callback (no timer, no await, no I/O in
 * between); the journal is only ever awaited before closing.
 */
export class ChargerController {
  readonly faults: FaultRegistry;
  readonly meterPoller: MeterPoller;
  private readonly notifier: Notifier<ControllerEvent>;
  private readonly tickListeners = new Set<() => void>();
  private readonly pilotLayer: PilotLayer;
  private readonly guard: OutputGuard;
  private readonly governor: OfferGovernor;
  private readonly journal: SessionJournal;
  private readonly runner: ChargerRunner;
  private readonly sampleMonitor: SampleMonitor;
  private readonly unsubscribers: (() => void)[] = [];
  private tickTimer: TimerHandle | undefined;
  private disposed = false;
  private connectionTimeoutMs = 0;
  private readonly unlockWaiters = new Set<(ok: boolean) => void>();

  constructor(private readonly deps: ChargerControllerDeps) {
    const { clock, control, hardware } = deps;
    const ioClock = deps.ioClock ?? clock;
    this.notifier = new Notifier<ControllerEvent>((err, event) => this.listenerFailed(err, event.type));
    this.faults = new FaultRegistry(clock, { count: control.faultRetryCount, delayS: control.faultRetryDelayS }, (err) =>
      this.listenerFailed(err, 'fault'),
    );
    this.meterPoller = new MeterPoller(
      hardware.meter,
      {
        intervalMs: deps.meterPollIntervalMs,
        maxFailures: control.meterMaxFailures,
        maxSilenceMs: control.meterMaxSilenceS * 1000,
      },
      clock,
      this.faults,
      deps.log.child({ module: 'meter' }),
      ioClock,
    );
    this.sampleMonitor = new SampleMonitor(control, this.faults, clock);
    // Debounced edges arrive from the layer's own timer too: every pilot event is one reaction.
    this.pilotLayer = new PilotLayer(hardware.pilot.read(), control.pilotDebounceMs, clock, (e) =>
      this.reacting(() => this.onPilotEvent(e)),
    );
    this.guard = new OutputGuard({
      hardware,
      pilotLayer: this.pilotLayer,
      faults: this.faults,
      clock,
      ioClock,
      log: deps.log,
      onContactor: (position) => this.notifier.post({ type: 'contactor', position }),
      recheck: () => this.runner.dispatch({ type: 'recheck' }),
      diodeFailed: () => this.runner.dispatch({ type: 'diode-failed' }),
    });
    this.journal = new SessionJournal({
      sessions: deps.sessions,
      meterPoller: this.meterPoller,
      faults: this.faults,
      control,
      clock,
      log: deps.log,
      connectorId: deps.connectorId ?? 1,
      status: () => this.runner.snapshot().status,
      // Control learns of a commit first; the notification follows the reaction, so a listener cannot undo it.
      started: (s) =>
        this.notifier.reacting(() => {
          this.runner.dispatch({ type: 'session-started' });
          this.notifier.post({ type: 'session-started', ...s });
        }),
      startFailed: () => this.runner.dispatch({ type: 'session-start-failed' }),
      stopped: (s) =>
        this.notifier.reacting(() => {
          this.runner.dispatch({ type: 'session-stopped' });
          if (s !== null) this.notifier.post({ type: 'session-stopped', ...s });
          if (this.runner.snapshot().pilot === 'A') this.journal.unplugged();
        }),
    });
    this.governor = new OfferGovernor({
      limits: deps.limits,
      control,
      clock,
      derating: () => this.faults.summary().derating,
      applied: () => {
        const state = this.runner.snapshot();
        return { amps: state.offeredA, pwm: state.output.mode === 'pwm' };
      },
      apply: (offer) =>
        this.notifier.reacting(() => {
          this.runner.dispatch({ type: 'offer', amps: offer.amps });
          this.notifier.post({ type: 'limit', offer });
          this.journal.recordEvent('limit-changed', { amps: offer.amps, limitedBy: offer.limitedBy });
        }),
    });
    this.runner = new ChargerRunner(
      initialChargerState({
        freeVend: control.freeVend,
        offeredA: this.governor.current().amps,
        cableLock: (hardware.cableLock ?? null) !== null,
        ventilationAvailable: control.ventilationAvailable,
        stopOnEvSideDisconnect: control.stopOnEvSideDisconnect,
      }),
      {
        openContactor: () => {
          this.guard.open();
        },
        closeContactor: (state) => this.guard.close(state),
        setPilot: (output) => {
          const ok = this.guard.setPilot(output);
          // A driver may report the new level synchronously; the layer must see it.
          if (ok) this.pilotLayer.feed(hardware.pilot.read());
          return ok;
        },
        startSession: (idTag) => this.journal.begin(idTag),
        stopSession: (reason) => this.journal.end(reason),
        statusChanged: (status, previous) => {
          this.notifier.post({ type: 'status', status, previous });
          this.journal.statusChanged(status);
        },
        setVentilation: (on) => this.setVentilation(on),
        driveLock: (operation) => this.driveLock(operation),
        effectFailed: (action, err) => this.effectFailed(action, err),
      },
      clock,
      () => ({ forceOpenMs: control.pwmRemovedForceOpenS * 1000, fHoldMs: 300, connectionTimeoutMs: this.connectionTimeoutMs }),
      (fn) => this.notifier.reacting(fn),
    );
  }

  /** Drives the outputs to their safe starting point and starts listening to the hardware. */
  start(): void {
    const { hardware } = this.deps;
    this.forceSafe('startup', { mode: 'steady' });
    this.guard.start();
    this.unsubscribers.push(
      hardware.pilot.onChange((r) => this.reacting(() => this.onPilotReading(r))),
      hardware.inputs.onChange((s) => this.reacting(() => this.onInputs(s))),
      this.faults.onChange((event, summary) => this.reacting(() => this.onFaults(event, summary))),
      this.meterPoller.onSample((s) => this.reacting(() => this.onSample(s))),
    );
    this.reacting(() => this.onInputs(hardware.inputs.read()));
    this.meterPoller.start();
    this.tickTimer = this.deps.clock.setInterval(() => this.tick(), TICK_MS);
    // The pilot may already show an EV (plugged in across a restart).
    this.reacting(() => this.pilotLayer.feed(hardware.pilot.read()));
  }

  // ---- commands (plain inputs from the station, the simulator, the CLI or OCPP) ----

  /**
   * An authorized id tag (or null for free vend): starts a session once an EV is present. Returns whether the charger
   * took it: a session is starting for it, or it waits for the plug-in. While a session runs or stops, while the
   * finished one's EV is still plugged in, or while the station is inoperative, it is not taken.
   */
  authorize(idTag: string | null): boolean {
    this.journal.authorized();
    this.runner.dispatch({ type: 'authorize', idTag });
    const s = this.runner.snapshot();
    const taken = s.session === 'starting' || (s.session === 'none' && s.authorization !== null && s.authorization.idTag === idTag);
    if (!taken) this.journal.authorizationDropped();
    return taken;
  }

  /** Stops the running session (or drops a pending authorization). */
  stop(reason: StopReason, idTag?: string, immediate = false): void {
    this.journal.stopRequestedBy(idTag);
    this.runner.dispatch({ type: 'stop', reason, immediate });
  }

  /** Smart charging (default) or home-automation limit in A; null removes that source's limit only. */
  setExternalLimit(limitA: number | null, source: ExternalLimitSource = 'smart-charging'): void {
    this.governor.setExternalLimit(limitA, source);
  }

  /** Load management's limit (the building's fuse, solar surplus) with its reason; null lifts it. */
  setLoadLimit(limit: LoadLimit | null): void {
    this.governor.setLoadLimit(limit);
  }

  /** ChangeAvailability. Returns 'Scheduled' when a session runs. */
  setAvailability(operative: boolean): 'Accepted' | 'Scheduled' {
    const scheduled = !operative && this.runner.snapshot().session !== 'none';
    this.runner.dispatch({ type: 'availability', operative });
    return scheduled ? 'Scheduled' : 'Accepted';
  }

  /** OCPP ConnectionTimeOut in seconds (0 = never): how long an authorization waits for a plug-in, and the reverse. */
  setConnectionTimeoutS(seconds: number): void {
    this.connectionTimeoutMs = Math.max(0, seconds) * 1000;
  }

  /** OCPP UnlockConnectorOnEVSideDisconnect. */
  setUnlockOnEvSideDisconnect(value: boolean): void {
    this.runner.dispatch({ type: 'unlock-on-ev-side-disconnect', value });
  }

  /**
   * Whether the EV side disconnecting (state A) ends the running session (true) or suspends it until the EV comes
   * back (false); applies at once, also to a session already suspended.
   */
  setStopOnEvSideDisconnect(value: boolean): void {
    this.runner.dispatch({ type: 'stop-on-ev-side-disconnect', value });
  }

  /**
   * OCPP UnlockConnector: stops a running session (UnlockCommand), then releases the lock once the contactor is open.
   * Resolves with the lock's confirmation; never rejects.
   */
  unlockConnector(timeoutMs = 10_000): Promise<'Unlocked' | 'UnlockFailed' | 'NotSupported'> {
    if ((this.deps.hardware.cableLock ?? null) === null) return Promise.resolve('NotSupported');
    // Real time: the lock motor and the EV's grace to stop drawing do not speed up under `--speed`.
    const ioClock = this.deps.ioClock ?? this.deps.clock;
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        this.unlockWaiters.delete(done);
        ioClock.clearTimeout(timer);
        resolve(ok ? 'Unlocked' : 'UnlockFailed');
      };
      const timer = ioClock.setTimeout(() => done(false), timeoutMs);
      this.unlockWaiters.add(done);
      this.runner.dispatch({ type: 'unlock-request' });
    });
  }

  setReserved(active: boolean): void {
    this.runner.dispatch({ type: 'reservation', active });
  }

  /** Operator reset of latched faults whose condition is gone. */
  resetFaults(): FaultName[] {
    return this.reacting(() => this.faults.reset());
  }

  /** Raises a fault found outside the control core (journal unavailable, a driver error in the station). */
  raiseFault(name: FaultName, detail: string): void {
    this.reacting(() => this.faults.raise(name, detail));
  }

  // ---- read side ----

  snapshot(): ChargerState {
    return this.runner.snapshot();
  }

  currentOffer(): OfferedCurrent {
    return this.governor.current();
  }

  /** The open session's start facts (committed start until committed stop), or null. */
  activeSession(): RunningSession | null {
    return this.journal.activeSession();
  }

  activeSessionId(): number | null {
    return this.journal.activeSessionId();
  }

  /** The running session, else the one that stopped while its EV is still plugged in (until the unplug). */
  connectedSessionId(): number | null {
    return this.journal.connectedSessionId();
  }

  /**
   * Subscribes to the controller's events. Delivered after the safety actions of the reaction that caused them; a
   * listener that throws is logged and raises driver-failure (a bug on the control path stops charging), and the
   * other listeners still hear the event.
   */
  onEvent(listener: (event: ControllerEvent) => void): () => void {
    return this.notifier.add(listener);
  }

  /** Called on every control-loop tick (100 ms): the watchdog is fed from here. */
  /** Listeners subscribed now to events, ticks and meter samples: a component that stops must leave these as it found them. */
  listenerCounts(): { readonly events: number; readonly ticks: number; readonly samples: number } {
    return { events: this.notifier.listenerCount, ticks: this.tickListeners.size, samples: this.meterPoller.listenerCount };
  }

  onTick(listener: () => void): () => void {
    this.tickListeners.add(listener);
    return () => this.tickListeners.delete(listener);
  }

  /**
   * Synchronous safe state: contactor open, pilot in state F. Never throws; safe to call at any time, repeatedly.
   * Used by the fail-safe exit path before anything asynchronous happens.
   */
  enterSafeState(reason: string): void {
    this.forceSafe(reason, { mode: 'stateF' });
  }

  /** Waits for journal writes in flight (sessions starting and stopping, samples, events). */
  async drainJournalWrites(): Promise<void> {
    await this.journal.drain();
  }

  /** Stops timers and listeners; leaves the outputs safe. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.enterSafeState('shutdown');
    for (const u of this.unsubscribers.splice(0)) u();
    this.runner.stop();
    if (this.tickTimer !== undefined) this.deps.clock.clearInterval(this.tickTimer);
    this.guard.dispose();
    this.governor.dispose();
    this.pilotLayer.dispose();
    this.faults.dispose();
    // A stop still waiting for its retry is left to the journal's boot recovery (the row stays open, nothing lost).
    this.journal.dispose();
    await this.meterPoller.stop();
    await this.journal.drain();
  }

  // ---- hardware and fault inputs ----

  private reacting<T>(fn: () => T): T {
    return this.notifier.reacting(fn);
  }

  private forceSafe(reason: string, output: { mode: 'steady' } | { mode: 'stateF' }): void {
    this.guard.forceSafe(reason, output);
    this.runner.outputsForcedSafe(output);
  }

  private onPilotReading(reading: PilotReading): void {
    // Read against what the generator really drives: the fail-safe exit path writes state F to the driver directly,
    // and the F that then reads back is our own, not a pilot fault to report to the CSMS on the way out.
    this.pilotLayer.setGenerator(this.deps.hardware.pilot.output());
    this.pilotLayer.feed(reading);
    this.guard.pilotReadingChanged();
  }

  private onPilotEvent(event: PilotEvent): void {
    // Posted first so listeners hear the cause before its effects; delivered only after the reaction below (safety
    // first: the fault and the state machine react before anyone is told).
    this.notifier.post({ type: 'pilot', event });
    faultsFromPilot(event, this.faults);
    if (event.state === 'D' && !this.deps.control.ventilationAvailable) {
      this.faults.raise('ventilation-unavailable', 'the EV asks for state D (ventilation) and none is configured');
    }
    switch (event.name) {
      case 'DiodeFault':
        this.runner.dispatch({ type: 'diode-failed' });
        break;
      case 'DiodeOk':
        this.runner.dispatch({ type: 'diode-ok' });
        break;
      case 'EvConnected':
        this.journal.pluggedIn();
        this.runner.dispatch({ type: 'pilot', state: event.state });
        break;
      case 'EvDisconnected':
        this.runner.dispatch({ type: 'pilot', state: event.state });
        // stopOnEvSideDisconnect false: the session is kept without its EV (billing: neither charging nor idle).
        if (evSideSuspended(this.runner.snapshot())) this.journal.evLeftKeptSession();
        this.journal.unplugged();
        break;
      default:
        this.runner.dispatch({ type: 'pilot', state: event.state });
        break;
    }
  }

  private setVentilation(on: boolean): void {
    const ventilation = this.deps.hardware.ventilation ?? null;
    if (ventilation === null) return;
    try {
      ventilation.set(on);
    } catch (err) {
      this.faults.raise('driver-failure', `ventilation output failed: ${errorMessage(err)}`);
    }
  }

  /** Drives the cable lock; the driver never rejects, and its outcome is fed back to the state machine. */
  private driveLock(operation: 'lock' | 'unlock'): void {
    const lock = this.deps.hardware.cableLock ?? null;
    if (lock === null) {
      this.runner.dispatch({ type: 'lock-result', operation, ok: operation === 'unlock' });
      return;
    }
    const work = operation === 'lock' ? lock.lock() : lock.unlock();
    void work
      .catch((err: unknown) => ({ ok: false as const, failure: 'driver' as const, detail: errorMessage(err) }))
      .then((result) =>
        this.reacting(() => {
          if (this.disposed) return;
          if (!result.ok && operation === 'lock') this.faults.raise('cable-lock-failed', `${result.failure}: ${result.detail}`);
          if (!result.ok && operation === 'unlock') logSafely(this.deps.log, 'error', { detail: result.detail }, 'cable lock did not confirm the unlock');
          this.runner.dispatch({ type: 'lock-result', operation, ok: result.ok });
          if (operation === 'unlock') for (const w of [...this.unlockWaiters]) w(result.ok);
        }),
      );
  }

  private onInputs(s: InputsSnapshot): void {
    faultsFromInputs(s, this.deps.control.temperature, this.faults);
  }

  private onFaults(event: FaultEvent, summary: FaultSummary): void {
    this.governor.update();
    this.runner.dispatch({ type: 'faults', stop: summary.stopLatched, endsSession: summary.endSessionWith });
    this.notifier.post({ type: 'fault', event, summary });
    const relevant = event.type === 'cleared' || event.fault.definition.severity !== 'warn';
    if (relevant) {
      const name = event.type === 'raised' ? event.fault.definition.name : event.name;
      this.journal.recordEvent(event.type === 'raised' ? 'fault-raised' : 'fault-cleared', { fault: name });
    }
  }

  private onSample(sample: MeterSample): void {
    const state = this.runner.snapshot();
    const offeredA = state.output.mode === 'pwm' ? state.offeredA : 0;
    this.sampleMonitor.evaluate(sample, { offeredA, openSinceMono: this.guard.openSince(), phases: this.deps.phases });
    this.journal.sample(sample);
  }

  private tick(): void {
    this.reacting(() => {
      // Fresh readings, not only events: a closed contactor whose conditions no longer hold is opened here, and an
      // open that failed (relay driver error) is retried until the output agrees.
      if (this.guard.supervise(this.runner.snapshot())) this.runner.dispatch({ type: 'recheck' });
      this.meterPoller.checkSilence();
    });
    for (const l of [...this.tickListeners]) {
      try {
        l();
      } catch (err) {
        this.listenerFailed(err, 'tick');
      }
    }
  }

  private effectFailed(action: ChargerAction, err: unknown): void {
    // An effect threw past its own guards (a bug): outputs safe first, then the fault that says so.
    this.forceSafe(`effect ${action.type} failed`, { mode: 'steady' });
    logSafely(this.deps.log, 'error', { err: errorMessage(err), action: action.type }, 'control action failed');
    this.latchOneOff('driver-failure', `control action ${action.type} failed: ${errorMessage(err)}`);
  }

  /** A listener on the control path threw: it is a bug that could hide a fault, so charging stops until a person looks. */
  private listenerFailed(err: unknown, what: string): void {
    logSafely(this.deps.log, 'error', { err: errorMessage(err), event: what }, 'a listener of the control core threw');
    this.reacting(() => this.latchOneOff('driver-failure', `listener of ${what} threw: ${errorMessage(err)}`));
  }

  /** A fault whose cause was one event (a throw), not a lasting condition: latched until a person resets it. */
  private latchOneOff(name: FaultName, detail: string): void {
    this.faults.raise(name, detail);
    this.faults.conditionGone(name);
  }

}

