import type { RegisterField, RegisterMap } from '../register-map.js';

/** Eastron: every value a float32, high word first, read with 0x04 (REFERENCE.md, "Register maps"). */
const f = (address: number, scale = 1): RegisterField => ({ address, type: 'float32', wordOrder: 'high-first', scale });

/**
 * Eastron meters answer reads of unmapped input registers between 0x00 and 0x4F (they read as 0), so short gaps are
 * cheaper to read through than to pay another request's header, t3.5 gaps and the meter's answer latency.
 */
const eastronGap = 8;

/** Eastron SDM630 (v2) three-phase. Energy register is kWh: scale 1000 gives Wh. */
export const sdm630Map: RegisterMap = {
  name: 'Eastron SDM630',
  phases: 3,
  functionCode: 4,
  maxRegistersPerRequest: 80,
  maxGapRegisters: eastronGap,
  fields: {
    voltageL1: f(0x00),
    voltageL2: f(0x02),
    voltageL3: f(0x04),
    currentL1: f(0x06),
    currentL2: f(0x08),
    currentL3: f(0x0a),
    powerL1: f(0x0c),
    powerL2: f(0x0e),
    powerL3: f(0x10),
    totalPower: f(0x34),
    frequency: f(0x46),
    importEnergy: f(0x48, 1000),
  },
};

/** Eastron SDM72D-M: same addresses as the SDM630 for the values we read (REFERENCE.md). */
export const sdm72dMap: RegisterMap = { ...sdm630Map, name: 'Eastron SDM72D-M' };

/** Eastron SDM120 single-phase. Phase power is the total power register (0x0C). */
export const sdm120Map: RegisterMap = {
  name: 'Eastron SDM120',
  phases: 1,
  functionCode: 4,
  maxRegistersPerRequest: 80,
  maxGapRegisters: eastronGap,
  fields: {
    voltageL1: f(0x00),
    currentL1: f(0x06),
    powerL1: f(0x0c),
    totalPower: f(0x0c),
    frequency: f(0x46),
    importEnergy: f(0x48, 1000),
  },
};

/** Eastron SDM230 single-phase: same map as the SDM120. */
export const sdm230Map: RegisterMap = { ...sdm120Map, name: 'Eastron SDM230' };
