import assert from 'node:assert/strict';
import fc from 'fast-check';
import { registerCount, registerTypes } from '../../../hal/modbus/codec.js';
import { builtInMaps } from '../../../hal/modbus/maps/index.js';
import { computePollPlan } from '../../../hal/modbus/poll-plan.js';
import { meterQuantities, type MeterQuantity, type RegisterField, type RegisterMap } from '../../../hal/modbus/register-map.js';

describe('hal/modbus poll plan', () => {
  it('reads an SDM630 in three requests: phases 0x00-0x11, total power, frequency + energy', () => {
    const plan = computePollPlan(builtInMaps.sdm630).map((b) => [b.functionCode, b.start, b.count]);
    assert.deepEqual(plan, [
      [4, 0x00, 18],
      [4, 0x34, 2],
      [4, 0x46, 4],
    ]);
  });

  it('reads an SDM120 in two requests by reading through the short Eastron gaps', () => {
    const plan = computePollPlan(builtInMaps.sdm120).map((b) => [b.start, b.count]);
    assert.deepEqual(plan, [
      [0x00, 14],
      [0x46, 4],
    ]);
  });

  it('never reads through gaps on maps that do not allow it (ABB B23)', () => {
    const plan = computePollPlan(builtInMaps['abb-b23']).map((b) => [b.functionCode, b.start, b.count]);
    assert.deepEqual(plan, [
      [3, 0x5000, 4],
      [3, 0x5b00, 6],
      [3, 0x5b0c, 6],
      [3, 0x5b14, 8],
    ]);
  });

  it('splits a contiguous run at the per-request maximum', () => {
    const fields: Partial<Record<MeterQuantity, RegisterField>> = {};
    meterQuantities.forEach((q, i) => (fields[q] = { address: 2 * i, type: 'float32', wordOrder: 'high-first', scale: 1 }));
    const map: RegisterMap = { name: 't', phases: 3, functionCode: 4, maxRegistersPerRequest: 10, maxGapRegisters: 0, fields };
    assert.deepEqual(
      computePollPlan(map).map((b) => [b.start, b.count]),
      [
        [0, 10],
        [10, 10],
        [20, 4],
      ],
    );
  });

  it('covers every field exactly, within the per-request maximum, in address order', () => {
    const fieldArb = fc.record({
      address: fc.integer({ min: 0, max: 300 }),
      type: fc.constantFrom(...registerTypes),
      wordOrder: fc.constantFrom('high-first' as const, 'low-first' as const),
      scale: fc.constant(1),
    });
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...meterQuantities), fieldArb),
        fc.integer({ min: 4, max: 125 }),
        fc.integer({ min: 0, max: 20 }),
        (fields, max, gap) => {
          const map: RegisterMap = { name: 'p', phases: 3, functionCode: 4, maxRegistersPerRequest: max, maxGapRegisters: gap, fields };
          const plan = computePollPlan(map);
          const planned = plan.flatMap((b) => b.fields.map((f) => f.quantity)).sort();
          assert.deepEqual(planned, Object.keys(fields).sort());
          // Blocks may overlap only where fields themselves overlap (a random map can have that; real maps do not).
          let previousStart = -1;
          for (const block of plan) {
            assert.ok(block.count <= max);
            assert.ok(block.start >= previousStart);
            previousStart = block.start;
            for (const f of block.fields) {
              assert.equal(block.start + f.offset, f.field.address);
              assert.ok(f.offset + registerCount(f.field.type) <= block.count);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never overlaps blocks when the fields do not overlap', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: meterQuantities.length }),
        fc.integer({ min: 2, max: 125 }),
        fc.integer({ min: 0, max: 20 }),
        (slots, max, gap) => {
          const fields: Partial<Record<MeterQuantity, RegisterField>> = {};
          // Each field owns the two registers of its slot, so no two fields overlap.
          slots.forEach((slot, i) => (fields[meterQuantities[i] ?? 'frequency'] = { address: 2 * slot, type: 'float32', wordOrder: 'high-first', scale: 1 }));
          const plan = computePollPlan({ name: 'p', phases: 3, functionCode: 4, maxRegistersPerRequest: max, maxGapRegisters: gap, fields });
          for (let i = 1; i < plan.length; i++) {
            const prev = plan[i - 1];
            const cur = plan[i];
            assert.ok(prev !== undefined && cur !== undefined && cur.start >= prev.start + prev.count);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
