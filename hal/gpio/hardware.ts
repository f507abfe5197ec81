import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../base/clock.js';
import { EvseError, EvseErrorCode } from '../base/errors.js';
import type { CableLock } from '../cable-lock.js';
import type { Contactor } from '../contactor.js';
import type { StationInputs } from '../inputs.js';
import { Ds18b20Sensor } from '../onewire/ds18b20.js';
import type { ControlPilot } from '../pilot.js';
import type { VentilationOutput } from '../ventilation.js';
import { GpioCableLock } from './cable-lock.js';
import { namedLines, type GpioConfig } from './config.js';
import { GpioContactor } from './contactor.js';
import { GpioStationInputs } from './inputs.js';
import { exportLines, openInput, openOutput, type GpioConstructor, type GpioLine } from './lines.js';
import { GpioControlPilot, type ComparatorLines } from './pilot.js';
import { SysfsPwm } from './pwm.js';
import { InputSampler } from './sampler.js';
import { GpioVentilation } from './ventilation.js';

/** What `createGpioHardware` may be given instead of the real platform. */
export interface GpioHardwareDeps {
  /** onoff's `Gpio` class, or a fake with the same constructor. Default: onoff, loaded lazily. */
  readonly Gpio?: GpioConstructor;
  /** Overrides `gpio.sysfsRoot`. */
  readonly sysfsRoot?: string;
  /** Timers and monotonic time of the sampler and the feedback checks. Default: the system clock. */
  readonly clock?: Clock;
  /** Told about an exception thrown by a listener (the drivers keep going). */
  readonly onListenerError?: (err: unknown) => void;
}

/** The GPIO side of the station, as the composition root receives it. */
export interface GpioHardware {
  readonly pilot: GpioControlPilot & ControlPilot;
  readonly contactor: GpioContactor & Contactor;
  readonly inputs: GpioStationInputs & StationInputs;
  /** The cable lock, or null when none is configured. */
  readonly cableLock: (GpioCableLock & CableLock) | null;
  /** The ventilation output for state D, or null when none is configured. */
  readonly ventilation: (GpioVentilation & VentilationOutput) | null;
  /** The DS18B20 behind `inputs.read().temperatureC`, or null when none is configured (owned by `inputs`). */
  readonly temperatureSensor: Ds18b20Sensor | null;
  /**
   * Synchronously: relay off, pilot F, cable lock to its safe state, RCD test output off; ventilation as it is (see
   * the comment in the code). Never throws; safe to call repeatedly and after dispose.
   */
  enterSafeState(): void;
  /** Safe state, then stops sampling and unexports every line and the PWM channel. Idempotent. */
  dispose(): Promise<void>;
}

/** Loads onoff only when real hardware is wanted, so hosts without epoll can still import this module. */
export async function loadOnoffGpio(): Promise<GpioConstructor> {
  const onoff = await import('onoff');
  return onoff.Gpio;
}

/**
 * Opens every configured line and the pilot PWM. Outputs come up inactive (relay first, as it is the dangerous one),
 * the pilot in state F. On any failure everything opened so far is put safe and released, and the EvseError names
 * the pin and the reason (chip not found, line busy, permission denied …).
 */
export async function createGpioHardware(gpio: GpioConfig, deps: GpioHardwareDeps = {}): Promise<GpioHardware> {
  const Gpio = deps.Gpio ?? (await loadOnoffGpio());
  const sysfsRoot = deps.sysfsRoot ?? gpio.sysfsRoot;
  const clock = deps.clock ?? systemClock;
  const onListenerError = deps.onListenerError ?? (() => undefined);
  const opened: Array<{ line: GpioLine; safeActive: boolean | null }> = [];
  let pwm: SysfsPwm | null = null;
  let sampler: InputSampler | null = null;
  let contactorDriver: GpioContactor | null = null;
  let sensor: Ds18b20Sensor | null = null;

  // With the real onoff, the lines are exported here first and waited for without blocking (see exportLines); a fake
  // Gpio class plays the kernel itself.
  let exportedHere: Set<number> | undefined;
  const output = (pin: string, cfg: GpioConfig['contactor']['relay'], safeActive: boolean): GpioLine => {
    const line = openOutput(Gpio, sysfsRoot, pin, cfg, exportedHere);
    opened.push({ line, safeActive });
    line.writeActive(safeActive);
    return line;
  };
  const input = (pin: string, cfg: GpioConfig['contactor']['relay']): GpioLine => {
    const line = openInput(Gpio, sysfsRoot, pin, cfg, exportedHere);
    opened.push({ line, safeActive: null });
    return line;
  };

  try {
    if (deps.Gpio === undefined) exportedHere = await exportLines(sysfsRoot, namedLines(gpio));
    const relay = output('contactor.relay', gpio.contactor.relay, false);
    pwm = await SysfsPwm.open(sysfsRoot, gpio.pilot.pwm);
    const lockSafeLocked = gpio.cableLock?.safeState === 'locked';
    const lockActuator = gpio.cableLock ? output('cableLock.actuator', gpio.cableLock.actuator, lockSafeLocked) : null;
    const rcdSelfTest = gpio.inputs.rcdSelfTest ? output('inputs.rcdSelfTest', gpio.inputs.rcdSelfTest, false) : null;
    const ventilationLine = gpio.ventilation ? output('ventilation', gpio.ventilation, false) : null;

    const cmp = gpio.pilot.comparators;
    const comparators: ComparatorLines = {
      atLeastA: input('pilot.comparators.atLeastA', cmp.atLeastA),
      atLeastB: input('pilot.comparators.atLeastB', cmp.atLeastB),
      atLeastC: input('pilot.comparators.atLeastC', cmp.atLeastC),
      atLeastD: input('pilot.comparators.atLeastD', cmp.atLeastD),
      ...(cmp.overVoltage ? { overVoltage: input('pilot.comparators.overVoltage', cmp.overVoltage) } : {}),
      negativeLevel: input('pilot.comparators.negativeLevel', cmp.negativeLevel),
    };
    const aux = gpio.contactor.aux ? input('contactor.aux', gpio.contactor.aux) : null;
    const lockFeedback = gpio.cableLock?.feedback ? input('cableLock.feedback', gpio.cableLock.feedback) : null;
    const defaultDebounceMs = gpio.inputs.defaultDebounceMs;
    const rcdTrip = gpio.inputs.rcdTrip
      ? { line: input('inputs.rcdTrip', gpio.inputs.rcdTrip), debounceMs: gpio.inputs.rcdTrip.debounceMs ?? defaultDebounceMs }
      : undefined;
    const emergencyStop = gpio.inputs.emergencyStop
      ? {
          line: input('inputs.emergencyStop', gpio.inputs.emergencyStop),
          debounceMs: gpio.inputs.emergencyStop.debounceMs ?? defaultDebounceMs,
        }
      : undefined;

    // Last, after every line: the first read can take 750 ms, and a sensor that is missing or unreadable fails the
    // startup like a missing line, with the outputs above put back safe.
    if (gpio.temperatureSensor) {
      sensor = await Ds18b20Sensor.open(gpio.temperatureSensor, { clock, onListenerError, pin: 'temperatureSensor' });
    }

    const inputSampler = new InputSampler(clock, gpio.sampleIntervalMs);
    sampler = inputSampler;
    const contactor = new GpioContactor(relay, aux, inputSampler, clock, gpio.contactor, onListenerError);
    contactorDriver = contactor;
    const pilot = new GpioControlPilot(
      pwm,
      comparators,
      inputSampler,
      clock,
      {
        debounceMs: gpio.pilot.debounceMs,
        reductionDebounceMs: gpio.pilot.reductionDebounceMs,
        negativeLevelSettleMs: gpio.pilot.negativeLevelSettleMs,
      },
      onListenerError,
    );
    const inputs = new GpioStationInputs(
      {
        ...(rcdTrip ? { rcdTrip } : {}),
        ...(emergencyStop ? { emergencyStop } : {}),
        ...(rcdSelfTest ? { rcdSelfTest } : {}),
      },
      inputSampler,
      clock,
      onListenerError,
      sensor,
    );
    const cableLock =
      lockActuator && gpio.cableLock
        ? new GpioCableLock(lockActuator, lockFeedback, gpio.cableLock.safeState, inputSampler, clock, gpio.cableLock)
        : null;
    const ventilation = ventilationLine ? new GpioVentilation(ventilationLine) : null;

    const enterSafeState = (): void => {
      for (const step of [
        () => contactor.open(),
        () => pilot.setOutput({ mode: 'stateF' }),
        () => cableLock?.toSafeState(),
        () => rcdSelfTest?.writeActive(false),
        // Ventilation is left as it is: switching it off is not the safe side while gases from a state-D battery may
        // be present. It goes off on dispose (the contract) or when the control core says so.
      ]) {
        try {
          step();
        } catch {
          // Keep going: every other output must still go safe.
        }
      }
    };
    let disposed: Promise<void> | null = null;
    return {
      pilot,
      contactor,
      inputs,
      cableLock,
      ventilation,
      temperatureSensor: sensor,
      enterSafeState,
      dispose: () => {
        disposed ??= (async () => {
          enterSafeState();
          await contactor.dispose();
          await pilot.close();
          await cableLock?.dispose();
          await ventilation?.dispose();
          await inputs.dispose();
          inputSampler.stop();
        })();
        return disposed;
      },
    };
  } catch (err) {
    sampler?.stop();
    void sensor?.dispose();
    // Clears the contactor's feedback timer; its dispose opens and releases (synchronously, before it resolves).
    void contactorDriver?.dispose();
    for (const { line, safeActive } of opened.reverse()) {
      try {
        if (safeActive !== null) line.writeActive(safeActive);
      } catch {
        // Best effort on the way out.
      }
      line.release();
    }
    // Lines exported up front but never opened (the failure came first) are given back too.
    const released = new Set(opened.map(({ line }) => line.resolved.sysfsNumber));
    for (const n of exportedHere ?? []) {
      if (released.has(n)) continue;
      try {
        writeFileSync(join(sysfsRoot, 'class', 'gpio', 'unexport'), String(n));
      } catch {
        // Best effort on the way out.
      }
    }
    pwm?.release();
    if (err instanceof EvseError) throw err;
    throw new EvseError(EvseErrorCode.DriverFailure, `GPIO setup failed: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}
