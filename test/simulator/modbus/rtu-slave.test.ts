import assert from 'node:assert/strict';
import type { MeterSample } from '../../../hal/meter.js';
import { withCrc } from '../../../hal/modbus/crc.js';
import { encodeReadRequest } from '../../../hal/modbus/frame.js';
import { builtInMaps } from '../../../hal/modbus/maps/index.js';
import { ModbusRtuSlave } from '../../../simulator/modbus/rtu-slave.js';
import { createVirtualLinkPair, type VirtualLinkPair } from '../../../simulator/modbus/virtual-link.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

const sample: MeterSample = {
  phases: [
    { voltageV: 230, currentA: 16, powerW: 3680 },
    { voltageV: 231.5, currentA: 15.5, powerW: 3588.25 },
    { voltageV: 229.25, currentA: 0, powerW: 0 },
  ],
  totalPowerW: 7268.25,
  importWh: 1_234_567,
  frequencyHz: 50,
  readAtMs: 0,
};

describe('simulator/modbus RTU slave (raw frames)', () => {
  let line: VirtualLinkPair;
  let slave: ModbusRtuSlave;
  let answers: Uint8Array[];

  const exchange = async (request: Uint8Array): Promise<string[]> => {
    answers = [];
    line.master.write(request);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    return answers.map(toHex);
  };

  beforeEach(() => {
    line = createVirtualLinkPair({ baudRate: 9600, emulateLineTiming: false });
    slave = new ModbusRtuSlave(line.slave, { map: builtInMaps.sdm630, unitId: 1, source: () => sample });
    line.master.onData((chunk) => answers.push(chunk));
  });
  afterEach(async () => {
    await slave.close();
    await line.close();
  });

  it('answers 0x04 at 0x00 × 2 with 230.0 V as float32 big-endian', async () => {
    assert.deepEqual(await exchange(hex('01 04 0000 0002 71CB')), [toHex(withCrc(hex('01 04 04 4366 0000')))]);
  });

  it('answers the energy register 0x48 in kWh', async () => {
    const [answer] = await exchange(encodeReadRequest({ unitId: 1, functionCode: 4, start: 0x48, count: 2 }));
    assert.equal(answer, toHex(withCrc(hex('01 04 04 449A 5225'))));
  });

  it('reads unmapped registers inside a mapped block as 0', async () => {
    const [answer] = await exchange(encodeReadRequest({ unitId: 1, functionCode: 4, start: 0x44, count: 4 }));
    assert.equal(answer, toHex(withCrc(hex('01 04 08 0000 0000 4248 0000'))));
  });

  const exceptions: { name: string; request: Uint8Array; answer: string }[] = [
    { name: 'a function the map does not use (0x03)', request: encodeReadRequest({ unitId: 1, functionCode: 3, start: 0, count: 2 }), answer: '01 83 01' },
    { name: 'a block with no mapped register', request: encodeReadRequest({ unitId: 1, functionCode: 4, start: 0x200, count: 2 }), answer: '01 84 02' },
    { name: 'more than 80 registers', request: encodeReadRequest({ unitId: 1, functionCode: 4, start: 0, count: 81 }), answer: '01 84 03' },
  ];
  for (const row of exceptions) {
    it(`answers ${row.name} with exception ${row.answer.slice(-2)}`, async () => {
      assert.deepEqual(await exchange(row.request), [toHex(withCrc(hex(row.answer)))]);
    });
  }

  it('stays silent for another unit id and for a request with a bad CRC, and counts only its own requests', async () => {
    assert.deepEqual(await exchange(encodeReadRequest({ unitId: 2, functionCode: 4, start: 0, count: 2 })), []);
    assert.deepEqual(await exchange(hex('01 04 0000 0002 71CC')), []);
    assert.equal(slave.requests(), 0);
  });

  it('finds a request behind line noise', async () => {
    const noisy = Uint8Array.from([0xff, 0x00, 0x13, ...hex('01 04 0000 0002 71CB')]);
    assert.equal((await exchange(noisy)).length, 1);
    assert.equal(slave.requests(), 1);
  });

  it('shows each fault on the wire', async () => {
    const request = hex('01 04 0000 0002 71CB');
    const good = withCrc(hex('01 04 04 4366 0000'));
    slave.setFault('bad-crc');
    assert.deepEqual(await exchange(request), [toHex(Uint8Array.from([...good.subarray(0, 8), (good[8] ?? 0) ^ 0xff]))]);
    slave.setFault('exception');
    assert.deepEqual(await exchange(request), [toHex(withCrc(hex('01 84 04')))]);
    slave.setFault('wrong-unit');
    assert.deepEqual(await exchange(request), [toHex(withCrc(hex('02 04 04 4366 0000')))]);
    slave.setFault('short-frame');
    assert.deepEqual(await exchange(request), [toHex(withCrc(hex('01 04 02 4366')))]);
    slave.setFault('no-answer');
    assert.deepEqual(await exchange(request), []);
    slave.setFault(null);
    assert.deepEqual(await exchange(request), [toHex(good)]);
    assert.equal(slave.requests(), 6);
  });
});
