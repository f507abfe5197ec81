import type { Clock, TimerHandle } from '../hal/base/clock.js';
import { ElectricalModel } from './electrical.js';
import { SimEv, type EvProfile } from './ev.js';
import { SimCableLock } from './sim-cable-lock.js';
import { SimContactor, type SimContactorTiming } from './sim-contactor.js';
import { SimInputs } from './sim-inputs.js';
import { SimPilot } from './sim-pilot.js';

/** Faults the bench tester can inject while the simulator runs. */
export const simFaults = [
  'rcd-trip',
  'emergency-stop',
  'welded-contactor',
  'contactor-fails-to-close',
  'cp-short',
  'missing-diode',
  'meter-silent',
  'ev-ignores-pwm',
  'high-temperature',
  'over-temperature',
  'temperature-sensor',
  'over-voltage',
  'under-voltage',
  'lock-jammed',
  'pilot-driver',
  'relay-driver',
] as const;
export type SimFault = (typeof simFaults)[number];

/**
 * The simulated station surroundings: one EV, the mains and meter model, and the fake pilot, contactor and inputs
 * that implement the hal contracts. A physics tick advances the EV and integrates the energy.
 */
export class SimWorld {
  ev: SimEv;
  readonly electrical: ElectricalModel;
  readonly pilot: SimPilot;
  readonly contactor: SimContactor;
  readonly inputs = new SimInputs();
  /** Used by the station only when it is built as a socket outlet. */
  readonly cableLock: SimCableLock;
  /** Set by whoever serves the meter (direct or over Modbus) to switch "meter does not answer". */
  meterSilence: (silent: boolean) => void = () => undefined;
  private timer: TimerHandle | undefined;
  private lastTickMs: number;

  constructor(
    private readonly clock: Clock,
    evProfile: EvProfile,
    private readonly tickMs = 100,
    initialRegisterWh?: number,
    /** The relay's timing, when a run needs other than the defaults (a benchmark shortens the closing interval). */
    contactorTiming: Partial<SimContactorTiming> = {},
  ) {
    this.electrical = new ElectricalModel(initialRegisterWh);
    this.ev = new SimEv(evProfile);
    this.pilot = new SimPilot(() => ({
      plugged: this.ev.plugged,
      s2Closed: this.ev.s2Closed,
      hasDiode: this.ev.hasDiode,
      ventilation: this.ev.profile.needsVentilation ?? false,
    }), clock);
    this.contactor = new SimContactor(clock, contactorTiming);
    this.cableLock = new SimCableLock(clock);
    this.lastTickMs = clock.monotonicMs();
  }

  start(): void {
    this.lastTickMs = this.clock.monotonicMs();
    this.timer ??= this.clock.setInterval(() => this.tick(), this.tickMs);
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A new car arrives (not yet plugged). */
  replaceEv(profile: EvProfile): void {
    this.ev = new SimEv(profile);
    this.pilot.refresh();
  }

  plug(): void {
    this.ev.plug();
    this.pilot.refresh();
  }

  unplug(): void {
    this.ev.unplug();
    this.electrical.setCurrents(0, 1);
    this.pilot.refresh();
  }

  inject(fault: SimFault, active = true): void {
    switch (fault) {
      case 'rcd-trip':
        this.inputs.set({ rcdTripped: active });
        break;
      case 'emergency-stop':
        this.inputs.set({ emergencyStop: active });
        break;
      case 'welded-contactor':
        this.contactor.welded = active;
        break;
      case 'contactor-fails-to-close':
        this.contactor.failsToClose = active;
        break;
      case 'cp-short':
        this.pilot.cpShorted = active;
        this.pilot.refresh();
        break;
      case 'missing-diode':
        this.ev.hasDiode = !active;
        this.pilot.refresh();
        break;
      case 'meter-silent':
        this.meterSilence(active);
        break;
      case 'ev-ignores-pwm':
        this.ev.ignoresPwm = active;
        break;
      case 'high-temperature':
        this.inputs.set({ temperatureC: active ? 67 : 25 });
        break;
      case 'over-temperature':
        this.inputs.set({ temperatureC: active ? 75 : 25 });
        break;
      case 'temperature-sensor':
        this.inputs.set(active ? { temperatureC: null, temperatureSensorFailed: true } : { temperatureC: 25, temperatureSensorFailed: false });
        break;
      case 'lock-jammed':
        this.cableLock.jammed = active;
        break;
      case 'over-voltage':
        this.electrical.voltagesV = active ? [262, 262, 262] : [230, 230, 230];
        break;
      case 'under-voltage':
        this.electrical.voltagesV = active ? [180, 180, 180] : [230, 230, 230];
        break;
      case 'pilot-driver':
        this.pilot.failWrites = active;
        break;
      case 'relay-driver':
        this.contactor.failWrites = active;
        break;
    }
  }

  /** Advances the physics by the time since the last tick. */
  tick(): void {
    const now = this.clock.monotonicMs();
    const dt = Math.max(0, now - this.lastTickMs);
    this.lastTickMs = now;
    this.electrical.integrate(dt);
    const voltage = this.electrical.voltagesV[0];
    const current = this.ev.advance(now, this.pilot.output(), this.contactor.delivering(), dt, voltage);
    this.electrical.setCurrents(current, this.ev.profile.phases);
    this.pilot.refresh();
  }
}
