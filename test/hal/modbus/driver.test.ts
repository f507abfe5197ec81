import assert from 'node:assert/strict';
import fc from 'fast-check';
import sinon from 'sinon';
import { MeterReadError, type MeterErrorKind, type MeterSample } from '../../../hal/meter.js';
import { builtInMeterModels, modbusMeterConfigSchema, type BuiltInMeterModel } from '../../../hal/modbus/config.js';
import { ModbusMeter, type MeterStats } from '../../../hal/modbus/driver.js';
import { withCrc } from '../../../hal/modbus/crc.js';
import { builtInMaps } from '../../../hal/modbus/maps/index.js';
import { createVirtualLinkPair } from '../../../simulator/modbus/virtual-link.js';
import { createVirtualModbusMeter, type VirtualModbusMeter } from '../../../simulator/modbus/virtual-meter.js';
import type { SlaveFault } from '../../../simulator/modbus/rtu-slave.js';

function sample(overrides: Partial<MeterSample> = {}): MeterSample {
  return {
    phases: [
      { voltageV: 230.1, currentA: 16, powerW: 3680 },
      { voltageV: 231.5, currentA: 15.5, powerW: 3588.2 },
      { voltageV: 229.9, currentA: 0, powerW: 0 },
    ],
    totalPowerW: 7268.2,
    importWh: 1_234_567,
    frequencyHz: 50,
    readAtMs: 0,
    ...overrides,
  };
}

/** Resolution of the import register per model, in Wh (float32 kWh rounds to 1 Wh; 0.1 kWh; 0.01 kWh). */
const energyStepWh: Record<BuiltInMeterModel, number> = {
  sdm630: 1, sdm72d: 1, sdm120: 1, sdm230: 1, em340: 100, eem350: 100, 'abb-b23': 10,
};

async function rejection(promise: Promise<unknown>): Promise<MeterReadError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof MeterReadError, `expected MeterReadError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the read to reject');
}

/** Lets the virtual line deliver (it uses real setImmediate, which the fake timers leave alone). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

const zeroStats: MeterStats = { ok: 0, timeout: 0, crc: 0, exception: 0, 'wrong-unit': 0, 'short-frame': 0, port: 0, implausible: 0 };

describe('hal/modbus ModbusMeter over the virtual link', () => {
  let current: MeterSample;
  let virtual: VirtualModbusMeter | undefined;
  let clock: sinon.SinonFakeTimers | undefined;
  let wallMs = 1_800_000_000_000;

  const open = async (model: BuiltInMeterModel, retries = 1): Promise<VirtualModbusMeter> => {
    virtual = await createVirtualModbusMeter(() => current, { model, retries, timeoutMs: 500, nowMs: () => ++wallMs });
    return virtual;
  };

  beforeEach(() => {
    current = sample();
  });
  afterEach(async () => {
    clock?.restore();
    clock = undefined;
    await virtual?.close();
    virtual = undefined;
  });

  for (const model of builtInMeterModels) {
    it(`${model}: the sample read equals the model's sample to the meter's resolution`, async () => {
      const { meter } = await open(model);
      const got = await meter.read();
      const phases = builtInMaps[model].phases;
      assert.equal(got.phases.length, phases);
      for (let i = 0; i < phases; i++) {
        const want = current.phases[i];
        assert.ok(Math.abs((got.phases[i]?.voltageV ?? NaN) - (want?.voltageV ?? NaN)) < 0.051, `V L${i + 1}`);
        assert.ok(Math.abs((got.phases[i]?.currentA ?? NaN) - (want?.currentA ?? NaN)) < 0.006, `A L${i + 1}`);
      }
      assert.ok(Math.abs(got.totalPowerW - current.totalPowerW) < 0.06);
      assert.ok(Number.isInteger(got.importWh));
      assert.ok(Math.abs(got.importWh - current.importWh) <= energyStepWh[model] / 2, `importWh ${got.importWh}`);
      assert.equal(got.frequencyHz === null, builtInMaps[model].fields.frequency === undefined);
      assert.equal(got.readAtMs, wallMs);
      assert.equal(meter.stats().ok, 1);
    });
  }

  it('reads an Eastron float32 kWh register to the exact Wh up to 16,000 kWh', async () => {
    const { meter } = await open('sdm630');
    let floor = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 16_000_000 }), async (wh) => {
        // The driver refuses a register that goes backwards, so walk upwards from the last value.
        floor = Math.max(floor, wh);
        current = sample({ importWh: floor });
        assert.equal((await meter.read()).importWh, floor);
      }),
      { numRuns: 60 },
    );
  });

  const frameFaults: { fault: SlaveFault; kind: MeterErrorKind }[] = [
    { fault: 'bad-crc', kind: 'crc' },
    { fault: 'exception', kind: 'exception' },
    { fault: 'wrong-unit', kind: 'wrong-unit' },
    { fault: 'short-frame', kind: 'short-frame' },
  ];
  for (const { fault, kind } of frameFaults) {
    it(`${fault}: rejects with kind ${kind}, counts each attempt, decodes nothing, and recovers`, async () => {
      const { meter, slave } = await open('sdm630', 1);
      await meter.read();
      slave.setFault(fault);
      const before = slave.requests();
      const err = await rejection(meter.read());
      assert.equal(err.kind, kind);
      assert.equal(slave.requests() - before, 2, 'one request and one retry');
      assert.deepEqual(meter.stats(), { ...zeroStats, ok: 1, [kind]: 2 });
      slave.setFault(null);
      current = sample({ importWh: 1_234_600 });
      const again = await meter.read();
      assert.equal(again.importWh, 1_234_600);
      assert.deepEqual(meter.stats(), { ...zeroStats, ok: 2, [kind]: 2 });
    });
  }

  it('no-answer: times out after timeoutMs per attempt (fake timers) and recovers', async () => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { meter, slave } = await open('sdm120', 1);
    slave.setFault('no-answer');
    const pending = rejection(meter.read());
    await settle();
    assert.equal(slave.requests(), 1);
    await clock.tickAsync(499);
    await settle();
    assert.equal(slave.requests(), 1, 'no retry before the timeout');
    await clock.tickAsync(1);
    await settle();
    assert.equal(slave.requests(), 2, 'the retry goes out at the timeout');
    await clock.tickAsync(500);
    const err = await pending;
    assert.equal(err.kind, 'timeout');
    assert.equal(slave.requests(), 2);
    assert.equal(meter.stats().timeout, 2);
    slave.setFault(null);
    assert.equal((await meter.read()).importWh, 1_234_567);
  });

  it('a retry that gets a good answer still yields the sample, and the failed attempt is counted', async () => {
    let failOnce = true;
    virtual = await createVirtualModbusMeter(
      () => {
        if (failOnce) {
          failOnce = false;
          virtual?.slave.setFault(null);
        }
        return current;
      },
      { model: 'sdm630', retries: 1 },
    );
    virtual.slave.setFault('bad-crc');
    const got = await virtual.meter.read();
    assert.equal(got.importWh, 1_234_567);
    assert.deepEqual(virtual.meter.stats(), { ...zeroStats, ok: 1, crc: 1 });
  });

  it('with retries 0 a single bad answer fails the read', async () => {
    const { meter, slave } = await open('sdm630', 0);
    slave.setFault('exception');
    assert.equal((await rejection(meter.read())).kind, 'exception');
    assert.equal(slave.requests(), 1);
  });

  it('energy-reset: an import register below the last good one is implausible, until it is back above', async () => {
    const { meter, slave } = await open('sdm630');
    assert.equal((await meter.read()).importWh, 1_234_567);
    slave.setFault('energy-reset');
    current = sample({ importWh: 1_234_600 });
    const err = await rejection(meter.read());
    assert.equal(err.kind, 'implausible');
    assert.match(err.message, /backwards from 1234567 Wh to 33 Wh/);
    slave.setFault(null);
    assert.equal((await meter.read()).importWh, 1_234_600);
    assert.deepEqual(meter.stats(), { ...zeroStats, ok: 2, implausible: 1 });
  });

  it('NaN and infinite values are implausible, never passed on', async () => {
    const { meter } = await open('sdm630');
    current = sample({ totalPowerW: Number.NaN });
    assert.equal((await rejection(meter.read())).kind, 'implausible');
    current = sample({ frequencyHz: Number.POSITIVE_INFINITY });
    assert.equal((await rejection(meter.read())).kind, 'implausible');
    assert.equal(meter.stats().implausible, 2);
  });

  it('negative energy is implausible (int32 register of an EM340)', async () => {
    const { meter } = await open('em340');
    current = sample({ importWh: -500 });
    const err = await rejection(meter.read());
    assert.equal(err.kind, 'implausible');
    assert.match(err.message, /negative: -500 Wh/);
  });

  it('frozen: the meter keeps answering the values of the moment the fault was set', async () => {
    const { meter, slave } = await open('sdm630');
    slave.setFault('frozen');
    current = sample({ importWh: 1_300_000, totalPowerW: 11_000 });
    const got = await meter.read();
    assert.equal(got.importWh, 1_234_567);
    assert.ok(Math.abs(got.totalPowerW - 7268.2) < 0.01);
  });

  it('a failed read is never answered with the previous sample; the next good one is fresh', async () => {
    const { meter, slave } = await open('sdm630');
    const first = await meter.read();
    slave.setFault('bad-crc');
    await rejection(meter.read());
    slave.setFault(null);
    current = sample({ importWh: 1_234_999, totalPowerW: 100 });
    const next = await meter.read();
    assert.ok(next.readAtMs > first.readAtMs);
    assert.equal(next.importWh, 1_234_999);
    assert.ok(Math.abs(next.totalPowerW - 100) < 0.001);
  });

  it('reads with a custom map from the config', async () => {
    virtual = await createVirtualModbusMeter(() => current, {
      model: 'custom',
      customMap: modbusMeterConfigSchema.parse({
        driver: 'modbus',
        port: 'x',
        model: 'custom',
        customMap: {
          phases: 1,
          functionCode: 3,
          fields: {
            voltageL1: { address: 100, type: 'uint16', scale: 0.1 },
            currentL1: { address: 101, type: 'uint16', scale: 0.01 },
            totalPower: { address: 102, type: 'int32', wordOrder: 'low-first' },
            importEnergy: { address: 104, type: 'uint64', wordOrder: 'low-first' },
          },
        },
      }).customMap,
    });
    assert.deepEqual(virtual.meter.plan.map((b) => [b.functionCode, b.start, b.count]), [[3, 100, 8]]);
    const got = await virtual.meter.read();
    assert.deepEqual(got.phases, [{ voltageV: 230.1, currentA: 16, powerW: 7268 }]);
    assert.equal(got.importWh, 1_234_567);
    assert.equal(got.frequencyHz, null);
  });

  it('waits for a slow meter within the timeout and times out on one slower than it', async () => {
    virtual = await createVirtualModbusMeter(() => current, { model: 'sdm120', answerDelayMs: 40, timeoutMs: 400, retries: 0 });
    const started = performance.now();
    assert.equal((await virtual.meter.read()).importWh, 1_234_567);
    // Two requests (SDM120 plan), each answered after 40 ms.
    assert.ok(performance.now() - started >= 80);
    await virtual.close();
    virtual = await createVirtualModbusMeter(() => current, { model: 'sdm120', answerDelayMs: 120, timeoutMs: 40, retries: 0 });
    assert.equal((await rejection(virtual.meter.read())).kind, 'timeout');
  });

  it('a closed meter rejects with kind port', async () => {
    const { meter } = await open('sdm630');
    await meter.close();
    assert.equal((await rejection(meter.read())).kind, 'port');
  });
});

describe('hal/modbus ModbusMeter against a misbehaving line', () => {
  it('counts an answer cut off before the timeout as short-frame, not timeout (fake timers)', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const line = createVirtualLinkPair({ baudRate: 9600, emulateLineTiming: false });
    // Half of a valid 2-register answer, then silence.
    line.slave.onData(() => line.slave.write(withCrc(Uint8Array.of(1, 4, 4, 0x43, 0x66, 0, 0)).subarray(0, 5)));
    const meter = await ModbusMeter.open(
      modbusMeterConfigSchema.parse({ driver: 'modbus', port: 'virtual', model: 'sdm120', retries: 0, timeoutMs: 300 }),
      { link: line.master, interFrameGapMs: 0 },
    );
    try {
      const pending = rejection(meter.read());
      await settle();
      await clock.tickAsync(300);
      const err = await pending;
      assert.equal(err.kind, 'short-frame');
      assert.match(err.message, /only 5 bytes/);
      assert.equal(meter.stats()['short-frame'], 1);
    } finally {
      clock.restore();
      await meter.close();
      await line.close();
    }
  });

  it('opening a serial device that does not exist rejects with the OS error', async () => {
    await assert.rejects(
      ModbusMeter.open(modbusMeterConfigSchema.parse({ driver: 'modbus', port: '/dev/does-not-exist-3', model: 'sdm630' })),
      /does-not-exist-3|ENOENT|No such file/,
    );
  });
});
