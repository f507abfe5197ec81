import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { comparatorLevelsFor, pins, testGpioConfig } from '../../hal/gpio/support/config.js';
import { FakeSysfs } from '../../hal/gpio/support/fake-sysfs.js';
import { requireTool } from '../../support/tools.js';
import { collect, requireNamespace, spawnInNamespace } from './namespace.js';
import { TestNotifySocket } from './notify-socket.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const cli = join(repoRoot, 'src', 'cli.ts');

/** Polls `predicate` every 20 ms; rejects after `timeoutMs` with `detail()` (a wait for a process, not an assertion on time). */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 20_000, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Reads and writes the fake GPIO value files from outside the namespace. */
export function gpioFiles(sysfs: FakeSysfs): { value: (n: number) => string; set: (n: number, v: 0 | 1) => void } {
  const file = (n: number): string => join(sysfs.root, 'class/gpio', `gpio${n}`, 'value');
  return {
    value: (n) => readFileSync(file(n), 'utf8').trim(),
    set: (n, v) => writeFileSync(file(n), `${v}\n`),
  };
}

/** The fake tree as a kernel would show it with every configured line exported, the PWM channel too, no EV (state A). */
export function prepareBoard(sysfs: FakeSysfs): void {
  for (const n of Object.values(pins)) sysfs.exportGpio(n);
  sysfs.exportPwmChannel();
  const { set } = gpioFiles(sysfs);
  for (const [name, level] of Object.entries(comparatorLevelsFor('A'))) set(pins[name as keyof typeof pins], level);
  set(pins.negativeLevel, 1);
  set(pins.emergencyStop, 1); // normally closed loop intact
}

/** What each test of a daemon end-to-end suite gets afresh: a folder, a prepared fake /sys, a notify socket. */
export interface DaemonSuite {
  readonly dir: string;
  readonly sysfs: FakeSysfs;
  readonly socket: TestNotifySocket;
  /** Every process a test starts; killed after it. */
  readonly children: ChildProcess[];
}

/**
 * Registers the hooks of a daemon end-to-end suite (call inside `describe`): the skip rule for the namespace (and
 * socat, where the daemon's meter needs it), and a fresh folder, fake tree and notify socket per test, all removed after.
 */
export function daemonSuite(prefix: string, needs: { readonly socat: boolean }): DaemonSuite {
  const children: ChildProcess[] = [];
  let current: { dir: string; sysfs: FakeSysfs; socket: TestNotifySocket } | null = null;
  const now = (): { dir: string; sysfs: FakeSysfs; socket: TestNotifySocket } => {
    if (current === null) throw new Error('daemonSuite: used outside a test');
    return current;
  };
  before(function () {
    if (needs.socat) requireTool(this, 'socat');
    requireNamespace(this);
  });
  beforeEach(() => {
    const sysfs = new FakeSysfs();
    prepareBoard(sysfs);
    current = { dir: mkdtempSync(join(tmpdir(), `evse-${prefix}-`)), sysfs, socket: new TestNotifySocket() };
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (alive(c)) c.kill('SIGKILL');
    if (current === null) return;
    current.socket.close();
    current.sysfs.remove();
    rmSync(current.dir, { recursive: true, force: true });
    current = null;
  });
  return {
    get dir() {
      return now().dir;
    },
    get sysfs() {
      return now().sysfs;
    },
    get socket() {
      return now().socket;
    },
    children,
  };
}

export interface RunningDaemon {
  readonly daemon: ChildProcess;
  readonly configPath: string;
  /** Everything the daemon printed (stdout: one JSON line per log event) and what systemd was told. */
  readonly logs: () => string;
  readonly stdout: () => string;
  readonly exited: Promise<number | null>;
  /** Rewrites the config file the daemon was started with (what an operator edits before `systemctl reload`). */
  writeConfig(extra: Record<string, unknown>): void;
}

/**
 * The whole daemon as systemd runs it: `evse run` on real onoff (fake /sys/class in a private mount namespace), the
 * meter answered by `evse meter-sim` over a socat pty pair, NOTIFY_SOCKET and WATCHDOG_USEC set. `children` collects
 * every process started, for the caller's afterEach to kill. Needs socat and a mount namespace (the caller checks).
 */
export async function startDaemon(opts: {
  dir: string;
  sysfs: FakeSysfs;
  socket: TestNotifySocket;
  children: ChildProcess[];
  config?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}): Promise<RunningDaemon> {
  const { dir, sysfs, socket, children } = opts;
  const meterPty = join(dir, 'meter');
  const stationPty = join(dir, 'station');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${meterPty}`, `pty,raw,echo=0,link=${stationPty}`], { stdio: 'ignore' });
  children.push(socat);
  await waitFor('socat ptys', () => existsSync(meterPty) && existsSync(stationPty));
  children.push(spawn(process.execPath, ['--import', 'tsx', cli, 'meter-sim', '--port', meterPty], { cwd: repoRoot, stdio: 'ignore' }));

  const configPath = join(dir, 'config.json');
  const writeConfig = (extra: Record<string, unknown>): void =>
    writeFileSync(
      configPath,
      JSON.stringify({ gpio: testGpioConfig('/sys'), meter: { driver: 'modbus', port: stationPty, model: 'sdm630' }, ...extra }),
    );
  writeConfig(opts.config ?? {});
  const daemon = spawnInNamespace(join(sysfs.root, 'class'), cli, ['run', '--config', configPath, '--state-dir', join(dir, 'state')], {
    NOTIFY_SOCKET: socket.path,
    WATCHDOG_USEC: '1000000',
    EVSE_LOG_LEVEL: 'info',
    ...opts.env,
  });
  children.push(daemon);
  const io = collect(daemon);
  const { value } = gpioFiles(sysfs);
  const logs = (): string =>
    `duty ${sysfs.pwm('duty_cycle')} relay ${value(pins.relay)}\nstdout:\n${io.stdout()}\nstderr:\n${io.stderr()}\nnotify: ${JSON.stringify(socket.messages)}`;
  return { daemon, configPath, logs, stdout: io.stdout, exited: io.exited, writeConfig };
}

/** The daemon's JSON log lines with this `msg`. */
export function logLines(stdout: string, msg: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry['msg'] === msg) out.push(entry);
    } catch {
      // a partial line still being written
    }
  }
  return out;
}

/** True while the child has neither exited nor been killed. */
export function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
