import type { MeterSample } from '../../hal/meter.js';
import { encodeRegisters, isIntegerType } from '../../hal/modbus/codec.js';
import type { MeterQuantity, RegisterField, RegisterMap } from '../../hal/modbus/register-map.js';

/** The value of `quantity` in the map's units (V, A, W, Wh, Hz) from a sample; absent phases read 0. */
function quantityValue(sample: MeterSample, quantity: MeterQuantity): number {
  const phase = (n: number) => sample.phases[n];
  switch (quantity) {
    case 'voltageL1':
    case 'voltageL2':
    case 'voltageL3':
      return phase(Number(quantity.slice(-1)) - 1)?.voltageV ?? 0;
    case 'currentL1':
    case 'currentL2':
    case 'currentL3':
      return phase(Number(quantity.slice(-1)) - 1)?.currentA ?? 0;
    case 'powerL1':
    case 'powerL2':
    case 'powerL3':
      return phase(Number(quantity.slice(-1)) - 1)?.powerW ?? 0;
    case 'totalPower':
      return sample.totalPowerW;
    case 'importEnergy':
      return sample.importWh;
    case 'frequency':
      return sample.frequencyHz ?? 50;
  }
}

/** The raw registers of one field holding `value` (value ÷ scale, rounded for integer types). */
export function encodeField(field: RegisterField, value: number): Uint8Array {
  const raw = value / field.scale;
  return encodeRegisters(isIntegerType(field.type) ? Math.round(raw) : raw, field.type, field.wordOrder);
}

/**
 * The meter's register image for `sample`: address → 16-bit register value, only for mapped registers.
 * The simulator serves reads from it; unmapped registers inside a read return 0.
 */
export function registerImage(map: RegisterMap, sample: MeterSample): Map<number, number> {
  const image = new Map<number, number>();
  for (const [quantity, field] of Object.entries(map.fields) as [MeterQuantity, RegisterField | undefined][]) {
    if (field === undefined) continue;
    const bytes = encodeField(field, quantityValue(sample, quantity));
    for (let i = 0; i < bytes.length / 2; i++) image.set(field.address + i, ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  }
  return image;
}
