import assert from 'node:assert/strict';
import { withCrc } from '../../../hal/modbus/crc.js';
import { classifyResponse, encodeReadRequest, responseFrameLength, type ReadRequest } from '../../../hal/modbus/frame.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const req: ReadRequest = { unitId: 1, functionCode: 4, start: 0, count: 2 };

describe('hal/modbus response frames', () => {
  it('encodes a read request as on the wire', () => {
    assert.deepEqual(encodeReadRequest(req), hex('01 04 0000 0002 71CB'));
  });

  it('knows a frame length from its header: 5 for an exception, 5 + byte count for an answer', () => {
    assert.equal(responseFrameLength(req, hex('01')), null);
    assert.equal(responseFrameLength(req, hex('01 84')), 5);
    assert.equal(responseFrameLength(req, hex('01 04')), null);
    assert.equal(responseFrameLength(req, hex('01 04 04')), 9);
    assert.equal(responseFrameLength(req, hex('01 03 04')), null);
  });

  const good = withCrc(hex('01 04 04 4366 0000'));
  const table: { name: string; frame: Uint8Array; verdict: ReturnType<typeof classifyResponse> }[] = [
    { name: 'a good answer', frame: good, verdict: { kind: 'ok' } },
    { name: 'a flipped CRC byte', frame: Uint8Array.from([...good.subarray(0, 8), (good[8] ?? 0) ^ 1]), verdict: { kind: 'crc' } },
    { name: 'a flipped data bit', frame: Uint8Array.from([...good.subarray(0, 4), 0x67, ...good.subarray(5)]), verdict: { kind: 'crc' } },
    { name: 'another unit id', frame: withCrc(hex('02 04 04 4366 0000')), verdict: { kind: 'wrong-unit' } },
    { name: 'an exception answer', frame: withCrc(hex('01 84 02')), verdict: { kind: 'exception', exceptionCode: 2 } },
    { name: 'an exception from another unit', frame: withCrc(hex('07 84 04')), verdict: { kind: 'wrong-unit' } },
    { name: 'fewer registers with a valid CRC', frame: withCrc(hex('01 04 02 4366')), verdict: { kind: 'short-frame' } },
    { name: 'a truncated frame', frame: good.subarray(0, 6), verdict: { kind: 'short-frame' } },
    { name: 'four bytes', frame: hex('01 04 04 43'), verdict: { kind: 'short-frame' } },
    { name: 'more registers than asked', frame: withCrc(hex('01 04 06 4366 0000 0000')), verdict: { kind: 'short-frame' } },
    { name: 'a byte count that disagrees with the length', frame: withCrc(hex('01 04 02 4366 0000')), verdict: { kind: 'short-frame' } },
    { name: 'another function code', frame: withCrc(hex('01 03 04 4366 0000')), verdict: { kind: 'short-frame' } },
  ];
  for (const row of table) {
    it(`classifies ${row.name} as ${row.verdict.kind}`, () => {
      assert.deepEqual(classifyResponse(req, row.frame), row.verdict);
    });
  }
});
