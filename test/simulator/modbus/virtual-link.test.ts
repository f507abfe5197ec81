import assert from 'node:assert/strict';
import { characterTimeMs, createVirtualLinkPair, t35Ms } from '../../../simulator/modbus/virtual-link.js';
import { createVirtualModbusMeter } from '../../../simulator/modbus/virtual-meter.js';

describe('simulator/modbus virtual link', () => {
  it('uses the RTU character time and t3.5 of REFERENCE.md', () => {
    assert.ok(Math.abs(characterTimeMs(9600) - 1.1458) < 0.001);
    assert.ok(Math.abs(t35Ms(9600) - 4.0104) < 0.001);
    assert.ok(Math.abs(t35Ms(19200) - 2.0052) < 0.001);
    assert.equal(t35Ms(38400), 1.75);
  });

  it('without line timing delivers bytes unchanged on the next turn of the event loop', async () => {
    const line = createVirtualLinkPair({ baudRate: 9600, emulateLineTiming: false });
    const got: number[] = [];
    line.slave.onData((chunk) => got.push(...chunk));
    line.master.write(Uint8Array.of(1, 2, 3));
    assert.deepEqual(got, []);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(got, [1, 2, 3]);
    await line.close();
  });

  it('with line timing a request and its answer take their character times plus two t3.5 gaps, half duplex', async () => {
    // 8 + 9 bytes at 9600 baud: 17 × 1.146 ms + 2 × 4.01 ms = 27.5 ms (REFERENCE.md: 36.4 polls/s for 2 registers).
    const line = createVirtualLinkPair({ baudRate: 9600, emulateLineTiming: true });
    line.slave.onData(() => line.slave.write(new Uint8Array(9)));
    const started = performance.now();
    const elapsed = await new Promise<number>((resolve) => {
      line.master.onData(() => resolve(performance.now() - started));
      line.master.write(new Uint8Array(8));
    });
    assert.ok(elapsed >= 27.5, `took ${elapsed.toFixed(2)} ms`);
    assert.ok(elapsed < 27.5 + 200, `took ${elapsed.toFixed(2)} ms`);
    await line.close();
  });

  it('delivers nothing after close', async () => {
    const line = createVirtualLinkPair({ baudRate: 38_400, emulateLineTiming: true });
    let got = 0;
    line.slave.onData(() => (got += 1));
    line.master.write(new Uint8Array(8));
    await line.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(got, 0);
  });
});

describe('simulator/modbus virtual meter with line timing', () => {
  it('an SDM630 poll (three requests) costs at least its wire time at 38400 baud, and the values arrive intact', async () => {
    const v = await createVirtualModbusMeter(
      () => ({
        phases: [
          { voltageV: 230, currentA: 16, powerW: 3680 },
          { voltageV: 230, currentA: 16, powerW: 3680 },
          { voltageV: 230, currentA: 16, powerW: 3680 },
        ],
        totalPowerW: 11_040,
        importWh: 42_000,
        frequencyHz: 50,
        readAtMs: 0,
      }),
      { model: 'sdm630', baudRate: 38_400, emulateLineTiming: true },
    );
    try {
      const wireMs = v.meter.plan.reduce((sum, b) => sum + (13 + 2 * b.count) * characterTimeMs(38_400) + 2 * t35Ms(38_400), 0);
      const started = performance.now();
      const got = await v.meter.read();
      const elapsed = performance.now() - started;
      assert.equal(got.importWh, 42_000);
      assert.ok(elapsed >= wireMs, `poll took ${elapsed.toFixed(2)} ms, wire time ${wireMs.toFixed(2)} ms`);
    } finally {
      await v.close();
    }
  });
});
