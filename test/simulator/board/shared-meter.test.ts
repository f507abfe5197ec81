import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { SharedMeterWindow } from '../../../simulator/board/shared-meter.js';

describe('virtual board: the meter reading in shared memory', () => {
  const sample = {
    phases: [
      { voltageV: 230, currentA: 16, powerW: 3680 },
      { voltageV: 231, currentA: 15.5, powerW: 3580.5 },
      { voltageV: 229, currentA: 0, powerW: 0 },
    ],
    totalPowerW: 7260.5,
    importWh: 1_234_567,
    frequencyHz: 50,
    readAtMs: 1_780_000_000_000,
  };

  it('reads back what was written, whole', () => {
    const w = new SharedMeterWindow();
    w.write(sample);
    assert.deepEqual(w.read(), sample);
    w.write({ ...sample, frequencyHz: null, importWh: 1_234_568 });
    assert.deepEqual(w.read(), { ...sample, frequencyHz: null, importWh: 1_234_568 });
  });

  it('sees a register another thread moves, with no message in between', async () => {
    const w = new SharedMeterWindow();
    w.write(sample);
    // A writer thread bumps the import register (slot 10 of the Float64 view, behind the 8-byte sequence word).
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const seq = new Int32Array(workerData, 0, 1);
       const values = new Float64Array(workerData, 8, 13);
       Atomics.add(seq, 0, 1); values[10] = 2_000_000; Atomics.add(seq, 0, 1);
       parentPort.postMessage('done');`,
      { eval: true, workerData: w.buffer },
    );
    await new Promise((resolve) => worker.once('message', resolve));
    await worker.terminate();
    assert.equal(w.read().importWh, 2_000_000);
  });
});
