import { ElectricalModel } from '../electrical.js';
import { SimEv, type EvProfile } from '../ev.js';
import type { MeterSample } from '../../hal/meter.js';
import type { PilotOutput } from '../../hal/pilot.js';
import { Ds18b20Files, type Ds18b20Fault } from './ds18b20.js';
import { LockMotorModel } from './lock-motor.js';
import { parseBoardOptions, type BoardOptions, type BoardOptionsInput } from './options.js';
import {
  comparatorOutputs,
  cpLevels,
  generatorWave,
  NegativePeakHold,
  peakHighV,
  type ComparatorOutputs,
  type CpLevels,
  type CpLoad,
  type GeneratorWave,
  type PwmChannelView,
} from './pilot-circuit.js';
import { RcdModel } from './rcd.js';
import { RelayModel } from './relay.js';
import { SysfsKernel } from './sysfs-kernel.js';
import { layOutSysfsTree, removeSysfsTree, type SysfsTree } from './sysfs-tree.js';
import { inputSignals, wireBoard, type BoardGpioConfig, type BoardWiring, type InputSignal, type OutputSignal } from './wiring.js';

/** Faults that can be switched on and off while the board runs. */
export const boardFaults = [
  'welded',
  'fails-to-close',
  'missing-diode',
  'cp-short',
  'lock-jammed',
  'rcd-trip',
  'emergency-stop',
  'sensor-gone',
  'sensor-crc',
  'sensor-power-on',
] as const;
export type BoardFault = (typeof boardFaults)[number];

/** What {@link VirtualBoard.create} takes. */
export interface VirtualBoardCreateOptions {
  /** The daemon's `gpio` config (or any object of that shape): which line carries which signal. */
  readonly gpio: BoardGpioConfig;
  /** The board's own options (timing, chips, EV, meter); validated, a bad one names the field. */
  readonly options?: BoardOptionsInput;
  /**
   * Physics time in ms (EV reaction, SoC, energy). Default: real elapsed time × `options.speed`. Electrical timing
   * (relay, detector, lock, RCD) always runs on the real milliseconds given to `tick`.
   */
  readonly physicsMs?: () => number;
  /** Wall clock for meter samples' `readAtMs`. Default `Date.now`. */
  readonly wallClockMs?: () => number;
  /** Told about an exception of the poll loop (the loop keeps running). Default: remembered in `lastError`. */
  readonly onError?: (err: unknown) => void;
}

/** A coil-line change as the board saw it. */
export interface CoilChange {
  readonly active: boolean;
  /** `performance.now()` (or the `tick` time) of the poll that saw the value file change. */
  readonly atMs: number;
}

/** Run-time control of the EV on the board's connector. */
export interface BoardEv {
  /** The simulated EV (its SoC, profile, `ignoresPwm` flag …). */
  readonly sim: SimEv;
  plug(): void;
  unplug(): void;
  /** Swaps the EV for a new one with `profile` (unplugged; call `plug()`). */
  replaceEv(profile: EvProfile): void;
  /** Forces S2 closed or open; null gives S2 back to the EV's own logic. */
  setS2(closed: boolean | null): void;
  /** Fits or removes the EV's diode (same as the `missing-diode` fault). */
  setDiode(present: boolean): void;
  /** Shorts CP to PE (same as the `cp-short` fault). */
  setShort(shorted: boolean): void;
}

/**
 * The virtual board: a sysfs tree the real drivers (onoff + sysfs PWM) and the real daemon open as if it were a
 * Raspberry Pi's, behind which the reference circuit runs with its delays, settle times and failures: the pilot front
 * end (generator, EV network, comparators, negative peak-hold), the contactor relay with its auxiliary contact, the
 * cable lock, the RCD with its self-test, the emergency stop, the ventilation output, a DS18B20, and an EV with the
 * meter it draws through. Made to be as hard as the world: nothing answers at once, nothing reads before it settled.
 */
export class VirtualBoard {
  readonly ev: BoardEv;
  private readonly kernel: SysfsKernel;
  private readonly relay: RelayModel;
  private readonly lock: LockMotorModel;
  private readonly rcd: RcdModel;
  private readonly detector = new NegativePeakHold();
  private readonly electrical: ElectricalModel;
  private readonly sensor: Ds18b20Files | null;
  private simEv: SimEv;
  private s2Override: boolean | null = null;
  private cpShorted = false;
  private emergencyStopPressed = false;
  private lastTickMs: number | null = null;
  private physicsNowMs = 0;
  private lastPhysicsMs: number | null = null;
  private wave: GeneratorWave = { kind: 'steady', positive: false };
  private levels: CpLevels = { highV: 12, lowV: -12 };
  private cmp: ComparatorOutputs = comparatorOutputs(-12, 0);
  private coil = false;
  private lastCoilChange: CoilChange | null = null;
  private readonly coilListeners = new Set<(change: CoilChange) => void>();
  private ventilation = false;
  private evCurrentA = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private error: unknown = null;
  private removed = false;

  private constructor(
    readonly tree: SysfsTree,
    readonly wiring: BoardWiring,
    readonly options: BoardOptions,
    private readonly deps: VirtualBoardCreateOptions,
  ) {
    this.kernel = new SysfsKernel(tree, {
      chips: options.chips,
      npwm: options.npwm,
      configSettleMs: options.configSettleMs,
      rescanMs: options.rescanMs,
    });
    this.relay = new RelayModel(options.relay);
    this.lock = new LockMotorModel(options.lock.lockTimeMs);
    this.rcd = new RcdModel(options.rcd.selfTestTripMs);
    this.electrical = new ElectricalModel(options.meter.initialRegisterWh);
    this.electrical.voltagesV = [options.meter.voltageV, options.meter.voltageV, options.meter.voltageV];
    const t = options.temperatureSensor;
    this.sensor = t.fitted ? new Ds18b20Files(tree.w1DevicesDir, t.id, t.celsius) : null;
    this.simEv = new SimEv(options.ev);
    // Every output line reads its inactive level through its pull resistor until a driver drives it.
    for (const [, line] of Object.entries(wiring.outputs)) this.kernel.registerOutput(line.sysfsNumber, line.activeLow ? 1 : 0);
    this.ev = this.evControls();
    this.writeInputs();
  }

  /** Lays out the tree and wires the board; call `start()` to run it (or `tick()` to step it by hand). */
  static create(create: VirtualBoardCreateOptions): VirtualBoard {
    const options = parseBoardOptions(create.options ?? {});
    const wiring = wireBoard(create.gpio, options.chips);
    const tree = layOutSysfsTree(options.chips, options.npwm, options.root);
    return new VirtualBoard(tree, wiring, options, create);
  }

  /** The tree's root (stands for `/sys`; pass it as the drivers' `sysfsRoot` where no namespace is used). */
  get root(): string {
    return this.tree.root;
  }
  get classDir(): string {
    return this.tree.classDir;
  }
  get gpioDir(): string {
    return this.tree.gpioDir;
  }
  get pwmDir(): string {
    return this.tree.pwmDir;
  }
  get w1DevicesDir(): string {
    return this.tree.w1DevicesDir;
  }

  /** Runs the kernel and physics loop every `tickMs` on real timers (`performance.now()`). Idempotent. */
  start(): void {
    if (this.timer !== null || this.removed) return;
    this.timer = setInterval(() => {
      try {
        this.tick(performance.now());
      } catch (err) {
        this.error = err;
        this.deps.onError?.(err);
      }
    }, this.options.tickMs);
  }

  /** Stops the loop; the files stay as they are. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Stops, closes the kernel's descriptors and deletes the tree. Idempotent. */
  remove(): void {
    this.stop();
    if (this.removed) return;
    this.removed = true;
    this.kernel.close();
    removeSysfsTree(this.tree);
  }

  /** The last exception of the poll loop, or null. */
  lastError(): unknown {
    return this.error;
  }

  /**
   * One pass at `nowMs` (monotonic real ms): the kernel's work on the files, the relay/lock/RCD moving, the EV and
   * meter advancing with the contacts' real position, the pilot circuit, and the input lines written where they changed.
   */
  tick(nowMs: number): void {
    const dtMs = this.lastTickMs === null ? 0 : Math.max(0, nowMs - this.lastTickMs);
    this.lastTickMs = nowMs;
    this.kernel.poll(nowMs);

    const coil = this.outputActive('relay');
    if (coil !== this.coil) {
      this.coil = coil;
      const change = { active: coil, atMs: nowMs };
      this.lastCoilChange = change;
      for (const l of this.coilListeners) l(change);
    }
    this.relay.update(nowMs, coil);
    this.lock.update(nowMs, this.outputActive('lockActuator'));
    this.rcd.update(nowMs, this.outputActive('rcdSelfTest'));
    this.ventilation = this.outputActive('ventilation');

    // The interval just ended ran with the wave and load of the previous pass.
    this.detector.advance(dtMs, this.wave, this.levels);
    const wave = generatorWave(this.pwm(), this.wiring.pwmInverting);
    if (wave.kind === 'pwm' && this.wave.kind !== 'pwm') this.detector.restartPeriod();
    this.wave = wave;

    this.advancePhysics(dtMs);
    this.levels = cpLevels(this.cpLoad());
    this.cmp = comparatorOutputs(peakHighV(this.wave, this.levels), this.detector.voltageV);
    this.writeInputs();
  }

  /** Switches a board fault on or off at run time (time of the switch: the last tick). */
  inject(fault: BoardFault, active: boolean): void {
    const now = this.lastTickMs ?? 0;
    switch (fault) {
      case 'welded':
        this.relay.setWelded(active, now);
        break;
      case 'fails-to-close':
        this.relay.setFailsToClose(active, now);
        break;
      case 'missing-diode':
        this.simEv.hasDiode = !active;
        break;
      case 'cp-short':
        this.cpShorted = active;
        break;
      case 'lock-jammed':
        this.lock.setJammed(active, now);
        break;
      case 'rcd-trip':
        if (active) this.rcd.trip();
        else this.rcd.reset(now);
        break;
      case 'emergency-stop':
        this.emergencyStopPressed = active;
        break;
      case 'sensor-gone':
      case 'sensor-crc':
      case 'sensor-power-on':
        this.sensorFault(fault.slice('sensor-'.length) as Ds18b20Fault, active);
        break;
    }
    this.refreshInputs();
  }

  /** The emergency-stop button: latched while pressed. */
  pressEmergencyStop(pressed: boolean): void {
    this.inject('emergency-stop', pressed);
  }

  /** The RCD's reset lever (a trip latches until this). */
  resetRcd(): void {
    this.inject('rcd-trip', false);
  }

  /** Sets the temperature the DS18B20 measures (over-temperature is just a high one). */
  setTemperature(celsius: number): void {
    this.sensor?.setTemperature(celsius);
  }

  /** The DS18B20's folder, or null when none is fitted. */
  get temperatureSensorDir(): string | null {
    return this.sensor?.dir ?? null;
  }

  /** Whether the relay coil is energised (the line's logical level, as last polled). */
  relayCoilActive(): boolean {
    return this.coil;
  }

  /** Whether the main contact is really closed (what delivers power; the auxiliary contact says the same). */
  contactsClosed(): boolean {
    return this.relay.contactsClosed;
  }

  /** The last coil-line change the poll loop saw, or null. */
  lastCoilChangeAt(): CoilChange | null {
    return this.lastCoilChange;
  }

  /** Calls `listener` from the poll that sees the relay's value file change. Returns an unsubscribe function. */
  onCoilChange(listener: (change: CoilChange) => void): () => void {
    this.coilListeners.add(listener);
    return () => this.coilListeners.delete(listener);
  }

  /** CP levels now: the +12 V-phase and −12 V-phase voltages, and the negative peak-hold's capacitor. */
  cpVoltage(): { readonly highV: number; readonly lowV: number; readonly detectorV: number } {
    return { highV: this.levels.highV, lowV: this.levels.lowV, detectorV: this.detector.voltageV };
  }

  /** The comparator outputs as last written (logical). */
  comparators(): ComparatorOutputs {
    return this.cmp;
  }

  /** The pilot PWM channel as the board runs it, or null when not exported (or not on `pwmchip0`). */
  pwm(): PwmChannelView | null {
    return this.wiring.pwmChip === 'pwmchip0' ? this.kernel.pwm(this.wiring.pwmChannel) : null;
  }

  /** What the generator drives, as the EV reads it. */
  pilotOutput(): PilotOutput {
    return pilotOutputOf(this.wave);
  }

  /** Whether the lock's feedback reports locked. */
  lockLocked(): boolean {
    return this.lock.feedbackLocked;
  }

  rcdTripped(): boolean {
    return this.rcd.tripped;
  }

  /** Whether the ventilation output is on. */
  ventilationRunning(): boolean {
    return this.ventilation;
  }

  /** An EV in state D asks for ventilation: it needs it and has S2 closed. */
  ventilationRequired(): boolean {
    return this.simEv.plugged && this.simEv.s2Closed && (this.simEv.profile.needsVentilation ?? false);
  }

  /** The current per phase the EV draws now, A (0 unless the main contact is really closed). */
  evCurrent(): number {
    return this.evCurrentA;
  }

  /** A meter reading of what flows through the contactor now; the `source` of a virtual or serial Modbus meter. */
  meterSample(nowMs: number = (this.deps.wallClockMs ?? Date.now)()): MeterSample {
    return this.electrical.sample(nowMs);
  }

  /**
   * How the import register moves on from the last tick: its exact energy, the power it integrates until the next
   * tick, and at what time (`tick`'s clock: `performance.now()` under `start()`). Null when it stands still between
   * ticks: a frozen meter, or physics on a clock of the caller's (`physicsMs`) rather than real time × speed.
   */
  meterMotion(): { readonly energyWh: number; readonly powerW: number; readonly speed: number; readonly tickMs: number } | null {
    if (this.electrical.frozen !== null || this.deps.physicsMs !== undefined || this.lastTickMs === null) return null;
    const powerW = this.electrical.totalPowerW();
    return { energyWh: this.electrical.exactEnergyWh(), powerW, speed: this.options.speed, tickMs: this.lastTickMs };
  }

  /** The electrical model behind the meter (voltages, frequency, register reset, frozen samples). */
  get meterModel(): ElectricalModel {
    return this.electrical;
  }

  private outputActive(signal: OutputSignal): boolean {
    const line = this.wiring.outputs[signal];
    if (line === undefined) return false;
    return (this.kernel.outputRaw(line.sysfsNumber) === 1) !== line.activeLow;
  }

  private advancePhysics(dtRealMs: number): void {
    let dt: number;
    if (this.deps.physicsMs !== undefined) {
      const now = this.deps.physicsMs();
      dt = this.lastPhysicsMs === null ? 0 : Math.max(0, now - this.lastPhysicsMs);
      this.lastPhysicsMs = now;
      this.physicsNowMs = now;
    } else {
      dt = dtRealMs * this.options.speed;
      this.physicsNowMs += dt;
    }
    // The interval just ended ran with the currents of the previous pass (as the detector above): integrated first,
    // so a reader that carried the register on at the published power (`meterMotion`) meets the same count.
    this.electrical.integrate(dt);
    const ev = this.simEv;
    if (this.s2Override !== null && ev.plugged) ev.s2Closed = this.s2Override;
    let current = ev.advance(this.physicsNowMs, pilotOutputOf(this.wave), this.relay.contactsClosed, dt, this.electrical.voltagesV[0]);
    if (this.s2Override !== null && ev.plugged) {
      ev.s2Closed = this.s2Override;
      if (!this.s2Override) current = 0;
    }
    this.evCurrentA = current;
    this.electrical.setCurrents(current, ev.profile.phases);
  }

  private cpLoad(): CpLoad {
    const ev = this.simEv;
    return {
      evConnected: ev.plugged,
      s2Closed: ev.s2Closed,
      needsVentilation: ev.profile.needsVentilation ?? false,
      hasDiode: ev.hasDiode,
      cpShorted: this.cpShorted,
    };
  }

  /** After a change from outside the loop: levels and inputs at once, so a test need not wait a tick. */
  private refreshInputs(): void {
    this.levels = cpLevels(this.cpLoad());
    this.cmp = comparatorOutputs(peakHighV(this.wave, this.levels), this.detector.voltageV);
    this.writeInputs();
  }

  private writeInputs(): void {
    const logical: Record<InputSignal, boolean> = {
      ...this.cmp,
      aux: this.relay.contactsClosed,
      lockFeedback: this.lock.feedbackLocked,
      rcdTrip: this.rcd.tripped,
      emergencyStop: this.emergencyStopPressed,
    };
    for (const signal of inputSignals) {
      const line = this.wiring.inputs[signal];
      if (line !== undefined) this.kernel.setInput(line.sysfsNumber, logical[signal] !== line.activeLow ? 1 : 0);
    }
  }

  private sensorFault(fault: Ds18b20Fault, active: boolean): void {
    if (this.sensor === null) return;
    if (active) this.sensor.setFault(fault);
    else if (this.sensor.activeFault === fault) this.sensor.setFault(null);
  }

  private evControls(): BoardEv {
    const current = (): SimEv => this.simEv;
    return {
      get sim() {
        return current();
      },
      plug: () => {
        this.simEv.plug();
        this.refreshInputs();
      },
      unplug: () => {
        this.simEv.unplug();
        this.refreshInputs();
      },
      replaceEv: (profile) => {
        this.simEv = new SimEv(profile);
        this.refreshInputs();
      },
      setS2: (closed) => {
        this.s2Override = closed;
        if (closed !== null && this.simEv.plugged) this.simEv.s2Closed = closed;
        this.refreshInputs();
      },
      setDiode: (present) => this.inject('missing-diode', !present),
      setShort: (shorted) => this.inject('cp-short', shorted),
    };
  }
}

/** The generator's wave as the EV's PWM reader sees it. */
export function pilotOutputOf(wave: GeneratorWave): PilotOutput {
  if (wave.kind === 'pwm') return { mode: 'pwm', dutyPercent: wave.highShare * 100 };
  return wave.positive ? { mode: 'steady' } : { mode: 'stateF' };
}
