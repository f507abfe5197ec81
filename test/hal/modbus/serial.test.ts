import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import sinon from 'sinon';
import { MeterReadError, type MeterSample } from '../../../hal/meter.js';
import { modbusMeterConfigSchema } from '../../../hal/modbus/config.js';
import { ModbusMeter } from '../../../hal/modbus/driver.js';
import { builtInMaps } from '../../../hal/modbus/maps/index.js';
import { openSerialLink } from '../../../hal/modbus/serial-link.js';
import { ModbusRtuSlave } from '../../../simulator/modbus/rtu-slave.js';
import { requireTool } from '../../support/tools.js';
import { openPtyPair, type PtyPair } from '../../../simulator/modbus/pty-pair.js';
import { Command } from 'commander';
import { registerMeterCommands } from '../../../src/commands/meter.js';
import { EvseError, EvseErrorCode, ExitCode } from '../../../src/errors.js';
/** The `evse` command as a user runs it from a checkout. */
const evse = [process.execPath, '--import', 'tsx', 'src/cli.ts'] as const;

/**
 * Runs the meter commands in this process (a node + tsx start costs seconds on a loaded machine), capturing output.
 * It builds its own program instead of importing src/cli.ts: that module runs main() on import when argv[1] ends in
 * cli.js, which mocha's own lib/cli/cli.js does.
 */
async function evseInProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = sinon.stub(process.stdout, 'write').callsFake((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = sinon.stub(process.stderr, 'write').callsFake((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const program = new Command('evse').exitOverride();
    registerMeterCommands(program);
    await program.parseAsync(args, { from: 'user' });
    return { code: typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok, stdout, stderr };
  } catch (e) {
    if (!(e instanceof EvseError)) throw e;
    stderr += `evse: ${e.message}\n`;
    return { code: e.code === EvseErrorCode.InvalidArgument ? ExitCode.Usage : ExitCode.Failure, stdout, stderr };
  } finally {
    out.restore();
    err.restore();
    process.exitCode = undefined;
  }
}

const sample: MeterSample = {
  phases: [{ voltageV: 230.1, currentA: 7.25, powerW: 1667.5 }],
  totalPowerW: 1667.5,
  importWh: 500,
  frequencyHz: 49.95,
  readAtMs: 0,
};

describe('hal/modbus ModbusMeter over a real pseudo-terminal pair (socat)', function () {
  let pty: PtyPair | undefined;

  beforeEach(async function () {
    requireTool(this, 'socat');
    pty = await openPtyPair();
  });
  afterEach(async () => {
    await pty?.close();
    pty = undefined;
  });

  it('reads the simulator through serialport, counts a wrong unit id, and recovers', async () => {
    if (pty === undefined) return;
    const link = await openSerialLink({ path: pty.a, baudRate: 19_200, parity: 'even', stopBits: 1 });
    const slave = new ModbusRtuSlave(link, { map: builtInMaps.sdm120, unitId: 5, source: () => sample });
    const meter = await ModbusMeter.open(
      modbusMeterConfigSchema.parse({ driver: 'modbus', port: pty.b, baudRate: 19_200, parity: 'even', model: 'sdm120', unitId: 5, timeoutMs: 300 }),
    );
    try {
      const got = await meter.read();
      assert.deepEqual(got.phases, [{ voltageV: Math.fround(230.1), currentA: 7.25, powerW: 1667.5 }]);
      assert.equal(got.importWh, 500);
      slave.setFault('wrong-unit');
      await assert.rejects(meter.read(), (err: unknown) => err instanceof MeterReadError && err.kind === 'wrong-unit');
      slave.setFault(null);
      assert.equal((await meter.read()).importWh, 500);
      assert.deepEqual(
        { ok: meter.stats().ok, wrongUnit: meter.stats()['wrong-unit'], timeout: meter.stats().timeout },
        { ok: 2, wrongUnit: 2, timeout: 0 },
      );
    } finally {
      await meter.close();
      await slave.close();
    }
  });

  it('evse meter-sim (its own process) and evse meter read talk over the pair; a fault switched on stdin reaches the reader', async function () {
    this.timeout(30_000);
    if (pty === undefined) return;
    const sim = spawn(evse[0], [...evse.slice(1), 'meter-sim', '--port', pty.a, '--model', 'sdm630', '--unit', '7'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let simOut = '';
    sim.stdout.on('data', (c: Buffer) => (simOut += c.toString()));
    const waitFor = async (text: string): Promise<void> => {
      for (let i = 0; i < 400 && !simOut.includes(text); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(simOut.includes(text), `meter-sim never printed "${text}": ${simOut}`);
    };
    try {
      await waitFor('meter-sim: sdm630 unit 7');
      const read = await evseInProcess(['meter', 'read', '--port', pty.b, '--model', 'sdm630', '--unit', '7', '--json']);
      assert.equal(read.code, 0, read.stderr);
      const got = JSON.parse(read.stdout) as MeterSample;
      assert.equal(got.phases.length, 3);
      assert.ok(got.importWh >= 1_234_567 && Number.isInteger(got.importWh));
      assert.ok((got.phases[0]?.currentA ?? 0) >= 10);

      const text = await evseInProcess(['meter', 'read', '--port', pty.b, '--model', 'sdm630', '--unit', '7']);
      assert.match(text.stdout, /^Eastron SDM630, unit 7\nL1: 2\d\d\.\d V {2}1\d\.\d\d A/);
      assert.match(text.stdout, /import energy: \d+ Wh \(\d+\.\d{3} kWh\)/);

      sim.stdin.write('fault exception\n');
      await waitFor('fault exception');
      const failed = await evseInProcess(['meter', 'read', '--port', pty.b, '--model', 'sdm630', '--unit', '7']);
      assert.equal(failed.code, 69);
      assert.match(failed.stderr, /meter read failed \(exception\)/);
    } finally {
      sim.kill('SIGTERM');
      await once(sim, 'exit');
    }
    assert.match(simOut, /meter-sim: stopped after \d+ requests/);
  });

  it('evse meter read names a bad flag and its value (exit 64)', async () => {
    const failed = await evseInProcess(['meter', 'read', '--port', '/dev/null', '--model', 'sdm630', '--baud', '115200', '--unit', 'x']);
    assert.equal(failed.code, 64);
    assert.match(failed.stderr, /baudRate: .*38400 \(got "115200"\)/);
    assert.match(failed.stderr, /unitId: .*\(got "x"\)/);
  });
});
