import assert from 'node:assert/strict';
import fc from 'fast-check';
import { crc16Modbus, hasValidCrc, withCrc } from '../../../hal/modbus/crc.js';
import { applyScale, decodeRegisters, encodeRegisters, type RegisterType, type WordOrder } from '../../../hal/modbus/codec.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('hal/modbus CRC-16/MODBUS', () => {
  it('matches the well-known SDM read request "01 04 00 00 00 02 71 CB"', () => {
    assert.equal(crc16Modbus(hex('010400000002')), 0xcb71);
    assert.deepEqual(withCrc(hex('010400000002')), hex('01040000000271CB'));
    assert.equal(hasValidCrc(hex('01040000000271CB')), true);
  });

  it('rejects any single flipped bit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), (body, bitSeed) => {
        const frame = withCrc(body);
        const bit = bitSeed % (frame.length * 8);
        frame[bit >> 3] = (frame[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        return !hasValidCrc(frame);
      }),
    );
  });
});

describe('hal/modbus register decoders', () => {
  const table: { bytes: string; type: RegisterType; order: WordOrder; raw: number }[] = [
    // Eastron: float32 big-endian, high word first. 230.0 V = 0x43660000; 1234.567 kWh = 0x449A5225.
    { bytes: '4366 0000', type: 'float32', order: 'high-first', raw: 230 },
    { bytes: '449A 5225', type: 'float32', order: 'high-first', raw: Math.fround(1234.567) },
    { bytes: '0000 4366', type: 'float32', order: 'low-first', raw: 230 },
    // Carlo Gavazzi: int32 low word first. 2301 (230.1 V) = 0x000008FD → words 08FD 0000.
    { bytes: '08FD 0000', type: 'int32', order: 'low-first', raw: 2301 },
    { bytes: 'FF9C FFFF', type: 'int32', order: 'low-first', raw: -100 },
    { bytes: '0000 08FD', type: 'int32', order: 'high-first', raw: 2301 },
    { bytes: 'FFFF FF9C', type: 'int32', order: 'high-first', raw: -100 },
    { bytes: 'FFFF FF9C', type: 'uint32', order: 'high-first', raw: 0xffffff9c },
    { bytes: 'FF9C FFFF', type: 'uint32', order: 'low-first', raw: 0xffffff9c },
    // ABB: uint64 high word first. 123456 (1234.56 kWh in 0.01 kWh) = 0x1E240.
    { bytes: '0000 0000 0001 E240', type: 'uint64', order: 'high-first', raw: 123456 },
    { bytes: 'E240 0001 0000 0000', type: 'uint64', order: 'low-first', raw: 123456 },
    { bytes: 'FFFF FFFF FFFF FFFE', type: 'int64', order: 'high-first', raw: -2 },
    { bytes: '0000 0000 0000 0000', type: 'int64', order: 'low-first', raw: 0 },
    { bytes: '1388', type: 'uint16', order: 'high-first', raw: 5000 },
    { bytes: 'FFFE', type: 'int16', order: 'low-first', raw: -2 },
  ];
  for (const row of table) {
    it(`${row.type} ${row.order} ${row.bytes} → ${row.raw}`, () => {
      assert.equal(decodeRegisters(hex(row.bytes), row.type, row.order), row.raw);
      assert.deepEqual(encodeRegisters(row.raw, row.type, row.order), hex(row.bytes));
    });
  }

  it('refuses a byte count that does not fit the type', () => {
    assert.throws(() => decodeRegisters(hex('4366'), 'float32', 'high-first'), RangeError);
  });

  it('round-trips every integer type and word order', () => {
    const cases: [RegisterType, fc.Arbitrary<number>][] = [
      ['int16', fc.integer({ min: -0x8000, max: 0x7fff })],
      ['uint16', fc.integer({ min: 0, max: 0xffff })],
      ['int32', fc.integer({ min: -0x80000000, max: 0x7fffffff })],
      ['uint32', fc.integer({ min: 0, max: 0xffffffff })],
      ['int64', fc.maxSafeInteger()],
      ['uint64', fc.maxSafeNat()],
    ];
    for (const [type, values] of cases) {
      fc.assert(
        fc.property(values, fc.constantFrom<WordOrder>('high-first', 'low-first'), (v, order) => {
          assert.equal(decodeRegisters(encodeRegisters(v, type, order), type, order), v);
        }),
      );
    }
  });

  it('round-trips float32 bit for bit, NaN included', () => {
    fc.assert(
      fc.property(fc.float(), fc.constantFrom<WordOrder>('high-first', 'low-first'), (v, order) => {
        assert.ok(Object.is(decodeRegisters(encodeRegisters(v, 'float32', order), 'float32', order), v));
      }),
    );
  });

  it('scales by division for 1/n factors, so decimal readings stay exact', () => {
    assert.equal(applyScale(2301, 0.1), 230.1);
    assert.equal(applyScale(13072, 0.001), 13.072);
    assert.equal(applyScale(123456, 10), 1_234_560);
    assert.equal(applyScale(1.5, 1000), 1500);
  });
});
