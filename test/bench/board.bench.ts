/**
 * `npm run bench -- board`: the real GPIO drivers and control core (a child process in a private mount namespace, as
 * root) on the virtual board (simulator/board, run here in the parent as the kernel and the circuit), the meter read
 * by the real Modbus driver over a pseudo-terminal pair. Measures, while charging:
 * - pilot edge (the EV opens S2: C → B, written to the comparator file by the board) → relay value file inactive;
 * - SIGKILL of the station → relay value file inactive: an exported line keeps its value when its process dies, so a
 *   supervisor shell (as systemd's ExecStopPost) runs the fail-safe script generated from the config.
 * Both ends are seen by the board's loop, which polls every 1 ms: each figure includes up to 1 ms of that polling, and
 * the drivers' 5 ms input sampling, which is the design's. Environment: EVSE_BENCH_BOARD_TRANSITIONS (default 200),
 * EVSE_BENCH_BOARD_KILLS (default 10; each restarts the station), EVSE_BENCH_BOARD_CLIENTS (status page clients polling
 * back to back during the transitions, default 20; 0 for none).
 * Targets (DESIGN.md, invariant 1): open at p99 ≤ 10 ms under load, IEC 61851-1's 100 ms for every transition (the
 * max); a SIGKILLed station's relay inactive within 100 ms, every time; no fault raised during the run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listGpioChips } from '../../hal/gpio/chip-resolver.js';
import { failSafeScript } from '../../src/daemon/fail-safe-script.js';
import { boardNamespaceArgv, namespaceUnavailable, startBoardSerialMeter, VirtualBoard } from '../../simulator/board/index.js';
import { testGpioConfig } from '../hal/gpio/support/config.js';
import { pollStatusPage } from './status-page-clients.js';
import { openPtyPair, type PtyPair } from '../../simulator/modbus/pty-pair.js';
import { hasTool } from '../support/tools.js';
import type { Bench, Figure } from './figures.js';
import { percentile } from './stats.js';

const fixture = fileURLToPath(new URL('./fixtures/board-station.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

const run: Bench = async ({ quick }) => {
  const why = namespaceUnavailable();
  if (why !== null) {
    process.stderr.write(`board: not measured: ${why}\n`);
    return [];
  }
  const transitions = Number(process.env['EVSE_BENCH_BOARD_TRANSITIONS'] ?? (quick ? 30 : 200));
  const killRuns = Number(process.env['EVSE_BENCH_BOARD_KILLS'] ?? (quick ? 2 : 10));
  const clients = Number(process.env['EVSE_BENCH_BOARD_CLIENTS'] ?? 20);
  const root = mkdtempSync(join(tmpdir(), 'evse-board-bench-'));
  mkdirSync(join(root, 'class', 'gpio'), { recursive: true });
  mkdirSync(join(root, 'class', 'pwm'), { recursive: true });
  // A short closing interval so the run is not mostly waiting; the board's relay keeps its real timing.
  const gpio = testGpioConfig('/sys', {
    contactor: { relay: { chip: 'gpiochip0', line: 17, activeLow: true }, aux: { chip: 'gpiochip0', line: 27 }, minCloseIntervalMs: 100 },
  });
  const board = VirtualBoard.create({ gpio, options: { root } });
  board.start();
  let pair: PtyPair | null = null;
  const children: ChildProcess[] = [];
  try {
    if (!hasTool('socat')) throw new Error("needs 'socat' for the meter's pty pair (apt-get install -y socat)");
    pair = await openPtyPair();
    const [slavePath, masterPath] = [pair.a, pair.b];
    const served = await startBoardSerialMeter(board, { port: slavePath, model: 'sdm630' });
    // The supervisor, as systemd: runs the station, and once it has died, the fail-safe script the daemon would write.
    const script = join(root, 'fail-safe.sh');
    writeFileSync(script, failSafeScript(gpio, listGpioChips(root), 'npm run bench -- board'), { mode: 0o755 });
    const argv = boardNamespaceArgv(join(root, 'class'), [
      'sh',
      '-c',
      '"$0" --import tsx "$1" "$2" "$3"; exec /bin/sh "$4"',
      process.execPath,
      fixture,
      JSON.stringify(gpio),
      masterPath,
      script,
    ]);
    /** One station under its supervisor shell, up and charging the board's EV. */
    const startStation = async (): Promise<{ out: () => string; pid: number; pageUrl: string; exited: Promise<void> }> => {
      const station = spawn(argv[0]!, argv.slice(1), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(station);
      let out = '';
      let err = '';
      station.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      station.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<void>((resolve) => station.once('exit', () => resolve()));
      await until('the station', () => /ready \d+/.test(out) || station.exitCode !== null, 30_000);
      const ready = /ready (\d+) (\S+)/.exec(out);
      const pid = Number(ready?.[1]);
      if (!Number.isInteger(pid)) throw new Error(`station did not start: ${err}`);
      await until('charging', () => board.contactsClosed(), 20_000);
      return { out: () => out, pid, pageUrl: ready?.[2] ?? '', exited };
    };

    let openedAt: number | null = null;
    board.onCoilChange(({ active, atMs }) => {
      if (!active && openedAt === null) openedAt = atMs;
    });
    /** Runs `cause` at `at` and resolves with the time until the relay value file reads inactive. */
    const timeToOpen = async (cause: () => void, what: string): Promise<number> => {
      openedAt = null;
      const at = performance.now();
      cause();
      await until(what, () => openedAt !== null, 3000);
      return (openedAt ?? NaN) - at;
    };

    board.ev.plug();
    const first = await startStation();
    const latencies: number[] = [];
    const load = clients > 0 ? pollStatusPage(`${first.pageUrl}api/status`, clients) : null;
    const started = performance.now();
    for (let i = 0; i < transitions; i++) {
      latencies.push(await timeToOpen(() => board.ev.setS2(false), 'relay inactive after C→B'));
      await sleep(20);
      board.ev.setS2(true);
      await until('charging again', () => board.contactsClosed(), 5000);
    }
    const seconds = (performance.now() - started) / 1000;
    const answers = (await load?.stop()) ?? 0;
    const sorted = [...latencies].sort((a, b) => a - b);
    const out = first.out();

    // Hard death while charging: SIGKILL; the exported relay line keeps its value until the supervisor's script runs.
    const kills: number[] = [];
    let station = first;
    for (let k = 0; k < killRuns; k++) {
      if (k > 0) station = await startStation();
      const victim = station;
      kills.push(await timeToOpen(() => process.kill(victim.pid, 'SIGKILL'), 'relay inactive after SIGKILL'));
      await victim.exited;
    }
    const killSorted = [...kills].sort((a, b) => a - b);
    const faults = out.split('\n').filter((l) => l.startsWith('fault ')).map((l) => l.slice(6));
    process.stderr.write(
      `board: real GPIO drivers + control core on the virtual board, meter over Modbus RTU (pty), ${sorted.length} C→B transitions in ${seconds.toFixed(1)} s, ` +
        `status page ${answers} answers to ${clients} clients (${(answers / seconds).toFixed(0)}/s); faults: ${faults.length === 0 ? 'none' : faults.join(', ')}\n`,
    );
    const under = `${sorted.length} C→B while charging, ${clients} status-page clients polling (${(answers / seconds).toFixed(0)} answers/s); includes ≤ 1 ms board polling and the drivers' 5 ms sampling`;
    const killed = `${killSorted.length} SIGKILLs while charging; a supervisor shell runs the generated fail-safe script, as ExecStopPost`;
    const figures: Figure[] = [
      { bench: 'board', name: 'C→B → relay inactive p50', value: percentile(sorted, 50), unit: 'ms', note: under },
      { bench: 'board', name: 'C→B → relay inactive p99', value: percentile(sorted, 99), unit: 'ms', target: { kind: 'max', value: 10 }, note: under },
      { bench: 'board', name: 'C→B → relay inactive max', value: sorted[sorted.length - 1] ?? NaN, unit: 'ms', target: { kind: 'max', value: 100 }, note: under },
      { bench: 'board', name: 'SIGKILL → relay inactive p50', value: percentile(killSorted, 50), unit: 'ms', note: killed },
      { bench: 'board', name: 'SIGKILL → relay inactive max', value: killSorted[killSorted.length - 1] ?? NaN, unit: 'ms', target: { kind: 'max', value: 100 }, note: killed },
      { bench: 'board', name: 'faults raised during the run', value: faults.length, unit: 'faults', target: { kind: 'max', value: 0 }, note: faults.join(', ') || 'none' },
    ];
    await served.close();
    return figures;
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await pair?.close();
    board.remove();
    rmSync(root, { recursive: true, force: true });
  }
};

export default run;
