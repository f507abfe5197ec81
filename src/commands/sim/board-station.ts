import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { gpioConfigSchema, type GpioConfig } from '../../../hal/gpio/config.js';
import { createGpioHardware } from '../../../hal/gpio/hardware.js';
import type { MeterSample } from '../../../hal/meter.js';
import { systemClock } from '../../clock.js';
import type { StationConfig } from '../../config/schema.js';
import { ExitCode } from '../../errors.js';
import { startModuleWorker } from '../../worker-launcher.js';
import { startStation } from '../../wiring/station.js';
import { benchGpioConfigInput } from '../../../simulator/bench-gpio-config.js';
import { boardNamespaceArgv, namespaceUnavailable } from '../../../simulator/board/namespace.js';
import type { BoardFault } from '../../../simulator/board/virtual-board.js';
import { SharedMeterWindow } from '../../../simulator/board/shared-meter.js';
import type { BoardCommand, BoardReport, BoardState, BoardWorkerData } from '../../../simulator/board/worker-protocol.js';
import { BoardScenarioWorld, type BoardWorldTarget } from '../../../simulator/board/world.js';
import type { EvProfile } from '../../../simulator/ev.js';
import { createVirtualModbusMeter } from '../../../simulator/modbus/virtual-meter.js';
import type { RunStation, StationFactory } from './run-scenario.js';
import { stationRunOptions, virtualMeterOptions, type SimStationOptions } from './sim-station.js';

/**
 * Set by `evse sim --board` for its re-executed self inside the private mount namespace: the board's tree root (its
 * `class/{gpio,pwm}` are mounted over /sys/class). Internal; not an option a user sets.
 */
export const boardRootEnv = 'EVSE_SIM_BOARD_ROOT';

/** How often the board's worker posts its state (meter sample, EV), real ms. */
const boardPostEveryMs = 20;

/** The `gpio` wiring of the run: the config's, or the built-in bench wiring; validated by the real schema. */
export function boardGpioConfig(config: StationConfig): GpioConfig {
  return config.gpio ?? gpioConfigSchema.parse(benchGpioConfigInput);
}

/**
 * The parent side of `evse sim --board`: lays out the folders to mount, re-executes this very command line in a
 * private mount namespace with the board's `class` tree over /sys/class, and waits for it. Returns the exit code
 * (69 with one line on stderr where root or the namespace is missing).
 */
export async function runInBoardNamespace(write: (line: string) => void): Promise<number> {
  const why = namespaceUnavailable();
  if (why !== null) {
    process.stderr.write(`evse sim --board: ${why}\n`);
    return ExitCode.Unavailable;
  }
  const root = mkdtempSync(join(tmpdir(), 'evse-sim-board-'));
  try {
    // The mount points must exist before the mount; the board lays out the rest inside them from the namespace side.
    mkdirSync(join(root, 'class', 'gpio'), { recursive: true });
    mkdirSync(join(root, 'class', 'pwm'), { recursive: true });
    const entry = process.argv[1];
    if (entry === undefined) throw new Error('cannot re-execute: no entry script in process.argv');
    const argv = boardNamespaceArgv(join(root, 'class'), [process.execPath, ...process.execArgv, entry, ...process.argv.slice(2)]);
    const [command = 'unshare', ...args] = argv;
    const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, [boardRootEnv]: root } });
    const forward = (signal: NodeJS.Signals) => (): void => {
      write(`forwarding ${signal} to the board run…`);
      child.kill(signal);
    };
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    try {
      return await new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code, signal) => resolve(code ?? (signal !== null ? 128 + signalNumber(signal) : ExitCode.Failure)));
      });
    } finally {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 2 : signal === 'SIGKILL' ? 9 : 15;
}

/**
 * The main thread's view of a board that runs in a worker: mirrors what must be read synchronously (the meter sample,
 * the EV's SoC) from the worker's posts, and forwards every change as a command. A state posted before the worker
 * applied the last command does not overwrite what that command set locally.
 */
export class BoardProxy implements BoardWorldTarget {
  private seq = 0;
  private readonly meter: SharedMeterWindow;
  private soc: number;
  private evFull: boolean;
  private ignores: boolean;
  private voltages: [number, number, number];
  private failure: string | null = null;
  private readonly stopped: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    first: BoardState,
    readonly w1DevicesDir: string,
    meter: SharedArrayBuffer,
  ) {
    this.meter = new SharedMeterWindow(meter);
    this.soc = first.socPercent;
    this.evFull = first.full;
    this.ignores = first.ignoresPwm;
    this.voltages = first.voltagesV;
    this.stopped = new Promise((resolve) => {
      worker.once('exit', () => resolve());
    });
    worker.on('message', (report: BoardReport) => {
      if (report.type === 'state') this.take(report);
      else if (report.type === 'error') this.failure ??= report.message;
    });
  }

  /** Starts the board in a worker thread and resolves once it is up (its tree laid out, its loop running). */
  static async start(init: Omit<BoardWorkerData, 'meter'>): Promise<BoardProxy> {
    const data: BoardWorkerData = { ...init, meter: new SharedMeterWindow().buffer };
    const extension = extname(fileURLToPath(import.meta.url));
    const url = new URL(`../../../simulator/board/board-worker${extension}`, import.meta.url);
    const worker = startModuleWorker(url, data);
    return new Promise<BoardProxy>((resolve, reject) => {
      const onError = (err: Error): void => reject(new Error(`virtual board worker failed: ${err.message}`));
      const onExit = (code: number): void => reject(new Error(`virtual board worker exited with ${code} before it was ready`));
      worker.once('error', onError);
      worker.once('exit', onExit);
      const onMessage = (report: BoardReport): void => {
        if (report.type !== 'ready') return;
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(new BoardProxy(worker, report.state, report.w1DevicesDir, data.meter));
      };
      worker.on('message', onMessage);
    });
  }

  readonly ev = ((proxy: BoardProxy) => ({
    sim: {
      get socPercent(): number {
        return proxy.soc;
      },
      get full(): boolean {
        return proxy.evFull;
      },
      get ignoresPwm(): boolean {
        return proxy.ignores;
      },
      set ignoresPwm(active: boolean) {
        proxy.ignores = active;
        proxy.send({ type: 'ev-ignores-pwm', seq: proxy.next(), active });
      },
    },
    plug: (): void => proxy.send({ type: 'plug', seq: proxy.next() }),
    unplug: (): void => proxy.send({ type: 'unplug', seq: proxy.next() }),
    replaceEv: (profile: EvProfile): void => {
      proxy.soc = profile.startSocPercent;
      proxy.evFull = profile.startSocPercent >= profile.targetSocPercent;
      proxy.ignores = false;
      proxy.send({ type: 'replace-ev', seq: proxy.next(), profile });
    },
  }))(this);

  readonly meterModel = ((proxy: BoardProxy) => ({
    get voltagesV(): [number, number, number] {
      return proxy.voltages;
    },
    set voltagesV(voltagesV: [number, number, number]) {
      proxy.voltages = voltagesV;
      proxy.send({ type: 'voltages', seq: proxy.next(), voltagesV });
    },
  }))(this);

  inject(fault: BoardFault, active: boolean): void {
    this.send({ type: 'inject', seq: this.next(), fault, active });
  }

  setTemperature(celsius: number): void {
    this.send({ type: 'temperature', seq: this.next(), celsius });
  }

  /** The board's meter reading now (shared memory, written by the board's thread every millisecond). */
  meterSample(): MeterSample {
    return this.meter.read();
  }

  /** The first exception of the board's poll loop, or null. */
  lastError(): string | null {
    return this.failure;
  }

  /** Stops the board (its tree is deleted) and ends the worker. */
  async stop(): Promise<void> {
    this.send({ type: 'stop', seq: this.next() });
    const timeout = new Promise<'timeout'>((resolve) => {
      const t = setTimeout(() => resolve('timeout'), 2000);
      t.unref();
    });
    if ((await Promise.race([this.stopped.then(() => 'stopped' as const), timeout])) === 'timeout') await this.worker.terminate();
  }

  private next(): number {
    this.seq += 1;
    return this.seq;
  }

  private send(cmd: BoardCommand): void {
    this.worker.postMessage(cmd);
  }

  private take(state: BoardState): void {
    if (state.appliedSeq < this.seq) return;
    this.soc = state.socPercent;
    this.evFull = state.full;
    this.ignores = state.ignoresPwm;
    this.voltages = state.voltagesV;
  }
}

/** What the board station needs beyond the run's options. */
export interface BoardStationOptions {
  /** The board's tree root (its `class` is mounted over /sys/class). */
  readonly root: string;
  readonly gpio: GpioConfig;
  /** Speed of the EV physics (the control clock's speed). */
  readonly speed: number;
  /** Told about the board's loop failing. */
  readonly onBoardError?: (message: string) => void;
}

/**
 * The station on the virtual board: the board in a worker thread, the real GPIO drivers (onoff, sysfs PWM) on the
 * real clock, the real Modbus driver reading the board's meter over a virtual RTU line, the real control core on the
 * run's (accelerated) clock.
 */
export function boardStationFactory(board: BoardStationOptions): StationFactory {
  return async (opts: SimStationOptions): Promise<RunStation> => {
    const { config, clock } = opts;
    const proxy = await BoardProxy.start({
      gpio: board.gpio,
      options: {
        root: board.root,
        speed: board.speed,
        ev: config.simulator.ev,
        ...(opts.initialRegisterWh !== undefined ? { meter: { initialRegisterWh: opts.initialRegisterWh } } : {}),
      },
      postEveryMs: boardPostEveryMs,
    });
    const gpio: GpioConfig = board.gpio.temperatureSensor
      ? { ...board.gpio, temperatureSensor: { ...board.gpio.temperatureSensor, devicesDir: proxy.w1DevicesDir } }
      : board.gpio;
    let hw: Awaited<ReturnType<typeof createGpioHardware>>;
    try {
      hw = await createGpioHardware(gpio, { clock: systemClock });
    } catch (err) {
      await proxy.stop();
      throw err;
    }
    // Stamped when the driver reads it, on the station's clock (as the fast simulator's meter).
    const source = (): MeterSample => ({ ...proxy.meterSample(), readAtMs: clock.nowMs() });
    const virtual = await createVirtualModbusMeter(source, virtualMeterOptions(config.meter, () => clock.nowMs()));
    const world = new BoardScenarioWorld(proxy, (silent) => virtual.slave.setFault(silent ? 'no-answer' : null));
    await opts.beforeStart?.(virtual.meter);
    const station = await startStation({
      config,
      hardware: {
        meter: virtual.meter,
        pilot: hw.pilot,
        contactor: hw.contactor,
        inputs: hw.inputs,
        cableLock: hw.cableLock,
        ventilation: hw.ventilation,
      },
      ...stationRunOptions(opts),
    });
    return {
      world,
      station,
      async close(reason = 'Other') {
        await station.shutdown(reason);
        await hw.dispose();
        await virtual.close().catch(() => undefined);
        const failure = proxy.lastError();
        await proxy.stop();
        if (failure !== null) board.onBoardError?.(failure);
      },
    };
  };
}
