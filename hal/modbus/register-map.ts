import type { RegisterType, WordOrder } from './codec.js';

/**
 * The quantities a meter map can provide. Units after scaling: V, A, W, Wh, Hz.
 * `importEnergy` scales to watt-hours (a kWh register has scale 1000).
 */
export const meterQuantities = [
  'voltageL1',
  'voltageL2',
  'voltageL3',
  'currentL1',
  'currentL2',
  'currentL3',
  'powerL1',
  'powerL2',
  'powerL3',
  'totalPower',
  'importEnergy',
  'frequency',
] as const;
export type MeterQuantity = (typeof meterQuantities)[number];

/** Where one quantity lives and how to turn its registers into the quantity's unit: value = raw × scale. */
export interface RegisterField {
  /** 0-based protocol address of the first register. */
  readonly address: number;
  readonly type: RegisterType;
  readonly wordOrder: WordOrder;
  readonly scale: number;
}

/** Modbus read functions a meter map may use. */
export type ReadFunctionCode = 3 | 4;

/** A meter family's register map, as data. */
export interface RegisterMap {
  /** Human name, for logs and `evse meter read`. */
  readonly name: string;
  readonly phases: 1 | 3;
  /** 0x04 read input registers or 0x03 read holding registers; every field of the map uses it. */
  readonly functionCode: ReadFunctionCode;
  /** Largest register count the meter accepts in one request (Eastron: 80). */
  readonly maxRegistersPerRequest: number;
  /**
   * Unmapped registers the poll plan may read through to join two blocks. Only maps whose meter answers reads of
   * unmapped addresses inside its documented area set this above 0.
   */
  readonly maxGapRegisters: number;
  readonly fields: Readonly<Partial<Record<MeterQuantity, RegisterField>>>;
}

/** Quantities every map must provide, per phase count. Phase power may fall back to total power on one phase. */
export function requiredQuantities(phases: 1 | 3): readonly MeterQuantity[] {
  return phases === 1
    ? ['voltageL1', 'currentL1', 'totalPower', 'importEnergy']
    : ['voltageL1', 'voltageL2', 'voltageL3', 'currentL1', 'currentL2', 'currentL3', 'powerL1', 'powerL2', 'powerL3', 'totalPower', 'importEnergy'];
}

/** Names of the required quantities `map` lacks (empty when the map is complete). */
export function missingQuantities(map: Pick<RegisterMap, 'phases' | 'fields'>): MeterQuantity[] {
  return requiredQuantities(map.phases).filter((q) => map.fields[q] === undefined);
}
