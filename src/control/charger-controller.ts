import type { MeterSample } from '../../hal/meter.js';
import type { PilotOutput, PilotReading } from '../../hal/pilot.js';
import type { ContactorPosition } from '../../hal/contactor.js';
import type { InputsSnapshot } from '../../hal/inputs.js';
import type { StationHardware } from '../../hal/index.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { ControlConfig, LimitsConfig } from '../config/schema.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  initialChargerState,
  interlockAllowsClose,
  step,
  type ChargePointStatus,
  type ChargerAction,
  type ChargerInput,
  type ChargerState,
  type StopReason,
  type TimerName,
} from './charger-fsm.js';
import { ChargingCompletionDetector } from './charging-completion.js';
import { FaultRegistry, type FaultEvent, type FaultSummary } from './fault-registry.js';
import type { FaultName } from './faults.js';
import { MeterPoller } from './meter-poller.js';
import { PilotLayer, type PilotEvent } from './pilot-layer.js';
import { offeredCurrent, type OfferedCurrent } from './power-limit.js';
import { SampleMonitor } from './sample-monitor.js';
import type { SessionEventKind, SessionSink } from './session-port.js';

export interface ChargerControllerDeps {
  readonly hardware: StationHardware;
  readonly control: ControlConfig;
  readonly limits: LimitsConfig;
  readonly phases: 1 | 3;
  /** Meter sampling interval (the meter section of the config owns it). */
  readonly meterPollIntervalMs: number;
  readonly sessions: SessionSink;
  readonly clock: Clock;
  /** The clock of real I/O (meter silence); defaults to `clock`. Differs only under `evse sim --speed N`. */
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

/**
 * The runner of the charger state machine. It feeds hardware readings, faults and commands into the pure `step`
 * function and performs the actions it returns. Safety path: a pilot edge reaches `contactor.open()` synchronously in
 * the driver's callback (no timer, no await, no I/O in between); the journal is only ever awaited before closing.
 */
export class ChargerController {
  readonly faults: FaultRegistry;
  readonly meterPoller: MeterPoller;
  private state: ChargerState;
  private readonly pilotLayer: PilotLayer;
  private readonly sampleMonitor: SampleMonitor;
  private readonly queue: ChargerInput[] = [];
  private dispatching = false;
  private readonly timers = new Map<TimerName, TimerHandle>();
  private readonly listeners = new Set<(event: ControllerEvent) => void>();
  private readonly tickListeners = new Set<() => void>();
  private readonly unsubscribers: (() => void)[] = [];
  private tickTimer: TimerHandle | undefined;
  private feedbackTimer: TimerHandle | undefined;
  private offerTimer: TimerHandle | undefined;
  private externalLimitA: number | null = null;
  private offer: OfferedCurrent;
  private lastOfferChangeMono = Number.NEGATIVE_INFINITY;
  private openSinceMono: number | null = 0;
  private readonly pending = new Set<Promise<unknown>>();
  // Session bookkeeping (facts for the journal, not control decisions).
  private sessionId: number | null = null;
  /** The session samples go to; null from the moment its stop is queued (nothing follows a stop in the journal). */
  private samplingSessionId: number | null = null;
  private lastSessionId: number | null = null;
  private plugInAtMs: number | null = null;
  private authorizedAtMs: number | null = null;
  private energyFlowSeen = false;
  /** Charging completed / resumed for the timeline; a fresh one per session. */
  private completion: ChargingCompletionDetector;
  private stopIdTag: string | undefined;
  private disposed = false;

  constructor(private readonly deps: ChargerControllerDeps) {
    const { clock, control } = deps;
    this.faults = new FaultRegistry(clock, { count: control.faultRetryCount, delayS: control.faultRetryDelayS });
    this.offer = this.computeOffer();
    this.state = initialChargerState({ freeVend: control.freeVend, offeredA: this.offer.amps });
    this.completion = this.newCompletionDetector();
    this.pilotLayer = new PilotLayer(deps.hardware.pilot.read(), control.pilotDebounceMs, clock, (e) =>
      this.onPilotEvent(e),
    );
    this.sampleMonitor = new SampleMonitor(control, this.faults, clock);
    this.meterPoller = new MeterPoller(
      deps.hardware.meter,
      {
        intervalMs: deps.meterPollIntervalMs,
        maxFailures: control.meterMaxFailures,
        maxSilenceMs: control.meterMaxSilenceS * 1000,
      },
      clock,
      this.faults,
      deps.log.child({ module: 'meter' }),
      deps.ioClock ?? clock,
    );
  }

  /** Drives the outputs to their safe starting point and starts listening to the hardware. */
  start(): void {
    const { hardware } = this.deps;
    this.safeOutputs('startup');
    this.unsubscribers.push(
      hardware.pilot.onChange((r) => this.onPilotReading(r)),
      hardware.contactor.onFeedback(() => this.checkFeedback()),
      hardware.inputs.onChange((s) => this.onInputs(s)),
      this.faults.onChange((event, summary) => this.onFaults(event, summary)),
      this.meterPoller.onSample((s) => this.onSample(s)),
    );
    this.onInputs(hardware.inputs.read());
    this.meterPoller.start();
    this.tickTimer = this.deps.clock.setInterval(() => this.tick(), 100);
    // The pilot may already show an EV (plugged in across a restart).
    this.pilotLayer.feed(hardware.pilot.read());
  }

  // ---- commands (plain inputs from the station, the simulator, the CLI or OCPP) ----

  /** An authorized id tag (or null for free vend): starts a session once an EV is present. */
  authorize(idTag: string | null): void {
    this.authorizedAtMs = this.deps.clock.nowMs();
    this.dispatch({ type: 'authorize', idTag });
  }

  /** Stops the running session (or drops a pending authorization). */
  stop(reason: StopReason, idTag?: string, immediate = false): void {
    this.stopIdTag = idTag;
    this.dispatch({ type: 'stop', reason, immediate });
  }

  /** Smart charging or operator limit in A; null removes it. */
  setExternalLimit(limitA: number | null): void {
    this.externalLimitA = limitA;
    this.updateOffer();
  }

  /** ChangeAvailability. Returns 'Scheduled' when a session runs. */
  setAvailability(operative: boolean): 'Accepted' | 'Scheduled' {
    const scheduled = !operative && this.state.session !== 'none';
    this.dispatch({ type: 'availability', operative });
    return scheduled ? 'Scheduled' : 'Accepted';
  }

  setReserved(active: boolean): void {
    this.dispatch({ type: 'reservation', active });
  }

  /** Operator reset of latched faults whose condition is gone. */
  resetFaults(): FaultName[] {
    return this.faults.reset();
  }

  /** Raises a fault found outside the control core (journal unavailable, a driver error in the station). */
  raiseFault(name: FaultName, detail: string): void {
    this.faults.raise(name, detail);
  }

  // ---- read side ----

  snapshot(): ChargerState {
    return this.state;
  }

  currentOffer(): OfferedCurrent {
    return this.offer;
  }

  activeSessionId(): number | null {
    return this.sessionId;
  }

  /** The running session, else the one that stopped while its EV is still plugged in (until the unplug). */
  connectedSessionId(): number | null {
    return this.sessionId ?? this.lastSessionId;
  }

  onEvent(listener: (event: ControllerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called on every control-loop tick (100 ms): the watchdog is fed from here. */
  onTick(listener: () => void): () => void {
    this.tickListeners.add(listener);
    return () => this.tickListeners.delete(listener);
  }

  /**
   * Synchronous safe state: contactor open, pilot in state F. Never throws; safe to call at any time, repeatedly.
   * Used by the fail-safe exit path before anything asynchronous happens.
   */
  enterSafeState(reason: string): void {
    this.safeOutputs(reason, { mode: 'stateF' });
  }

  /** Waits for journal writes in flight (sessions stopping, samples). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Stops timers and listeners; leaves the outputs safe. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.enterSafeState('shutdown');
    for (const u of this.unsubscribers.splice(0)) u();
    for (const t of this.timers.values()) this.deps.clock.clearTimeout(t);
    this.timers.clear();
    if (this.tickTimer !== undefined) this.deps.clock.clearInterval(this.tickTimer);
    if (this.feedbackTimer !== undefined) this.deps.clock.clearTimeout(this.feedbackTimer);
    if (this.offerTimer !== undefined) this.deps.clock.clearTimeout(this.offerTimer);
    this.pilotLayer.dispose();
    this.faults.dispose();
    await this.meterPoller.stop();
    await this.settle();
  }

  // ---- the runner ----

  /** Feeds one input; inputs raised while performing actions are queued and run in order. */
  private dispatch(input: ChargerInput): void {
    if (this.disposed) return;
    this.queue.push(input);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      let next: ChargerInput | undefined;
      while ((next = this.queue.shift()) !== undefined) {
        const { state, actions } = step(this.state, next, {
          forceOpenMs: this.deps.control.pwmRemovedForceOpenS * 1000,
          fHoldMs: 300,
        });
        const previous = this.state;
        this.state = state;
        for (const action of actions) this.perform(action, previous);
      }
    } finally {
      this.dispatching = false;
    }
  }

  private perform(action: ChargerAction, previous: ChargerState): void {
    switch (action.type) {
      case 'contactor':
        if (action.position === 'open') this.openContactor();
        else this.closeContactor();
        return;
      case 'pilot':
        this.setPilot(action.output);
        return;
      case 'start-session':
        this.beginSession(action.idTag);
        return;
      case 'stop-session':
        this.endSession(action.reason);
        return;
      case 'start-timer':
        this.startTimer(action.name, action.ms);
        return;
      case 'cancel-timer':
        this.cancelTimer(action.name);
        return;
      case 'status':
        this.onStatus(action.status, previous.status);
        return;
    }
  }

  private openContactor(): void {
    const { contactor, pilot } = this.deps.hardware;
    this.openSinceMono = this.deps.clock.monotonicMs();
    try {
      contactor.open();
    } catch (err) {
      // The relay may still be energised: tell the EV to stop drawing, then latch the fault.
      try {
        pilot.setOutput({ mode: 'stateF' });
      } catch {
        /* already failing; the fault below says so */
      }
      this.faults.raise('driver-failure', `contactor open failed: ${(err as Error).message}`);
      return;
    }
    this.emit({ type: 'contactor', position: 'open' });
    this.armFeedbackCheck();
  }

  private closeContactor(): void {
    const { contactor, pilot } = this.deps.hardware;
    // Belt and braces: re-check the interlock against a fresh pilot reading (diode checked before every close).
    const reading = pilot.read();
    const fresh = { ...this.state, pilot: reading.state, diodeOk: this.state.diodeOk && reading.negativeLevelOk };
    if (!interlockAllowsClose(fresh) || this.faults.summary().stopLatched) {
      this.deps.log.warn({ pilot: reading.state }, 'close refused by interlock on fresh reading');
      this.state = { ...this.state, contactor: 'open' };
      if (!reading.negativeLevelOk) this.dispatch({ type: 'diode-failed' });
      return;
    }
    try {
      contactor.close();
    } catch (err) {
      this.state = { ...this.state, contactor: 'open' };
      this.safeOutputs('close failed');
      this.faults.raise('contactor-close-failed', `contactor close failed: ${(err as Error).message}`);
      return;
    }
    this.openSinceMono = null;
    this.emit({ type: 'contactor', position: 'closed' });
    this.armFeedbackCheck();
  }

  private setPilot(output: PilotOutput): void {
    const { pilot } = this.deps.hardware;
    this.pilotLayer.setGenerator(output);
    try {
      pilot.setOutput(output);
    } catch (err) {
      this.safeOutputs('pilot write failed');
      this.faults.raise('driver-failure', `pilot output failed: ${(err as Error).message}`);
      return;
    }
    this.pilotLayer.feed(pilot.read());
  }

  /** Forces the outputs safe without going through the state machine (exit path, driver failures). Never throws. */
  private safeOutputs(reason: string, output: PilotOutput = { mode: 'steady' }): void {
    const { contactor, pilot } = this.deps.hardware;
    try {
      contactor.open();
      this.openSinceMono ??= this.deps.clock.monotonicMs();
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message, reason }, 'contactor open failed in safe state');
    }
    this.pilotLayer.setGenerator(output);
    try {
      pilot.setOutput(output);
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message, reason }, 'pilot output failed in safe state');
    }
    this.state = { ...this.state, contactor: 'open', output };
  }

  private startTimer(name: TimerName, ms: number): void {
    this.cancelTimer(name);
    this.timers.set(
      name,
      this.deps.clock.setTimeout(() => {
        this.timers.delete(name);
        this.dispatch({ type: 'timer', name });
      }, ms),
    );
  }

  private cancelTimer(name: TimerName): void {
    const t = this.timers.get(name);
    if (t !== undefined) this.deps.clock.clearTimeout(t);
    this.timers.delete(name);
  }

  // ---- hardware and fault inputs ----

  private onPilotReading(reading: PilotReading): void {
    this.pilotLayer.feed(reading);
  }

  private onPilotEvent(event: PilotEvent): void {
    this.emit({ type: 'pilot', event });
    switch (event.name) {
      case 'PilotFault':
        this.faults.raise('pilot-fault', `control pilot in state ${event.state}`);
        break;
      case 'DiodeFault':
        this.faults.raise('diode-fault', 'no negative pilot level while PWM runs');
        this.dispatch({ type: 'diode-failed' });
        return;
      case 'PilotRecovered':
        this.faults.conditionGone('pilot-fault');
        break;
      case 'EvConnected':
        this.plugInAtMs = this.deps.clock.nowMs();
        break;
      case 'EvDisconnected':
        this.faults.conditionGone('pilot-fault');
        this.faults.conditionGone('diode-fault');
        this.faults.unplugged();
        this.onUnplugged();
        break;
      default:
        break;
    }
    this.dispatch({ type: 'pilot', state: event.state });
  }

  private onInputs(s: InputsSnapshot): void {
    const { temperature } = this.deps.control;
    if (s.rcdTripped) this.faults.raise('rcd-trip', 'RCD trip input active');
    else this.faults.conditionGone('rcd-trip');
    if (s.emergencyStop) this.faults.raise('emergency-stop', 'emergency stop pressed');
    else this.faults.conditionGone('emergency-stop');
    if (s.temperatureC !== null) {
      const t = s.temperatureC;
      if (t >= temperature.stopC) this.faults.raise('over-temperature', `${t} °C ≥ ${temperature.stopC} °C`);
      if (t >= temperature.derateC) this.faults.raise('high-temperature', `${t} °C ≥ ${temperature.derateC} °C`);
      if (t < temperature.resumeC) {
        this.faults.conditionGone('over-temperature');
        this.faults.conditionGone('high-temperature');
      }
    }
  }

  private onFaults(event: FaultEvent, summary: FaultSummary): void {
    this.emit({ type: 'fault', event, summary });
    const relevant = event.type === 'cleared' || event.fault.definition.severity !== 'warn';
    if (this.sessionId !== null && relevant) {
      const name = event.type === 'raised' ? event.fault.definition.name : event.name;
      this.recordEvent(event.type === 'raised' ? 'fault-raised' : 'fault-cleared', { fault: name });
    }
    this.updateOffer();
    this.dispatch({ type: 'faults', stop: summary.stopLatched, endsSession: summary.endSessionWith });
  }

  private onSample(sample: MeterSample): void {
    const offeredA = this.state.output.mode === 'pwm' ? this.state.offeredA : 0;
    this.sampleMonitor.evaluate(sample, { offeredA, openSinceMono: this.openSinceMono, phases: this.deps.phases });
    if (this.samplingSessionId === null) return;
    const id = this.samplingSessionId;
    this.track(this.deps.sessions.recordSample(id, sample), 'sample');
    this.trackTimeline(sample);
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
    const { status } = this.state;
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

  private checkFeedback(): void {
    const { contactor } = this.deps.hardware;
    const fb = contactor.feedback();
    if (fb === null) return;
    if (fb === contactor.commanded()) {
      if (fb === 'open') {
        this.faults.conditionGone('contactor-welded');
        this.faults.conditionGone('contactor-close-failed');
      }
    }
  }

  /** After each command, the auxiliary contact must agree within the feedback time. */
  private armFeedbackCheck(): void {
    const { contactor } = this.deps.hardware;
    if (contactor.feedback() === null) return;
    if (this.feedbackTimer !== undefined) this.deps.clock.clearTimeout(this.feedbackTimer);
    const commanded = contactor.commanded();
    this.feedbackTimer = this.deps.clock.setTimeout(() => {
      this.feedbackTimer = undefined;
      const fb = contactor.feedback();
      if (fb === null || contactor.commanded() !== commanded) return;
      if (fb === commanded) {
        // Agreement after an open also ends a close-failed condition whose contact never moved (no edge to hear).
        this.checkFeedback();
        return;
      }
      if (commanded === 'open') this.faults.raise('contactor-welded', 'auxiliary contact still closed after open');
      else this.faults.raise('contactor-close-failed', 'auxiliary contact still open after close');
    }, this.deps.control.contactorFeedbackMs);
  }

  private tick(): void {
    // An open that failed (relay driver error) is retried until the output agrees.
    if (this.state.contactor === 'open' && this.deps.hardware.contactor.commanded() === 'closed') this.openContactor();
    this.meterPoller.checkSilence();
    for (const l of [...this.tickListeners]) l();
  }

  // ---- limits ----

  private computeOffer(): OfferedCurrent {
    const { limits, control } = this.deps;
    return offeredCurrent({
      hardwareMaxA: limits.hardwareMaxA,
      cableMaxA: limits.cableMaxA,
      configuredMaxA: limits.configuredMaxA,
      externalA: this.externalLimitA,
      temperatureA: this.faults.summary().derating ? control.temperature.derateToA : null,
    });
  }

  /** Applies a new limit: reductions at once, increases at most every pwmChangeMinIntervalS. */
  private updateOffer(): void {
    const target = this.computeOffer();
    const applied = this.state.offeredA;
    if (this.offerTimer !== undefined) {
      this.deps.clock.clearTimeout(this.offerTimer);
      this.offerTimer = undefined;
    }
    if (target.amps === applied) {
      this.offer = target;
      return;
    }
    const minGapMs = this.deps.control.pwmChangeMinIntervalS * 1000;
    const sinceLast = this.deps.clock.monotonicMs() - this.lastOfferChangeMono;
    if (target.amps < applied || sinceLast >= minGapMs || this.state.output.mode !== 'pwm') {
      this.applyOffer(target);
    } else {
      this.offerTimer = this.deps.clock.setTimeout(() => {
        this.offerTimer = undefined;
        this.updateOffer();
      }, minGapMs - sinceLast);
    }
  }

  private applyOffer(target: OfferedCurrent): void {
    this.offer = target;
    this.lastOfferChangeMono = this.deps.clock.monotonicMs();
    this.emit({ type: 'limit', offer: target });
    if (this.sessionId !== null) this.recordEvent('limit-changed', { amps: target.amps, limitedBy: target.limitedBy });
    this.dispatch({ type: 'offer', amps: target.amps });
  }

  // ---- sessions (journal first) ----

  private beginSession(idTag: string | null): void {
    const { clock, sessions } = this.deps;
    const work = (async () => {
      const sample = await this.meterPoller.readNow();
      if (sample === null) throw new Error('no meter reading for meterStart');
      const now = clock.nowMs();
      const start = {
        connectorId: this.deps.connectorId ?? 1,
        idTag,
        plugInAtMs: this.plugInAtMs ?? now,
        authorizedAtMs: this.authorizedAtMs ?? now,
        startAtMs: now,
        meterStartWh: sample.importWh,
        // Times stamped by a clock the CSMS has not set yet are marked, to be corrected when it does.
        clockTrusted: clock.trusted?.() ?? true,
      };
      const id = await sessions.startSession(start);
      return { id, meterStartWh: sample.importWh, startAtMs: now };
    })();
    this.track(
      work.then(
        ({ id, meterStartWh, startAtMs }) => {
          this.sessionId = id;
          this.samplingSessionId = id;
          this.lastSessionId = id;
          this.energyFlowSeen = false;
          this.completion = this.newCompletionDetector();
          this.emit({ type: 'session-started', sessionId: id, idTag, meterStartWh, startAtMs });
          this.recordEvent('plugged-in', {}, this.plugInAtMs ?? undefined);
          this.recordEvent('authorized', { idTag }, this.authorizedAtMs ?? undefined);
          this.dispatch({ type: 'session-started' });
        },
        (err: unknown) => {
          const message = (err as Error).message;
          this.deps.log.error({ err: message }, 'session could not be started');
          if (!/meter/.test(message)) this.faults.raise('journal-unavailable', message);
          this.dispatch({ type: 'session-start-failed' });
        },
      ),
      'start',
    );
  }

  private endSession(reason: StopReason): void {
    const id = this.sessionId;
    const { clock, sessions } = this.deps;
    if (id === null) {
      this.dispatch({ type: 'session-stopped' });
      return;
    }
    const stopIdTag = this.stopIdTag;
    this.stopIdTag = undefined;
    const work = (async () => {
      const sample = await this.meterPoller.readNow();
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
          this.emit({ type: 'session-stopped', sessionId: id, reason, meterStopWh });
          this.dispatch({ type: 'session-stopped' });
          if (this.state.pilot === 'A') this.onUnplugged();
        },
        (err: unknown) => {
          this.deps.log.error({ err: (err as Error).message, sessionId: id }, 'session stop could not be committed');
          this.faults.raise('journal-unavailable', (err as Error).message);
          this.sessionId = null;
          this.dispatch({ type: 'session-stopped' });
        },
      ),
      'stop',
    );
  }

  private onUnplugged(): void {
    const id = this.sessionId === null ? this.lastSessionId : null;
    if (id === null) return;
    this.lastSessionId = null;
    const at = this.deps.clock.nowMs();
    this.track(this.deps.sessions.recordEvent(id, { kind: 'unplugged', atMs: at }), 'event');
    this.track(this.deps.sessions.recordUnplug(id, at), 'unplug');
  }

  private onStatus(status: ChargePointStatus, previous: ChargePointStatus): void {
    this.emit({ type: 'status', status, previous });
    if (this.sessionId === null) return;
    if (status === 'SuspendedEVSE') {
      this.recordEvent('suspended-evse');
      // `resumed` comes from the detector once the EV draws again (one source, so never twice); an EV that stays
      // quiet after the suspension is idle only after the hold. Before any energy flowed, energy-flow-started marks it.
      if (this.energyFlowSeen) this.completion.suspendedByStation();
    }
  }

  private recordEvent(
    kind: SessionEventKind,
    detail?: Readonly<Record<string, string | number | boolean | null>>,
    atMs?: number,
  ): void {
    if (this.sessionId === null) return;
    const event = { kind, atMs: atMs ?? this.deps.clock.nowMs(), ...(detail ? { detail } : {}) };
    this.track(this.deps.sessions.recordEvent(this.sessionId, event), 'event');
  }

  /**
   * Keeps a journal promise from floating. A storage failure raises journal-unavailable; a refusal for a programming
   * error (EvseError with another code) is logged, since the storage itself is fine.
   */
  private track(promise: Promise<unknown>, what: string): void {
    const tracked = promise.catch((err: unknown) => {
      this.deps.log.error({ err: (err as Error).message, what }, 'journal write failed');
      if (err instanceof EvseError && err.code !== EvseErrorCode.JournalUnavailable) return;
      this.faults.raise('journal-unavailable', `${what}: ${(err as Error).message}`);
    });
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  private emit(event: ControllerEvent): void {
    for (const l of [...this.listeners]) l(event);
  }
}
