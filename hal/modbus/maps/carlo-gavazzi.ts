import type { RegisterField, RegisterMap } from '../register-map.js';

/** Carlo Gavazzi style: int32 with the LOW word first, read with 0x04 (REFERENCE.md, "Register maps"). */
const i32 = (address: number, scale: number): RegisterField => ({ address, type: 'int32', wordOrder: 'low-first', scale });

/**
 * Carlo Gavazzi EM340 three-phase. V in 0.1 V, A in mA, W in 0.1 W, energy in 0.1 kWh (scale 100 gives Wh).
 * Per-phase power at 0x12/0x14/0x16 comes from the Carlo Gavazzi EM300-series map (not in REFERENCE.md): check the
 * manual before relying on it. The map has no frequency register here (REFERENCE.md lists none).
 */
export const em340Map: RegisterMap = {
  name: 'Carlo Gavazzi EM340',
  phases: 3,
  functionCode: 4,
  // Not confirmed from a manual: a conservative per-request limit that the contiguous blocks below stay under.
  maxRegistersPerRequest: 50,
  maxGapRegisters: 0,
  fields: {
    voltageL1: i32(0x00, 0.1),
    voltageL2: i32(0x02, 0.1),
    voltageL3: i32(0x04, 0.1),
    currentL1: i32(0x0c, 0.001),
    currentL2: i32(0x0e, 0.001),
    currentL3: i32(0x10, 0.001),
    powerL1: i32(0x12, 0.1),
    powerL2: i32(0x14, 0.1),
    powerL3: i32(0x16, 0.1),
    totalPower: i32(0x28, 0.1),
    importEnergy: i32(0x34, 100),
  },
};
