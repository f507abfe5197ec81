import assert from 'node:assert/strict';
import { MeterReadError, type MeterSample } from '../../../hal/meter.js';
import { ModbusBus } from '../../../hal/modbus/bus.js';
import { modbusMeterConfigSchema } from '../../../hal/modbus/config.js';
import { interFrameGapMs, ModbusMeter } from '../../../hal/modbus/driver.js';
import { builtInMaps } from '../../../hal/modbus/maps/index.js';
import { openSerialLink } from '../../../hal/modbus/serial-link.js';
import { multidrop } from '../../../simulator/modbus/multidrop.js';
import { openPtyPair, type PtyPair } from '../../../simulator/modbus/pty-pair.js';
import { ModbusRtuSlave } from '../../../simulator/modbus/rtu-slave.js';
import { requireTool } from '../../support/tools.js';

const phase = (currentA: number, powerW: number) => ({ voltageV: 230, currentA, powerW });
/** The EV meter: 16 A on three phases. */
const evSample: MeterSample = { phases: [phase(16, 3680), phase(16, 3680), phase(16, 3680)], totalPowerW: 11_040, importWh: 1000, frequencyHz: 50, readAtMs: 0 };
/** The mains meter at the grid connection, exporting on L1 (PV): negative power there. */
const mainsSample: MeterSample = { phases: [phase(8, -1840), phase(20, 4600), phase(17, 3910)], totalPowerW: 6670, importWh: 5_000_000, frequencyHz: 50, readAtMs: 0 };

const config = (unitId: number) =>
  modbusMeterConfigSchema.parse({ driver: 'modbus', port: '(shared bus)', model: 'sdm630', unitId, baudRate: 38_400, timeoutMs: 200, retries: 0 });

/** Reads `meter` in a loop for `ms`, as eagerly as the bus lets it; counts reads and failures by kind. */
async function pollFor(meter: ModbusMeter, ms: number): Promise<{ reads: number; failures: Record<string, number>; last: MeterSample | null }> {
  const end = performance.now() + ms;
  const failures: Record<string, number> = {};
  let reads = 0;
  let last: MeterSample | null = null;
  while (performance.now() < end) {
    try {
      last = await meter.read();
      reads++;
    } catch (err) {
      if (!(err instanceof MeterReadError)) throw err;
      failures[err.kind] = (failures[err.kind] ?? 0) + 1;
    }
  }
  return { reads, failures, last };
}

describe('hal/modbus: two meters on one RS-485 line (real pty pair, socat)', function () {
  this.timeout(30_000);
  let pty: PtyPair | undefined;
  let slaves: ModbusRtuSlave[] = [];
  let meters: ModbusMeter[] = [];

  beforeEach(async function () {
    requireTool(this, 'socat');
    pty = await openPtyPair();
    // The devices' side of the line: both meters hear every byte, each answers its own unit id after 15 ms.
    const line = await openSerialLink({ path: pty.a, baudRate: 38_400, parity: 'none', stopBits: 1 });
    const [evLink, mainsLink] = multidrop(line, 2);
    if (evLink === undefined || mainsLink === undefined) throw new Error('multidrop gave no links');
    slaves = [
      new ModbusRtuSlave(evLink, { map: builtInMaps.sdm630, unitId: 1, source: () => evSample, answerDelayMs: 15 }),
      new ModbusRtuSlave(mainsLink, { map: builtInMaps.sdm630, unitId: 2, source: () => mainsSample, answerDelayMs: 15 }),
    ];
    // The station's side: one port, one bus, two drivers.
    const bus = await ModbusBus.open(await openSerialLink({ path: pty.b, baudRate: 38_400, parity: 'none', stopBits: 1 }), interFrameGapMs(38_400));
    meters = [await ModbusMeter.open(config(1), { bus }), await ModbusMeter.open(config(2), { bus })];
  });

  afterEach(async () => {
    for (const m of meters) await m.close();
    for (const s of slaves) await s.close();
    await pty?.close();
    meters = [];
    slaves = [];
    pty = undefined;
  });

  it('polled as fast as they go, the two take turns: equal reads, no collision, each its own values (export signed)', async () => {
    const [ev, mains] = meters;
    if (ev === undefined || mains === undefined) return;
    const [a, b] = await Promise.all([pollFor(ev, 2000), pollFor(mains, 2000)]);
    assert.deepEqual(a.failures, {}, 'EV meter failures: a collision or a lost frame');
    assert.deepEqual(b.failures, {}, 'mains meter failures');
    assert.ok(a.reads >= 5 && b.reads >= 5, `too few reads: ${a.reads}, ${b.reads}`);
    assert.ok(Math.abs(a.reads - b.reads) <= 1, `unfair: EV ${a.reads} reads, mains ${b.reads}`);
    assert.equal(a.last?.totalPowerW, 11_040);
    assert.equal(b.last?.phases[0]?.powerW, -1840, 'the export on L1 keeps its sign');
    assert.equal(b.last?.importWh, 5_000_000);
  });

  it('the mains meter lost, then back: the EV meter keeps its turns meanwhile, the mains meter reads again after', async () => {
    const [ev, mains] = meters;
    const mainsSlave = slaves[1];
    if (ev === undefined || mains === undefined || mainsSlave === undefined) return;
    mainsSlave.setFault('no-answer');
    const [a, b] = await Promise.all([pollFor(ev, 1500), pollFor(mains, 1500)]);
    assert.deepEqual(a.failures, {});
    // Each mains timeout holds the line 200 ms: the EV meter still reads between them.
    assert.ok(a.reads >= 3, `EV meter starved while the mains meter timed out: ${a.reads} reads`);
    assert.equal(b.reads, 0);
    assert.ok((b.failures['timeout'] ?? 0) >= 3, JSON.stringify(b.failures));
    mainsSlave.setFault(null);
    const back = await pollFor(mains, 300);
    assert.ok(back.reads >= 1 && Object.keys(back.failures).length === 0, JSON.stringify(back));
  });
});
