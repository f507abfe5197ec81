import type { RegisterMap } from '../register-map.js';
import { em340Map } from './carlo-gavazzi.js';

/**
 * Phoenix Contact EEM-350-D-MCB: the Carlo Gavazzi layout (int32, low word first, 0x04) except the import energy
 * register, which is at 0x3E in 0.1 kWh (REFERENCE.md).
 */
export const eem350Map: RegisterMap = {
  ...em340Map,
  name: 'Phoenix Contact EEM-350-D-MCB',
  fields: {
    ...em340Map.fields,
    importEnergy: { address: 0x3e, type: 'int32', wordOrder: 'low-first', scale: 100 },
  },
};
