/**
 * `npm run bench -- board`: the real GPIO drivers and control core (a child process in a private mount namespace, as
 * root) on the virtual board (simulator/board, run here in the parent as the kernel and the circuit), the meter read
 * by the real Modbus driver over a pseudo-terminal pair. Measures, while charging:
 * - pilot edge (the EV opens S2: C → B, written to the comparator file by the board) → relay value file inactive;
 * - SIGKILL of the station → relay value file inactive, with nothing but the kernel behind it (an exported line keeps
 *   its value when its process dies).
 * Both ends are seen by the board's loop, which polls every 1 ms: each figure includes up to 1 ms of that polling, and
 * the drivers' 5 ms input sampling, which is the design's. Environment: EVSE_BENCH_BOARD_TRANSITIONS (default 200).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boardNamespaceArgv, namespaceUnavailable, startBoardSerialMeter, VirtualBoard } from '../../simulator/board/index.js';
import { testGpioConfig } from '../hal/gpio/support/config.js';
import { openPtyPair, type PtyPair } from '../simulator/modbus/pty-pair.js';
import { hasTool } from '../support/tools.js';

const fixture = fileURLToPath(new URL('./fixtures/board-station.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function until(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

export default async function run(): Promise<void> {
  const why = namespaceUnavailable();
  if (why !== null) {
    process.stdout.write(`skipped: ${why}\n`);
    return;
  }
  const transitions = Number(process.env['EVSE_BENCH_BOARD_TRANSITIONS'] ?? 200);
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
  let child: ChildProcess | null = null;
  try {
    if (!hasTool('socat')) throw new Error("needs 'socat' for the meter's pty pair (apt-get install -y socat)");
    pair = await openPtyPair();
    const [slavePath, masterPath] = [pair.a, pair.b];
    const served = await startBoardSerialMeter(board, { port: slavePath, model: 'sdm630' });
    const argv = boardNamespaceArgv(join(root, 'class'), [process.execPath, '--import', 'tsx', fixture, JSON.stringify(gpio), masterPath]);
    const station = spawn(argv[0]!, argv.slice(1), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    child = station;
    let out = '';
    let err = '';
    station.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    station.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<void>((resolve) => station.once('exit', () => resolve()));
    await until('the station', () => out.includes('ready') || station.exitCode !== null, 30_000);
    if (!out.includes('ready')) throw new Error(`station did not start: ${err}`);

    const latencies: number[] = [];
    let edgeAt = 0;
    let waiting = false;
    board.onCoilChange(({ active, atMs }) => {
      if (!active && waiting) {
        latencies.push(atMs - edgeAt);
        waiting = false;
      }
    });
    board.ev.plug();
    await until('charging', () => board.contactsClosed(), 20_000);
    const started = performance.now();
    for (let i = 0; i < transitions; i++) {
      waiting = true;
      edgeAt = performance.now();
      board.ev.setS2(false);
      await until('relay inactive after C→B', () => !waiting, 2000);
      await sleep(20);
      board.ev.setS2(true);
      await until('charging again', () => board.contactsClosed(), 5000);
    }
    const seconds = (performance.now() - started) / 1000;
    const sorted = [...latencies].sort((a, b) => a - b);

    // Hard death while charging: SIGKILL, then what the relay line does with nobody left to write it.
    waiting = true;
    edgeAt = performance.now();
    station.kill('SIGKILL');
    await exited;
    await sleep(1000);
    const killLine = waiting
      ? 'relay still active 1 s after SIGKILL with no supervisor (the kernel keeps an exported line; ExecStopPost must act)'
      : `relay inactive ${latencies[latencies.length - 1]?.toFixed(2)} ms after SIGKILL`;
    const faults = out.split('\n').filter((l) => l.startsWith('fault ')).map((l) => l.slice(6));
    process.stdout.write(
      `real GPIO drivers + control core on the virtual board, meter over Modbus RTU (pty), ${sorted.length} C→B transitions in ${seconds.toFixed(1)} s\n` +
        `  comparator file written → relay value file inactive: p50 ${percentile(sorted, 50).toFixed(2)} ms, ` +
        `p99 ${percentile(sorted, 99).toFixed(2)} ms, max ${(sorted[sorted.length - 1] ?? NaN).toFixed(2)} ms\n` +
        `  SIGKILL while charging: ${killLine}\n` +
        `  faults raised during the run: ${faults.length === 0 ? 'none' : faults.join(', ')}\n`,
    );
    await served.close();
  } finally {
    child?.kill('SIGKILL');
    await pair?.close();
    board.remove();
    rmSync(root, { recursive: true, force: true });
  }
}
