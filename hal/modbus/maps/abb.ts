import type { RegisterField, RegisterMap } from '../register-map.js';

const field = (address: number, type: RegisterField['type'], scale: number): RegisterField => ({
  address,
  type,
  wordOrder: 'high-first',
  scale,
});

/**
 * ABB B23 three-phase, read with 0x03 (holding registers), high word first. V in 0.1 V, A in 0.01 A, W in 0.01 W,
 * import energy uint64 in 0.01 kWh (scale 10 gives Wh). Addresses from REFERENCE.md; per-phase voltages, currents
 * and powers follow the B23 manual's layout (consecutive int32/uint32 after the L1 register).
 */
export const abbB23Map: RegisterMap = {
  name: 'ABB B23',
  phases: 3,
  functionCode: 3,
  // The B-series accepts long reads; stay well under the Modbus ceiling of 125.
  maxRegistersPerRequest: 60,
  maxGapRegisters: 0,
  fields: {
    voltageL1: field(0x5b00, 'uint32', 0.1),
    voltageL2: field(0x5b02, 'uint32', 0.1),
    voltageL3: field(0x5b04, 'uint32', 0.1),
    currentL1: field(0x5b0c, 'uint32', 0.01),
    currentL2: field(0x5b0e, 'uint32', 0.01),
    currentL3: field(0x5b10, 'uint32', 0.01),
    totalPower: field(0x5b14, 'int32', 0.01),
    powerL1: field(0x5b16, 'int32', 0.01),
    powerL2: field(0x5b18, 'int32', 0.01),
    powerL3: field(0x5b1a, 'int32', 0.01),
    importEnergy: field(0x5000, 'uint64', 10),
  },
};
