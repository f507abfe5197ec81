import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { MeterSample } from '../../../hal/meter.js';
import type { BuiltInMeterModel } from '../../../hal/modbus/config.js';
import { builtInMaps } from '../../../hal/modbus/maps/index.js';
import { openSerialLink } from '../../../hal/modbus/serial-link.js';
import { ModbusRtuSlave } from '../../../simulator/modbus/rtu-slave.js';
import { requireTool } from '../../support/tools.js';
import { openPtyPair, type PtyPair } from '../../../simulator/modbus/pty-pair.js';

const run = promisify(execFile);

const sample: MeterSample = {
  phases: [
    { voltageV: 230.1, currentA: 16, powerW: 3680 },
    { voltageV: 231.5, currentA: 15.5, powerW: 3588.25 },
    { voltageV: 229.9, currentA: 0, powerW: 0 },
  ],
  totalPowerW: 7268.25,
  importWh: 1_234_567,
  frequencyHz: 50,
  readAtMs: 0,
};

/** Runs mbpoll once and returns `register → value` from lines like "[72]: 	1234.57". */
async function mbpoll(args: string[]): Promise<Map<number, number>> {
  const { stdout } = await run('mbpoll', ['-m', 'rtu', '-b', '9600', '-P', 'none', '-0', '-1', '-o', '2', ...args], { timeout: 5000 });
  const values = new Map<number, number>();
  for (const m of stdout.matchAll(/^\[(\d+)\]:\s+(\S+)/gm)) values.set(Number(m[1]), Number(m[2]));
  return values;
}

describe('simulator/modbus slave read by an independent master (mbpoll over a socat pty pair)', function () {
  let pty: PtyPair | undefined;
  let slave: ModbusRtuSlave | undefined;

  const serve = async (model: BuiltInMeterModel, unitId: number): Promise<string> => {
    pty = await openPtyPair();
    const link = await openSerialLink({ path: pty.a, baudRate: 9600, parity: 'none', stopBits: 1 });
    slave = new ModbusRtuSlave(link, { map: builtInMaps[model], unitId, source: () => sample });
    return pty.b;
  };

  beforeEach(function () {
    requireTool(this, 'socat');
    requireTool(this, 'mbpoll');
  });
  afterEach(async () => {
    await slave?.close();
    await pty?.close();
    slave = undefined;
    pty = undefined;
  });

  it('SDM630: mbpoll reads the float32 input registers (big-endian words) the model serves', async () => {
    const device = await serve('sdm630', 3);
    const phases = await mbpoll(['-a', '3', '-t', '3:float', '-B', '-r', '0', '-c', '6', device]);
    assert.deepEqual([...phases.entries()], [
      [0, 230.1],
      [2, 231.5],
      [4, 229.9],
      [6, 16],
      [8, 15.5],
      [10, 0],
    ]);
    const energy = await mbpoll(['-a', '3', '-t', '3:float', '-B', '-r', '70', '-c', '2', device]);
    assert.deepEqual([...energy.entries()], [
      [70, 50],
      [72, 1234.57],
    ]);
    assert.equal(slave?.requests(), 2);
  });

  it('ABB B23: mbpoll reads the 32-bit holding registers (0x03)', async () => {
    const device = await serve('abb-b23', 1);
    const volts = await mbpoll(['-a', '1', '-t', '4:int', '-B', '-r', String(0x5b00), '-c', '3', device]);
    assert.deepEqual([...volts.values()], [2301, 2315, 2299]);
  });

  it('mbpoll sees the injected bad CRC as a CRC error, and good data again after recovery', async () => {
    const device = await serve('sdm120', 1);
    slave?.setFault('bad-crc');
    await assert.rejects(mbpoll(['-a', '1', '-t', '3:float', '-B', '-r', '0', '-c', '1', device]), /CRC/i);
    slave?.setFault(null);
    const volts = await mbpoll(['-a', '1', '-t', '3:float', '-B', '-r', '0', '-c', '1', device]);
    assert.deepEqual([...volts.values()], [230.1]);
  });
});
