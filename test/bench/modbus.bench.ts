/**
 * Modbus RTU meter: polls per second over the emulated line against the wire-time limit of REFERENCE.md, and the
 * driver's CPU time per poll. The simulator emulates line timing (character times, t3.5 gaps) and answers at once.
 * Target (issue 3): at least 0.85 of the wire-time limit, so the poll rate's target is 0.85 × the limit. The CPU time
 * per poll has none.
 */
import type { MeterSample } from '../../hal/meter.js';
import { customMapSchema, modbusMeterConfigSchema } from '../../hal/modbus/config.js';
import { ModbusMeter } from '../../hal/modbus/driver.js';
import type { ByteLink } from '../../hal/modbus/link.js';
import { registerMapFor } from '../../hal/modbus/maps/index.js';
import { ModbusRtuSlave } from '../../simulator/modbus/rtu-slave.js';
import { characterTimeMs, createVirtualLinkPair, t35Ms } from '../../simulator/modbus/virtual-link.js';
import { createVirtualModbusMeter } from '../../simulator/modbus/virtual-meter.js';
import type { Bench, Figure } from './figures.js';

const sample: MeterSample = {
  phases: [{ voltageV: 230, currentA: 16, powerW: 3680 }],
  totalPowerW: 3680,
  importWh: 1000,
  frequencyHz: 50,
  readAtMs: 0,
};

/** A one-phase custom map whose poll plan is exactly one read of `registers` registers from address 0. */
function mapOf(registers: number) {
  const u16 = (address: number) => ({ address, type: 'uint16' });
  const fields =
    registers === 2
      ? { voltageL1: u16(0), currentL1: u16(0), totalPower: u16(1), importEnergy: u16(1) }
      : { voltageL1: u16(0), currentL1: u16(1), totalPower: u16(2), importEnergy: u16(registers - 1) };
  return customMapSchema.parse({ phases: 1, maxRegistersPerRequest: 80, maxGapRegisters: registers, fields });
}

/** Wire-time limit of one poll: (13 + 2N) character times + 2 × t3.5 (REFERENCE.md, "Modbus RTU"). */
function limitPollsPerS(baud: number, registers: number): number {
  return 1000 / ((13 + 2 * registers) * characterTimeMs(baud) + 2 * t35Ms(baud));
}

async function pollsPerSecond(baud: number, registers: number, durationMs: number): Promise<number> {
  const v = await createVirtualModbusMeter(() => sample, {
    model: 'custom',
    customMap: mapOf(registers),
    baudRate: baud,
    emulateLineTiming: true,
    answerDelayMs: 0,
  });
  try {
    if (v.meter.plan.length !== 1 || v.meter.plan[0]?.count !== registers) throw new Error('bench map is not one block');
    for (let i = 0; i < 3; i++) await v.meter.read();
    let polls = 0;
    const start = performance.now();
    while (performance.now() - start < durationMs) {
      await v.meter.read();
      polls += 1;
    }
    return (polls * 1000) / (performance.now() - start);
  } finally {
    await v.close();
  }
}

/**
 * CPU time of the driver per poll: the driver reads over a link whose far end replays a canned answer (made once by
 * the real slave), so the simulator's own work is not counted.
 */
async function driverCpuPerPollUs(registers: number, polls: number): Promise<number> {
  const map = mapOf(registers);
  const line = createVirtualLinkPair({ baudRate: 38_400, emulateLineTiming: false });
  const slave = new ModbusRtuSlave(line.slave, { map: registerMapFor('custom', map), unitId: 1, source: () => sample });
  let canned: Uint8Array | undefined;
  const probe = await ModbusMeter.open(modbusMeterConfigSchema.parse({ driver: 'modbus', port: 'x', model: 'custom', customMap: map }), {
    link: { ...line.master, onData: (l) => line.master.onData((c) => ((canned ??= c), l(c))) },
    interFrameGapMs: 0,
  });
  await probe.read();
  await slave.close();
  await line.close();
  if (canned === undefined) throw new Error('no answer to replay');
  const answer = canned;
  let receiver: (chunk: Uint8Array) => void = () => undefined;
  const replay: ByteLink = {
    write: () => setImmediate(() => receiver(answer)),
    onData: (l) => (receiver = l),
    close: () => Promise.resolve(),
  };
  const meter = await ModbusMeter.open(modbusMeterConfigSchema.parse({ driver: 'modbus', port: 'x', model: 'custom', customMap: map }), {
    link: replay,
    interFrameGapMs: 0,
  });
  for (let i = 0; i < 200; i++) await meter.read();
  const before = process.cpuUsage();
  for (let i = 0; i < polls; i++) await meter.read();
  const used = process.cpuUsage(before);
  await meter.close();
  return (used.user + used.system) / polls;
}

const run: Bench = async ({ quick }) => {
  const bauds = [9600, 19_200, 38_400];
  const sizes = [2, 10, 76];
  const figures: Figure[] = [];
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  log('modbus: polls/s over the emulated line (simulator answers at once) vs the wire-time limit');
  for (const baud of bauds) {
    for (const n of sizes) {
      const measured = await pollsPerSecond(baud, n, quick ? 400 : 1500);
      const limit = limitPollsPerS(baud, n);
      log(`  ${baud} baud, ${n} registers: ${measured.toFixed(1)}/s, limit ${limit.toFixed(1)}/s, ratio ${(measured / limit).toFixed(3)}`);
      figures.push({
        bench: 'modbus',
        name: `polls/s at ${baud} baud, ${n} registers`,
        value: measured,
        unit: 'polls/s',
        target: { kind: 'min', value: 0.85 * limit },
        note: `wire-time limit ${limit.toFixed(1)}/s; measured/limit ${(measured / limit).toFixed(3)}`,
      });
    }
  }
  // A first pass warms the JIT so the first row is not charged for compiling the driver.
  const polls = quick ? 300 : 2000;
  await driverCpuPerPollUs(10, polls);
  for (const n of sizes) {
    const us = await driverCpuPerPollUs(n, polls);
    figures.push({ bench: 'modbus', name: `driver CPU per poll, ${n} registers`, value: us, unit: 'µs', note: 'user + system, canned answers, no line timing' });
  }
  return figures;
};

export default run;
