import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock, type TimerHandle } from '../base/clock.js';
import { EvseError, EvseErrorCode, errorMessage } from '../base/errors.js';
import type { TemperatureReading, TemperatureSensor } from '../temperature.js';
import type { Ds18b20Config } from './config.js';

/** What one read of the sensor's sysfs file gave. */
export type Ds18b20Outcome = { readonly ok: true; readonly milliCelsius: number } | { readonly ok: false; readonly detail: string };

/** The DS18B20's power-on reset value: the scratchpad before any conversion finished. Never a temperature. */
const POWER_ON_MILLI_C = 85_000;
/** The sensor's range (datasheet): anything outside is a bad read, not a temperature. */
const MIN_MILLI_C = -55_000;
const MAX_MILLI_C = 125_000;

function checkMilliCelsius(value: number): Ds18b20Outcome {
  if (value === POWER_ON_MILLI_C) return { ok: false, detail: '85 °C power-on value (the conversion did not complete)' };
  if (value < MIN_MILLI_C || value > MAX_MILLI_C) return { ok: false, detail: `implausible value ${value} m°C (outside −55…125 °C)` };
  return { ok: true, milliCelsius: value };
}

/** Parses the `temperature` attribute of newer kernels: milli-°C as one integer. */
export function parseTemperatureAttribute(text: string): Ds18b20Outcome {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, detail: 'empty temperature file' };
  if (!/^-?\d+$/.test(trimmed)) return { ok: false, detail: `unparsable temperature ${JSON.stringify(trimmed.slice(0, 40))}` };
  return checkMilliCelsius(Number.parseInt(trimmed, 10));
}

/**
 * Parses `w1_slave`: the scratchpad bytes with `crc=xx YES|NO` on the first line, the bytes and `t=<milli-°C>` on the
 * second. A `NO` is a CRC failure; an all-zero scratchpad (CRC 00 is "valid") is what a shorted or lost bus gives.
 */
export function parseW1Slave(text: string): Ds18b20Outcome {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const [crcLine, dataLine] = lines;
  if (crcLine === undefined || dataLine === undefined) return { ok: false, detail: text.trim() === '' ? 'empty w1_slave file' : 'truncated w1_slave file' };
  const crc = /crc=[0-9a-f]{2} (YES|NO)\s*$/i.exec(crcLine);
  if (crc === null) return { ok: false, detail: `unparsable w1_slave CRC line ${JSON.stringify(crcLine.slice(0, 60))}` };
  if (crc[1]?.toUpperCase() !== 'YES') return { ok: false, detail: 'CRC check failed (NO)' };
  if (/^(00 ){9}/.test(crcLine)) return { ok: false, detail: 'all-zero scratchpad (bus shorted or sensor lost)' };
  const t = /t=(-?\d+)\s*$/.exec(dataLine);
  if (t?.[1] === undefined) return { ok: false, detail: `unparsable w1_slave data line ${JSON.stringify(dataLine.slice(0, 60))}` };
  return checkMilliCelsius(Number.parseInt(t[1], 10));
}

function errnoDetail(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'device gone from the bus (ENOENT)';
  if (code === 'EACCES' || code === 'EPERM') return `permission denied (${code})`;
  return errorMessage(err);
}

/** Reads one file of the sensor asynchronously (a conversion holds the read in the kernel for up to 750 ms). Never throws. */
async function readOutcome(path: string, kind: 'temperature' | 'w1_slave'): Promise<Ds18b20Outcome> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { ok: false, detail: errnoDetail(err) };
  }
  return kind === 'temperature' ? parseTemperatureAttribute(text) : parseW1Slave(text);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** What `Ds18b20Sensor.open` may be given instead of the real platform. */
export interface Ds18b20Deps {
  /** Poll timer and the wall time of readings. Default: the system clock. */
  readonly clock?: Clock;
  /** Told about an exception thrown by a listener. */
  readonly onListenerError?: (err: unknown) => void;
  /** Config path used in errors. Default `temperatureSensor`. */
  readonly pin?: string;
}

/**
 * The DS18B20 the config names (or the only one there), checked to exist. Throws EvseError naming the field:
 * `<pin>.id` for an id that is not on the bus or for several sensors without an id, `<pin>` when there is none.
 */
async function findDevice(config: Ds18b20Config, pin: string): Promise<string> {
  let names: string[];
  try {
    names = await readdir(config.devicesDir);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? 'no such folder (ENOENT)' : errnoDetail(err);
    throw new EvseError(
      EvseErrorCode.ChipNotFound,
      `${config.id === undefined ? pin : `${pin}.id`}: cannot list ${config.devicesDir}: ${why} (is the w1-gpio overlay enabled?)`,
      { cause: err },
    );
  }
  const found = names.filter((n) => /^28-/.test(n)).sort();
  const known = found.length === 0 ? `no 28-* device under ${config.devicesDir}` : `found: ${found.join(', ')}`;
  if (config.id !== undefined) {
    if (!found.includes(config.id) || !(await isDirectory(join(config.devicesDir, config.id)))) {
      throw new EvseError(EvseErrorCode.ChipNotFound, `${pin}.id: DS18B20 ${config.id} not found on the 1-wire bus; ${known}`);
    }
    return config.id;
  }
  const [only, ...others] = found;
  if (only === undefined) {
    throw new EvseError(EvseErrorCode.ChipNotFound, `${pin}: no DS18B20 on the 1-wire bus (${known}; check the wiring and the w1-gpio overlay)`);
  }
  if (others.length > 0) {
    throw new EvseError(
      EvseErrorCode.ConfigInvalid,
      `${pin}.id: ${found.length} DS18B20 on the 1-wire bus (${found.join(', ')}): set the id of the one inside the station`,
    );
  }
  return only;
}

function sameReading(a: TemperatureReading, b: TemperatureReading): boolean {
  if (a.ok && b.ok) return a.celsius === b.celsius;
  if (!a.ok && !b.ok) return a.detail === b.detail;
  return false;
}

/**
 * A DS18B20 on the kernel's 1-wire bus, polled through sysfs: `temperature` (milli-°C, newer kernels) where it exists,
 * else `w1_slave`. Reads are asynchronous and never overlap (the next poll is scheduled when one has finished), so a
 * slow conversion never blocks the event loop nor piles up reads. A failed read (85 °C power-on value, CRC `NO`, empty
 * or unparsable file, device gone) keeps the last reading until `failAfter` failures in a row; then the reading is
 * `{ ok: false }` until one good read recovers it.
 */
export class Ds18b20Sensor implements TemperatureSensor {
  private current: TemperatureReading;
  private failures = 0;
  private timer: TimerHandle | null = null;
  private inFlight: Promise<TemperatureReading> | null = null;
  private disposed = false;
  private readonly listeners = new Set<(reading: TemperatureReading) => void>();

  private constructor(
    /** The device folder name, e.g. `28-0316a2795dff`. */
    readonly id: string,
    /** Which attribute is read: `temperature` or `w1_slave`. */
    readonly attribute: 'temperature' | 'w1_slave',
    private readonly path: string,
    private readonly config: Ds18b20Config,
    private readonly clock: Clock,
    private readonly onListenerError: (err: unknown) => void,
    first: TemperatureReading,
  ) {
    this.current = first;
  }

  /**
   * Finds the sensor, reads it once and starts polling. A sensor that is missing, ambiguous or whose first read fails
   * is a startup error: EvseError naming the field (`temperatureSensor` or `temperatureSensor.id`) and the reason.
   */
  static async open(config: Ds18b20Config, deps: Ds18b20Deps = {}): Promise<Ds18b20Sensor> {
    const pin = deps.pin ?? 'temperatureSensor';
    const clock = deps.clock ?? systemClock;
    const id = await findDevice(config, pin);
    const dir = join(config.devicesDir, id);
    const attribute = (await exists(join(dir, 'temperature'))) ? 'temperature' : 'w1_slave';
    const path = join(dir, attribute);
    const outcome = await readOutcome(path, attribute);
    if (!outcome.ok) {
      throw new EvseError(EvseErrorCode.DriverFailure, `${pin}: DS18B20 ${id}: first read of ${attribute} failed: ${outcome.detail}`);
    }
    const sensor = new Ds18b20Sensor(id, attribute, path, config, clock, deps.onListenerError ?? (() => undefined), {
      ok: true,
      celsius: outcome.milliCelsius / 1000,
      readAtMs: clock.nowMs(),
    });
    sensor.schedule();
    return sensor;
  }

  read(): TemperatureReading {
    return this.current;
  }

  onChange(listener: (reading: TemperatureReading) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Reads the sensor now (or joins the read under way) and resolves with the reading after it. Never rejects. The
   * poll timer uses it; tests await it, because a file read is real I/O that fake timers do not wait for.
   */
  pollNow(): Promise<TemperatureReading> {
    if (this.disposed) return Promise.resolve(this.current);
    this.inFlight ??= this.poll().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async poll(): Promise<TemperatureReading> {
    const outcome = await readOutcome(this.path, this.attribute);
    if (this.disposed) return this.current;
    const now = this.clock.nowMs();
    let next: TemperatureReading;
    if (outcome.ok) {
      this.failures = 0;
      next = { ok: true, celsius: outcome.milliCelsius / 1000, readAtMs: now };
    } else {
      this.failures += 1;
      if (this.failures < this.config.failAfter) return this.current; // a single bad read is not a failed sensor
      next = { ok: false, detail: `DS18B20 ${this.id}: ${outcome.detail} (${this.config.failAfter} reads in a row failed)`, readAtMs: now };
    }
    const changed = !sameReading(this.current, next);
    this.current = next;
    if (changed) {
      for (const listener of [...this.listeners]) {
        try {
          listener(next);
        } catch (err) {
          this.onListenerError(err);
        }
      }
    }
    return next;
  }

  private schedule(): void {
    if (this.disposed) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.pollNow().then(() => this.schedule());
    }, this.config.pollIntervalMs);
  }

  /** Stops polling; a read under way is ignored when it ends. Idempotent. */
  dispose(): Promise<void> {
    this.disposed = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
    return Promise.resolve();
  }
}
