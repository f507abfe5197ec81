import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import { EvseError, EvseErrorCode } from '../../../hal/base/errors.js';
import { ds18b20ConfigSchema, type Ds18b20Config } from '../../../hal/onewire/config.js';
import { Ds18b20Sensor, parseTemperatureAttribute, parseW1Slave } from '../../../hal/onewire/ds18b20.js';
import type { TemperatureReading } from '../../../hal/index.js';

const ID = '28-0316a2795dff';
const OTHER = '28-00000a1b2c3d';
const w1Slave = (milliC: number, crc: 'YES' | 'NO' = 'YES'): string =>
  `72 01 4b 46 7f ff 0e 10 57 : crc=57 ${crc}\n72 01 4b 46 7f ff 0e 10 57 t=${milliC}\n`;

/** A `/sys/bus/w1/devices` in a temp folder, with the bus master the kernel lists beside the sensors. */
class FakeW1Bus {
  readonly dir = mkdtempSync(join(tmpdir(), 'evse-w1-'));

  constructor() {
    mkdirSync(join(this.dir, 'w1_bus_master1'));
  }

  /** Adds a sensor; `temperature: false` models an older kernel with `w1_slave` only. */
  add(id: string, options: { temperature?: boolean } = {}): void {
    mkdirSync(join(this.dir, id));
    if (options.temperature ?? true) this.setTemperature(id, '23125\n');
    writeFileSync(join(this.dir, id, 'w1_slave'), w1Slave(23125));
  }

  setTemperature(id: string, text: string): void {
    writeFileSync(join(this.dir, id, 'temperature'), text);
  }

  setW1Slave(id: string, text: string): void {
    writeFileSync(join(this.dir, id, 'w1_slave'), text);
  }

  unplug(id: string): void {
    rmSync(join(this.dir, id), { recursive: true, force: true });
  }

  config(extra: Partial<Ds18b20Config> = {}): Ds18b20Config {
    return ds18b20ConfigSchema.parse({ devicesDir: this.dir, ...extra });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('hal/onewire DS18B20 over the kernel 1-wire sysfs', () => {
  let bus: FakeW1Bus;
  let clock: sinon.SinonFakeTimers;
  let sensor: Ds18b20Sensor | null;

  beforeEach(() => {
    // Timers and Date only: the sensor's file reads are real I/O and must complete while time stands still.
    clock = sinon.useFakeTimers({ now: 1_700_000_000_000, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    bus = new FakeW1Bus();
    sensor = null;
  });
  afterEach(async () => {
    await sensor?.dispose();
    clock.restore();
    bus.remove();
  });

  describe('parsing', () => {
    it('temperature: milli-°C, negative too; 85000, empty, garbage and out-of-range are failures', () => {
      assert.deepEqual(parseTemperatureAttribute('23125\n'), { ok: true, milliCelsius: 23125 });
      assert.deepEqual(parseTemperatureAttribute('-1250\n'), { ok: true, milliCelsius: -1250 });
      assert.match(failDetail(parseTemperatureAttribute('85000\n')), /85 °C power-on value/);
      assert.match(failDetail(parseTemperatureAttribute('')), /empty/);
      assert.match(failDetail(parseTemperatureAttribute('23.1')), /unparsable/);
      assert.match(failDetail(parseTemperatureAttribute('127937')), /implausible/);
    });

    it('w1_slave: YES with t=…; NO, truncated, all-zero scratchpad and 85000 are failures', () => {
      assert.deepEqual(parseW1Slave(w1Slave(23125)), { ok: true, milliCelsius: 23125 });
      assert.deepEqual(parseW1Slave(w1Slave(-10062)), { ok: true, milliCelsius: -10062 });
      assert.match(failDetail(parseW1Slave(w1Slave(23125, 'NO'))), /CRC check failed/);
      assert.match(failDetail(parseW1Slave(w1Slave(85000))), /power-on/);
      assert.match(failDetail(parseW1Slave('72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n')), /truncated/);
      assert.match(failDetail(parseW1Slave('')), /empty/);
      assert.match(failDetail(parseW1Slave('00 00 00 00 00 00 00 00 00 : crc=00 YES\n00 00 00 00 00 00 00 00 00 t=0\n')), /all-zero/);
    });
  });

  describe('startup', () => {
    it('finds the only 28-* device and reads `temperature` where the kernel has it', async () => {
      bus.add(ID);
      sensor = await Ds18b20Sensor.open(bus.config());
      assert.equal(sensor.id, ID);
      assert.equal(sensor.attribute, 'temperature');
      assert.deepEqual(sensor.read(), { ok: true, celsius: 23.125, readAtMs: 1_700_000_000_000 });
    });

    it('falls back to w1_slave on older kernels', async () => {
      bus.add(ID, { temperature: false });
      bus.setW1Slave(ID, w1Slave(19500));
      sensor = await Ds18b20Sensor.open(bus.config());
      assert.equal(sensor.attribute, 'w1_slave');
      assert.equal(okCelsius(sensor.read()), 19.5);
    });

    it('several devices without an id are a config error naming temperatureSensor.id and listing them', async () => {
      bus.add(ID);
      bus.add(OTHER);
      await assert.rejects(Ds18b20Sensor.open(bus.config()), (err: unknown) => {
        return (
          err instanceof EvseError &&
          err.code === EvseErrorCode.ConfigInvalid &&
          err.message === `temperatureSensor.id: 2 DS18B20 on the 1-wire bus (${OTHER}, ${ID}): set the id of the one inside the station`
        );
      });
      sensor = await Ds18b20Sensor.open(bus.config({ id: OTHER }));
      assert.equal(sensor.id, OTHER);
    });

    it('an id not on the bus, no sensor at all, or no bus are errors naming the field', async () => {
      await assert.rejects(Ds18b20Sensor.open(bus.config()), /^EvseError: temperatureSensor: no DS18B20 on the 1-wire bus/);
      bus.add(OTHER);
      await assert.rejects(
        Ds18b20Sensor.open(bus.config({ id: ID })),
        (err: unknown) => err instanceof EvseError && err.message === `temperatureSensor.id: DS18B20 ${ID} not found on the 1-wire bus; found: ${OTHER}`,
      );
      await assert.rejects(
        Ds18b20Sensor.open(ds18b20ConfigSchema.parse({ devicesDir: join(bus.dir, 'nope') })),
        /^EvseError: temperatureSensor: cannot list .*nope: no such folder \(ENOENT\) \(is the w1-gpio overlay enabled\?\)/,
      );
    });

    it('a first read that fails (power-on value, CRC) is a startup error', async () => {
      bus.add(ID);
      bus.setTemperature(ID, '85000\n');
      await assert.rejects(
        Ds18b20Sensor.open(bus.config()),
        (err: unknown) =>
          err instanceof EvseError &&
          err.code === EvseErrorCode.DriverFailure &&
          /^temperatureSensor: DS18B20 28-0316a2795dff: first read of temperature failed: 85 °C power-on value/.test(err.message),
      );
    });

    it('the config: id shape, poll interval 1000…60000, defaults', () => {
      const cfg = ds18b20ConfigSchema.parse({});
      assert.deepEqual(cfg, { devicesDir: '/sys/bus/w1/devices', pollIntervalMs: 5000, failAfter: 3 });
      assert.equal(ds18b20ConfigSchema.safeParse({ id: '10-0316a2795dff' }).success, false);
      assert.equal(ds18b20ConfigSchema.safeParse({ pollIntervalMs: 500 }).success, false);
      assert.equal(ds18b20ConfigSchema.safeParse({ pollIntervalMs: 60_001 }).success, false);
    });
  });

  describe('polling', () => {
    let heard: TemperatureReading[];
    beforeEach(async () => {
      bus.add(ID);
      sensor = await Ds18b20Sensor.open(bus.config());
      heard = [];
      sensor.onChange((r) => heard.push(r));
    });

    it('polls every pollIntervalMs in the background and tells listeners of a new value', async () => {
      bus.setTemperature(ID, '24000\n');
      await clock.tickAsync(4999);
      await settleIo();
      assert.deepEqual(heard, []);
      await clock.tickAsync(1);
      await waitFor(() => heard.length > 0);
      assert.deepEqual(heard, [{ ok: true, celsius: 24, readAtMs: 1_700_000_005_000 }]);
      // the same value again is no change
      await clock.tickAsync(5000);
      await settleIo();
      assert.equal(heard.length, 1);
    });

    it('85000, CRC NO, empty: the last good reading holds until failAfter failures in a row, then ok:false, heard once', async () => {
      const s = sensor!;
      bus.setTemperature(ID, '85000\n');
      await s.pollNow();
      bus.setTemperature(ID, '');
      await s.pollNow();
      assert.equal(okCelsius(s.read()), 23.125, 'two failures: still the last good reading');
      assert.deepEqual(heard, []);
      await s.pollNow();
      const failed = s.read();
      assert.equal(failed.ok, false);
      assert.match(!failed.ok ? failed.detail : '', /DS18B20 28-0316a2795dff: empty temperature file \(3 reads in a row failed\)/);
      assert.equal(heard.length, 1);
      await s.pollNow();
      assert.equal(heard.length, 1, 'a further failure of the same kind is no change');
      bus.setTemperature(ID, '22000\n');
      await s.pollNow();
      assert.deepEqual(s.read(), { ok: true, celsius: 22, readAtMs: 1_700_000_000_000 });
      assert.equal(heard.length, 2, 'one good read recovers');
    });

    it('a device gone from the bus (ENOENT) fails after failAfter reads and recovers when it is back', async () => {
      const s = sensor!;
      bus.unplug(ID);
      for (let i = 0; i < 3; i++) await s.pollNow();
      assert.match(failDetail(s.read()), /device gone from the bus \(ENOENT\)/);
      bus.add(ID);
      await s.pollNow();
      assert.equal(okCelsius(s.read()), 23.125);
    });

    it('w1_slave with CRC NO counts as a failure', async () => {
      await sensor?.dispose();
      bus.unplug(ID);
      bus.add(ID, { temperature: false });
      const s = await Ds18b20Sensor.open(bus.config({ failAfter: 1 }));
      sensor = s;
      bus.setW1Slave(ID, w1Slave(24000, 'NO'));
      await s.pollNow();
      assert.match(failDetail(s.read()), /CRC check failed \(NO\)/);
      bus.setW1Slave(ID, w1Slave(24000));
      await s.pollNow();
      assert.equal(okCelsius(s.read()), 24);
    });

    it('dispose stops the polling', async () => {
      await sensor!.dispose();
      bus.setTemperature(ID, '30000\n');
      await clock.tickAsync(20_000);
      await settleIo();
      assert.deepEqual(heard, []);
      assert.equal(okCelsius(sensor!.read()), 23.125);
    });
  });
});

function failDetail(outcome: { ok: boolean; detail?: string }): string {
  assert.equal(outcome.ok, false, JSON.stringify(outcome));
  return outcome.detail ?? '';
}

function okCelsius(reading: TemperatureReading): number | null {
  return reading.ok ? reading.celsius : null;
}

/** Lets real file I/O finish (setImmediate is not faked here). */
async function settleIo(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Waits for real I/O (performance.now is not faked here), up to 5 s of real time. */
async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 5000;
  while (!condition() && performance.now() < deadline) await new Promise<void>((resolve) => setImmediate(resolve));
  assert.ok(condition(), 'condition not met within 5 s of real time');
}
