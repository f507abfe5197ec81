import assert from 'node:assert/strict';
import type { BuiltInMeterModel } from '../../../hal/modbus/config.js';
import { builtInMaps } from '../../../hal/modbus/maps/index.js';
import { computePollPlan, decodeBlock } from '../../../hal/modbus/poll-plan.js';
import { missingQuantities, type MeterQuantity } from '../../../hal/modbus/register-map.js';

/** Register image written by hand: first address → its words in wire order (hex). */
type HandImage = Record<number, string>;

function wordsOf(image: HandImage): Map<number, number> {
  const words = new Map<number, number>();
  for (const [address, hex] of Object.entries(image)) {
    hex
      .trim()
      .split(/\s+/)
      .forEach((w, i) => words.set(Number(address) + i, parseInt(w, 16)));
  }
  return words;
}

/** Decodes every block of the model's poll plan from a hand-written register image, as the driver does. */
function decodeModel(model: BuiltInMeterModel, image: HandImage): Map<MeterQuantity, number> {
  const words = wordsOf(image);
  const values = new Map<MeterQuantity, number>();
  for (const block of computePollPlan(builtInMaps[model])) {
    const bytes = new Uint8Array(block.count * 2);
    for (let i = 0; i < block.count; i++) {
      const w = words.get(block.start + i) ?? 0;
      bytes[2 * i] = w >> 8;
      bytes[2 * i + 1] = w & 0xff;
    }
    for (const [q, v] of decodeBlock(block, bytes)) values.set(q, v);
  }
  return values;
}

const eastron3: HandImage = {
  0x00: '4366 0000  4367 8000  4365 4000', // 230.0, 231.5, 229.25 V
  0x06: '4180 0000  4178 0000  0000 0000', // 16.0, 15.5, 0 A
  0x0c: '4566 0000  4560 4400  0000 0000', // 3680, 3588.25, 0 W
  0x34: '45E3 2200', // 7268.25 W
  0x46: '4248 0000', // 50.0 Hz
  0x48: '449A 5225', // 1234.567 kWh (float32 1234.5670166)
};
const eastron3Expected = {
  voltageL1: 230, voltageL2: 231.5, voltageL3: 229.25,
  currentL1: 16, currentL2: 15.5, currentL3: 0,
  powerL1: 3680, powerL2: 3588.25, powerL3: 0,
  totalPower: 7268.25, frequency: 50,
};

const eastron1: HandImage = {
  0x00: '4366 0000', // 230 V
  0x06: '40E8 0000', // 7.25 A
  0x0c: '44D0 7000', // 1667.5 W
  0x46: '4247 CCCD', // 49.95 Hz (float32)
  0x48: '3F00 0000', // 0.5 kWh
};

// Carlo Gavazzi layout: int32, LOW word first.
const gavazzi: HandImage = {
  0x00: '08FD 0000  090B 0000  08FB 0000', // 2301, 2315, 2299 × 0.1 V
  0x0c: '3E80 0000  3C8C 0000  0000 0000', // 16000, 15500, 0 mA
  0x12: '8FC0 0000  8C28 0000  0000 0000', // 36800, 35880, 0 × 0.1 W
  0x28: '1BE8 0001', // 72680 × 0.1 W
};
const gavazziExpected = {
  voltageL1: 230.1, voltageL2: 231.5, voltageL3: 229.9,
  currentL1: 16, currentL2: 15.5, currentL3: 0,
  powerL1: 3680, powerL2: 3588, powerL3: 0, totalPower: 7268,
};

// ABB B23: holding registers, high word first; energy uint64 in 0.01 kWh.
const abb: HandImage = {
  0x5000: '0000 0000 0001 E240', // 123456 × 0.01 kWh
  0x5b00: '0000 08FD  0000 090B  0000 08FB', // × 0.1 V
  0x5b0c: '0000 0640  0000 060E  0000 0000', // 1600, 1550, 0 × 0.01 A
  0x5b14: '000B 1729  0005 9D80  0005 79A9  0000 0000', // total 726825, L1 368000, L2 358825, L3 0 × 0.01 W
};

function assertValues(actual: Map<MeterQuantity, number>, expected: Partial<Record<MeterQuantity, number>>): void {
  for (const [q, v] of Object.entries(expected)) assert.equal(actual.get(q as MeterQuantity), v, q);
}

describe('hal/modbus register maps: decoding from known byte vectors', () => {
  for (const model of ['sdm630', 'sdm72d'] as const) {
    it(`${model}: float32 high word first from 0x04 registers, kWh × 1000`, () => {
      const values = decodeModel(model, eastron3);
      assertValues(values, eastron3Expected);
      assert.equal(Math.round(values.get('importEnergy') ?? NaN), 1_234_567);
    });
  }

  for (const model of ['sdm120', 'sdm230'] as const) {
    it(`${model}: one phase, phase power is the total power register`, () => {
      const values = decodeModel(model, eastron1);
      assertValues(values, { voltageL1: 230, currentL1: 7.25, powerL1: 1667.5, totalPower: 1667.5, importEnergy: 500 });
      assert.equal(values.get('frequency'), Math.fround(49.95));
    });
  }

  it('em340: int32 low word first, 0.1 V / mA / 0.1 W, import at 0x34 in 0.1 kWh', () => {
    const values = decodeModel('em340', { ...gavazzi, 0x34: 'E240 0001' });
    assertValues(values, { ...gavazziExpected, importEnergy: 12_345_600 });
    assert.equal(values.has('frequency'), false);
  });

  it('eem350: the Carlo Gavazzi layout with import at 0x3E', () => {
    const values = decodeModel('eem350', { ...gavazzi, 0x34: 'FFFF FFFF', 0x3e: 'E240 0001' });
    assertValues(values, { ...gavazziExpected, importEnergy: 12_345_600 });
  });

  it('abb-b23: 0x03 holding registers, uint64 energy in 0.01 kWh', () => {
    const values = decodeModel('abb-b23', abb);
    assertValues(values, {
      voltageL1: 230.1, voltageL2: 231.5, voltageL3: 229.9,
      currentL1: 16, currentL2: 15.5, currentL3: 0,
      totalPower: 7268.25, powerL1: 3680, powerL2: 3588.25, powerL3: 0,
      importEnergy: 1_234_560,
    });
    assert.equal(builtInMaps['abb-b23'].functionCode, 3);
  });

  it('every built-in map has the addresses of REFERENCE.md and all required quantities', () => {
    const ref: Record<BuiltInMeterModel, { fc: 3 | 4; v1: number; i1: number; p: number; e: number; f: number | null }> = {
      sdm630: { fc: 4, v1: 0x00, i1: 0x06, p: 0x34, e: 0x48, f: 0x46 },
      sdm72d: { fc: 4, v1: 0x00, i1: 0x06, p: 0x34, e: 0x48, f: 0x46 },
      sdm120: { fc: 4, v1: 0x00, i1: 0x06, p: 0x0c, e: 0x48, f: 0x46 },
      sdm230: { fc: 4, v1: 0x00, i1: 0x06, p: 0x0c, e: 0x48, f: 0x46 },
      em340: { fc: 4, v1: 0x00, i1: 0x0c, p: 0x28, e: 0x34, f: null },
      eem350: { fc: 4, v1: 0x00, i1: 0x0c, p: 0x28, e: 0x3e, f: null },
      'abb-b23': { fc: 3, v1: 0x5b00, i1: 0x5b0c, p: 0x5b14, e: 0x5000, f: null },
    };
    for (const [model, r] of Object.entries(ref) as [BuiltInMeterModel, (typeof ref)[BuiltInMeterModel]][]) {
      const map = builtInMaps[model];
      assert.deepEqual(missingQuantities(map), [], model);
      assert.equal(map.functionCode, r.fc, model);
      assert.equal(map.fields.voltageL1?.address, r.v1, model);
      assert.equal(map.fields.currentL1?.address, r.i1, model);
      assert.equal(map.fields.totalPower?.address, r.p, model);
      assert.equal(map.fields.importEnergy?.address, r.e, model);
      assert.equal(map.fields.frequency?.address ?? null, r.f, model);
    }
  });
});
