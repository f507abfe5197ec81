import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireTool } from '../support/tools.js';
import { FakeSysfs } from '../hal/gpio/support/fake-sysfs.js';
import { comparatorLevelsFor, pins, testGpioConfig } from '../hal/gpio/support/config.js';
import { collect, namespaceUnavailable, spawnInNamespace } from './support/namespace.js';
import { TestNotifySocket } from './support/notify-socket.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repoRoot, 'src', 'cli.ts');

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 20_000, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The whole daemon as systemd runs it: `evse run` on real onoff (fake /sys/class in a private mount namespace), the
 * meter answered by `evse meter-sim` over a socat pty pair, NOTIFY_SOCKET and WATCHDOG_USEC set. After SIGTERM the relay
 * must be at its inactive level and the pilot PWM at duty 0 and disabled. (No EV charges here: meter-sim's demo model
 * draws current whatever the contactor does, which the station rightly calls a welded contactor. The relay-closed
 * case is covered by fail-safe-child.test.ts.)
 */
describe('evse run under SIGTERM (the daemon, end to end)', function () {
  this.timeout(60_000);
  const children: ChildProcess[] = [];
  let dir: string;
  let sysfs: FakeSysfs;
  let socket: TestNotifySocket;

  before(function () {
    requireTool(this, 'socat');
    const why = namespaceUnavailable();
    if (why !== null) {
      process.stdout.write(`      skipped: ${why}\n`);
      this.skip();
    }
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'evse-daemon-'));
    sysfs = new FakeSysfs();
    for (const n of Object.values(pins)) sysfs.exportGpio(n);
    sysfs.exportPwmChannel();
    socket = new TestNotifySocket();
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    socket.close();
    sysfs.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const value = (n: number): string => readFileSync(join(sysfs.root, 'class/gpio', `gpio${n}`, 'value'), 'utf8').trim();
  const setInput = (n: number, v: 0 | 1): void => writeFileSync(join(sysfs.root, 'class/gpio', `gpio${n}`, 'value'), `${v}\n`);
  const setPilot = (state: 'A'): void => {
    for (const [name, level] of Object.entries(comparatorLevelsFor(state))) setInput(pins[name as keyof typeof pins], level);
    setInput(pins.negativeLevel, 1);
  };

  it('sends READY=1 and WATCHDOG=1; SIGTERM leaves the relay off and the pilot in F (duty 0, disabled); exit 0', async () => {
    const meterPty = join(dir, 'meter');
    const stationPty = join(dir, 'station');
    const socat = spawn('socat', [`pty,raw,echo=0,link=${meterPty}`, `pty,raw,echo=0,link=${stationPty}`], { stdio: 'ignore' });
    children.push(socat);
    await waitFor('socat ptys', () => existsSync(meterPty) && existsSync(stationPty));
    const meterSim = spawn(process.execPath, ['--import', 'tsx', cli, 'meter-sim', '--port', meterPty], {
      cwd: repoRoot,
      stdio: 'ignore',
    });
    children.push(meterSim);

    setPilot('A');
    setInput(pins.emergencyStop, 1); // normally closed loop intact
    const gpio = testGpioConfig('/sys');
    const configPath = join(dir, 'config.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        gpio,
        meter: { driver: 'modbus', port: stationPty, model: 'sdm630' },
      }),
    );
    const daemon = spawnInNamespace(join(sysfs.root, 'class'), cli, ['run', '--config', configPath, '--state-dir', join(dir, 'state')], {
      NOTIFY_SOCKET: socket.path,
      WATCHDOG_USEC: '1000000',
      EVSE_LOG_LEVEL: 'info',
    });
    children.push(daemon);
    const io = collect(daemon);
    const logs = (): string => `duty ${sysfs.pwm('duty_cycle')} relay ${value(pins.relay)}\nstdout:\n${io.stdout()}\nstderr:\n${io.stderr()}\nnotify: ${JSON.stringify(socket.messages)}`;

    await waitFor('READY=1', () => socket.with('READY=1').length === 1, 30_000, logs);
    await waitFor('WATCHDOG=1 twice', () => socket.with('WATCHDOG=1').length >= 2, 10_000, logs);
    assert.equal(value(pins.relay), '1', 'relay off (active low) without an EV');

    // The generator runs (steady +12 V: no EV) before the signal.
    assert.equal(sysfs.pwm('duty_cycle'), '1000000');
    assert.equal(sysfs.pwm('enable'), '1');

    daemon.kill('SIGTERM');
    const code = await io.exited;
    assert.equal(code, 0, logs());
    assert.equal(value(pins.relay), '1', 'relay at its inactive level after SIGTERM');
    assert.equal(sysfs.pwm('duty_cycle'), '0', 'pilot in F: duty 0');
    assert.equal(sysfs.pwm('enable'), '0', 'PWM disabled');
    assert.equal(socket.with('STOPPING=1').length, 1);
  });
});
