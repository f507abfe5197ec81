/**
 * `npm run bench -- daemon`: what the station costs its host. The real `evse run` (the built `dist/src/cli.js`, as the
 * systemd unit starts it: GPIO drivers, Modbus meter, SQLite journal in its worker, OCPP uplink, status page in its
 * worker) runs as a child process on simulator hardware: the virtual board (simulator/board, run here in the parent
 * as the kernel and the circuit) under /sys/class in a private mount namespace, the meter served by the board over a
 * socat pty pair, a bench CSMS on loopback. Measures:
 * - time from spawning the process to its BootNotification arriving at the CSMS (includes `unshare` and the mount,
 *   a few ms; the first boot creates the journal, later ones reopen it, as a restart by systemd does);
 * - resident memory (VmRSS, sampled every second, and the peak VmHWM) and CPU share (utime + stime of all its threads
 *   from /proc/PID/stat, over wall time, in % of one core) while idle (no EV) and while charging with the meter
 *   read every 1 s (free vend).
 * The project states no target for these: they are reported. Needs root (mount namespace) and socat; without them it
 * says why and reports nothing. Builds `dist/` (`npm run build`) first when it is missing or older than the sources.
 * Environment: EVSE_BENCH_DAEMON_BOOTS (default 3), EVSE_BENCH_DAEMON_WINDOW_S (seconds per window, default 20).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boardNamespaceArgv, namespaceUnavailable, startBoardSerialMeter, VirtualBoard } from '../../simulator/board/index.js';
import { createBenchCsms } from '../../simulator/csms/bench-csms.js';
import { openPtyPair, type PtyPair } from '../../simulator/modbus/pty-pair.js';
import { testGpioConfig } from '../hal/gpio/support/config.js';
import { hasTool } from '../support/tools.js';
import type { Bench, Figure } from './figures.js';
import { percentile, sleep } from './stats.js';

const BENCH = 'daemon';
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** Newest modification time of the TypeScript sources the build compiles. */
function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** `dist/src/cli.js`, built by `npm run build`'s compiler when missing or older than the sources. */
function builtCli(): string {
  const cli = join(repoRoot, 'dist', 'src', 'cli.js');
  const sources = Math.max(...['src', 'hal', 'simulator'].map((d) => newestSourceMs(join(repoRoot, d))));
  if (existsSync(cli) && statSync(cli).mtimeMs >= sources) return cli;
  log('daemon: building dist/ (tsc -p tsconfig.build.json, as npm run build)…');
  const started = performance.now();
  const r = spawnSync(join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed: ${r.stdout}${r.stderr}`);
  log(`daemon: built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return cli;
}

/** Clock ticks per second of /proc/PID/stat's times. */
function clockTicks(): number {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout.trim());
  return Number.isInteger(n) && n > 0 ? n : 100;
}

/** utime + stime of the whole process (every thread), in ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) in parentheses: state is the 3rd field, utime the 14th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** A `kB` line of /proc/PID/status, in MiB. */
function statusMiB(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${key} for pid ${pid}`);
  return Number(m[1]) / 1024;
}

interface Window {
  readonly cpuPercent: number;
  readonly rssMaxMiB: number;
  readonly rssMeanMiB: number;
}

/** CPU share and resident memory of `pid` over `seconds`, RSS sampled every second. */
async function observe(pid: number, seconds: number, ticksPerS: number): Promise<Window> {
  const rss: number[] = [statusMiB(pid, 'VmRSS')];
  const t0 = performance.now();
  const c0 = cpuTicks(pid);
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    rss.push(statusMiB(pid, 'VmRSS'));
  }
  const c1 = cpuTicks(pid);
  const wallS = (performance.now() - t0) / 1000;
  return {
    cpuPercent: (100 * (c1 - c0)) / ticksPerS / wallS,
    rssMaxMiB: Math.max(...rss),
    rssMeanMiB: rss.reduce((a, b) => a + b, 0) / rss.length,
  };
}

async function until(what: string, predicate: () => boolean, timeoutMs: number, alive: () => string | null): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!predicate()) {
    const dead = alive();
    if (dead !== null) throw new Error(`the daemon died while waiting for ${what}: ${dead}`);
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const run: Bench = async ({ quick }) => {
  const why = namespaceUnavailable() ?? (hasTool('socat') ? null : "needs 'socat' for the meter's pty pair (apt-get install -y socat)");
  if (why !== null) {
    log(`daemon: not measured: ${why}`);
    return [];
  }
  const boots = Math.max(1, Number(process.env['EVSE_BENCH_DAEMON_BOOTS'] ?? (quick ? 2 : 3)));
  const windowS = Math.max(2, Number(process.env['EVSE_BENCH_DAEMON_WINDOW_S'] ?? (quick ? 5 : 20)));
  const cli = builtCli();
  const ticksPerS = clockTicks();
  const work = mkdtempSync(join(tmpdir(), 'evse-daemon-bench-'));
  const gpio = testGpioConfig('/sys');
  const board = VirtualBoard.create({ gpio, options: { root: join(work, 'board') } });
  let pair: PtyPair | null = null;
  const children: ChildProcess[] = [];
  const csms = await createBenchCsms({ port: 0 });
  const identity = 'BENCH-DAEMON';
  try {
    board.start();
    pair = await openPtyPair();
    const meter = await startBoardSerialMeter(board, { port: pair.a, model: 'sdm630' });
    const configPath = join(work, 'config.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        station: { id: identity },
        gpio,
        meter: { driver: 'modbus', port: pair.b, model: 'sdm630', pollIntervalMs: 1000 },
        ocpp: { url: csms.url, chargePointId: identity },
        web: { enabled: true, host: '127.0.0.1', port: 0 },
        control: { freeVend: true },
      }),
    );
    const argv = boardNamespaceArgv(board.classDir, [process.execPath, cli, 'run', '--config', configPath, '--state-dir', join(work, 'state')]);
    const env: NodeJS.ProcessEnv = { ...process.env, EVSE_LOG_LEVEL: 'info' };
    delete env['NOTIFY_SOCKET'];
    delete env['WATCHDOG_USEC'];

    /** One daemon start: resolves once its BootNotification reached the CSMS, with the time that took. */
    const launch = async (): Promise<{ child: ChildProcess; bootMs: number; dead: () => string | null; exited: Promise<number | null> }> => {
      const bootsBefore = csms.callsOf('BootNotification').length;
      const spawnedAt = Date.now();
      const child = spawn(argv[0] ?? 'unshare', argv.slice(1), { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let stderr = '';
      child.stdout?.resume(); // the service's log (what journalctl shows): read, so its pipe never blocks the daemon
      child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const dead = (): string | null => (child.exitCode !== null || child.signalCode !== null ? `exit ${child.exitCode ?? child.signalCode}: ${stderr.trim()}` : null);
      await until('BootNotification', () => csms.callsOf('BootNotification').length > bootsBefore, 60_000, dead);
      const boot = csms.messages.filter((m) => m.type === 'CALL' && m.method === 'BootNotification' && !m.outbound).at(-1);
      return { child, bootMs: (boot?.atMs ?? Number.NaN) - spawnedAt, dead, exited };
    };
    const stop = async (d: { child: ChildProcess; exited: Promise<number | null> }): Promise<number | null> => {
      d.child.kill('SIGTERM');
      const code = await d.exited;
      await csms.waitFor(() => !csms.connectedIdentities().includes(identity), 10_000, 'the old connection to close');
      return code;
    };

    const bootMs: number[] = [];
    let daemon = await launch();
    bootMs.push(daemon.bootMs);
    for (let i = 1; i < boots; i++) {
      const code = await stop(daemon);
      if (code !== 0) throw new Error(`the daemon exited ${code} on SIGTERM`);
      daemon = await launch();
      bootMs.push(daemon.bootMs);
    }
    const pid = daemon.child.pid;
    if (pid === undefined) throw new Error('no pid');
    // unshare and sh exec into node: the pid is the daemon's own.
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    if (comm !== 'node') throw new Error(`pid ${pid} is ${comm}, not the daemon`);
    log(`daemon: boot → BootNotification ${bootMs.map((b) => b.toFixed(0)).join(', ')} ms (first boot creates the journal)`);

    // Idle: registered, no EV. A few seconds first for the boot's one-off work (prune, first status notifications).
    await until('Available', () => csms.callsOf('StatusNotification').some((p) => p['status'] === 'Available'), 30_000, daemon.dead);
    await sleep(quick ? 2000 : 5000);
    const idle = await observe(pid, windowS, ticksPerS);
    log(`daemon: idle ${idle.cpuPercent.toFixed(2)} % CPU, RSS max ${idle.rssMaxMiB.toFixed(1)} MiB (mean ${idle.rssMeanMiB.toFixed(1)})`);

    // Charging: the board's EV plugs in, free vend starts the session, the meter is read every second.
    board.ev.plug();
    await until('the contactor closed', () => board.contactsClosed(), 30_000, daemon.dead);
    await sleep(quick ? 2000 : 5000);
    const charging = await observe(pid, windowS, ticksPerS);
    if (!board.contactsClosed()) throw new Error('the session stopped during the charging window');
    const peak = statusMiB(pid, 'VmHWM');
    log(`daemon: charging ${charging.cpuPercent.toFixed(2)} % CPU, RSS max ${charging.rssMaxMiB.toFixed(1)} MiB (mean ${charging.rssMeanMiB.toFixed(1)}), peak ${peak.toFixed(1)} MiB`);
    const code = await stop(daemon);
    if (code !== 0) log(`daemon: exited ${code} on SIGTERM`);
    await meter.close();

    const sorted = [...bootMs].sort((a, b) => a - b);
    const where = `evse run (dist) on the virtual board, ${windowS} s window`;
    return [
      { bench: BENCH, name: 'boot → BootNotification p50', value: percentile(sorted, 50), unit: 'ms', note: `${boots} starts: ${bootMs.map((b) => b.toFixed(0)).join(', ')} ms; the first creates the journal` },
      { bench: BENCH, name: 'boot → BootNotification max', value: sorted.at(-1) ?? Number.NaN, unit: 'ms', note: `${boots} starts` },
      { bench: BENCH, name: 'idle CPU', value: idle.cpuPercent, unit: '% of a core', note: `${where}, no EV` },
      { bench: BENCH, name: 'idle RSS', value: idle.rssMaxMiB, unit: 'MiB', note: `max of 1 s samples (mean ${idle.rssMeanMiB.toFixed(1)})` },
      { bench: BENCH, name: 'charging CPU', value: charging.cpuPercent, unit: '% of a core', note: `${where}, meter read every 1 s` },
      { bench: BENCH, name: 'charging RSS', value: charging.rssMaxMiB, unit: 'MiB', note: `max of 1 s samples (mean ${charging.rssMeanMiB.toFixed(1)})` },
      { bench: BENCH, name: 'peak RSS (VmHWM)', value: peak, unit: 'MiB', note: 'whole run, boot included' },
    ] satisfies Figure[];
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await pair?.close();
    await csms.close();
    board.remove();
    rmSync(work, { recursive: true, force: true });
  }
};

export default run;
