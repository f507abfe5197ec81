/**
 * Register decoders and encoders. A Modbus register is a 16-bit word sent big-endian; wider values span 2 or 4
 * registers whose order differs by vendor ("word order"). Decoding is exact for integers up to 2^53.
 */

/** How a value is laid out in registers. */
export type RegisterType = 'float32' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';
/** `high-first`: most significant register at the lowest address (Eastron, ABB); `low-first`: Carlo Gavazzi. */
export type WordOrder = 'high-first' | 'low-first';

export const registerTypes = ['float32', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64'] as const;
export const wordOrders = ['high-first', 'low-first'] as const;

/** Registers one value of `type` occupies. */
export function registerCount(type: RegisterType): 1 | 2 | 4 {
  switch (type) {
    case 'int16':
    case 'uint16':
      return 1;
    case 'float32':
    case 'int32':
    case 'uint32':
      return 2;
    case 'int64':
    case 'uint64':
      return 4;
  }
}

/** Puts the registers of one value into big-endian (high word first) order. */
function toHighFirst(words: Uint8Array, wordOrder: WordOrder): Uint8Array {
  if (wordOrder === 'high-first' || words.length <= 2) return words;
  const out = new Uint8Array(words.length);
  const n = words.length / 2;
  for (let i = 0; i < n; i++) {
    out[2 * i] = words[2 * (n - 1 - i)] ?? 0;
    out[2 * i + 1] = words[2 * (n - 1 - i) + 1] ?? 0;
  }
  return out;
}

/**
 * Decodes the raw (unscaled) value of `type` from `bytes`, which hold exactly its registers as they came off the wire.
 * @throws RangeError when `bytes` has the wrong length for `type` (a caller bug: frames are length-checked before).
 */
export function decodeRegisters(bytes: Uint8Array, type: RegisterType, wordOrder: WordOrder): number {
  const expected = registerCount(type) * 2;
  if (bytes.length !== expected) throw new RangeError(`${type} needs ${expected} bytes, got ${bytes.length}`);
  const be = toHighFirst(bytes, wordOrder);
  const view = new DataView(be.buffer, be.byteOffset, be.byteLength);
  switch (type) {
    case 'int16':
      return view.getInt16(0, false);
    case 'uint16':
      return view.getUint16(0, false);
    case 'int32':
      return view.getInt32(0, false);
    case 'uint32':
      return view.getUint32(0, false);
    case 'float32':
      return view.getFloat32(0, false);
    case 'int64':
      return Number(view.getBigInt64(0, false));
    case 'uint64':
      return Number(view.getBigUint64(0, false));
  }
}

/**
 * Encodes `raw` (already divided by the scale and rounded where the type is an integer) into registers of `type`.
 * Used by the meter simulator; the inverse of {@link decodeRegisters}.
 */
export function encodeRegisters(raw: number, type: RegisterType, wordOrder: WordOrder): Uint8Array {
  const be = new Uint8Array(registerCount(type) * 2);
  const view = new DataView(be.buffer);
  switch (type) {
    case 'int16':
      view.setInt16(0, raw, false);
      break;
    case 'uint16':
      view.setUint16(0, raw, false);
      break;
    case 'int32':
      view.setInt32(0, raw, false);
      break;
    case 'uint32':
      view.setUint32(0, raw, false);
      break;
    case 'float32':
      view.setFloat32(0, raw, false);
      break;
    case 'int64':
      view.setBigInt64(0, BigInt(Math.round(raw)), false);
      break;
    case 'uint64':
      view.setBigUint64(0, BigInt(Math.round(raw)), false);
      break;
  }
  // Reversing the words is its own inverse.
  return toHighFirst(be, wordOrder);
}

/** True for the integer register types (the simulator rounds before encoding them). */
export function isIntegerType(type: RegisterType): boolean {
  return type !== 'float32';
}

/**
 * raw × scale, computed as raw ÷ n when the scale is 1/n (0.1, 0.01, 0.001), so 2301 × 0.1 gives 230.1 and not
 * 230.10000000000002.
 */
export function applyScale(raw: number, scale: number): number {
  if (scale < 1) {
    const divisor = Math.round(1 / scale);
    if (Math.abs(1 / scale - divisor) < 1e-9) return raw / divisor;
  }
  return raw * scale;
}
