import { applyScale, decodeRegisters, registerCount } from './codec.js';
import type { MeterQuantity, ReadFunctionCode, RegisterField, RegisterMap } from './register-map.js';

/** One field inside a block read: where its registers start, counted from the block's first register. */
export interface PlannedField {
  readonly quantity: MeterQuantity;
  readonly field: RegisterField;
  readonly offset: number;
}

/** One request of a poll: `count` registers from `start` with `functionCode`. */
export interface PollBlock {
  readonly functionCode: ReadFunctionCode;
  readonly start: number;
  readonly count: number;
  readonly fields: readonly PlannedField[];
}

/**
 * Computes the requests of one poll, once per map: fields sorted by address are merged into one block while they are
 * contiguous (or the gap is at most `map.maxGapRegisters`) and the block stays within `map.maxRegistersPerRequest`.
 * @throws RangeError when a single field is wider than the per-request maximum (a broken map).
 */
export function computePollPlan(map: RegisterMap): PollBlock[] {
  const entries = (Object.entries(map.fields) as [MeterQuantity, RegisterField | undefined][])
    .filter((e): e is [MeterQuantity, RegisterField] => e[1] !== undefined)
    .sort((a, b) => a[1].address - b[1].address);

  const blocks: { start: number; end: number; fields: { quantity: MeterQuantity; field: RegisterField }[] }[] = [];
  for (const [quantity, field] of entries) {
    const width = registerCount(field.type);
    const fieldEnd = field.address + width;
    if (fieldEnd > 0x10000) throw new RangeError(`${map.name}: ${quantity} at ${field.address} runs past register 0xFFFF`);
    if (width > map.maxRegistersPerRequest) {
      throw new RangeError(`${map.name}: ${quantity} needs ${width} registers, more than ${map.maxRegistersPerRequest} per request`);
    }
    const last = blocks[blocks.length - 1];
    if (
      last !== undefined &&
      field.address <= last.end + map.maxGapRegisters &&
      Math.max(last.end, fieldEnd) - last.start <= map.maxRegistersPerRequest
    ) {
      last.end = Math.max(last.end, fieldEnd);
      last.fields.push({ quantity, field });
    } else {
      blocks.push({ start: field.address, end: fieldEnd, fields: [{ quantity, field }] });
    }
  }
  return blocks.map((b) => ({
    functionCode: map.functionCode,
    start: b.start,
    count: b.end - b.start,
    fields: b.fields.map((f) => ({ ...f, offset: f.field.address - b.start })),
  }));
}

/**
 * Decodes the fields of `block` from its registers as they came off the wire (2 × block.count bytes of a frame that
 * passed every check), scaled to V, A, W, Wh, Hz.
 * @throws RangeError when `registers` is not exactly the block's length (a caller bug).
 */
export function decodeBlock(block: PollBlock, registers: Uint8Array): Map<MeterQuantity, number> {
  if (registers.length !== block.count * 2) {
    throw new RangeError(`block at ${block.start} needs ${block.count * 2} bytes, got ${registers.length}`);
  }
  const values = new Map<MeterQuantity, number>();
  for (const planned of block.fields) {
    const at = planned.offset * 2;
    const raw = decodeRegisters(registers.subarray(at, at + registerCount(planned.field.type) * 2), planned.field.type, planned.field.wordOrder);
    values.set(planned.quantity, applyScale(raw, planned.field.scale));
  }
  return values;
}
