/**
 * Hard death: SIGKILL of the process that holds the relay energised → the relay's sysfs value file at its inactive
 * level, with a supervisor that (as systemd's ExecStopPost) runs the fallback when it sees the exit. Two fallbacks:
 *   sh    the generated script (`/bin/sh fail-safe.sh`: echo into sysfs, what the unit runs first)
 *   node  `evse safe --config …` (dist/src/cli.js when built, else `node --import tsx src/cli.ts`, which adds the
 *         TypeScript compile: say which in the report)
 * In a private mount namespace with a fake /sys/class (needs root and unshare -m). The bench process watches the value
 * file with inotify (fs.watch), so it spends no CPU while the supervisor works. Measures; never passes or fails.
 * Target (DESIGN.md, invariant 1): a dying process leaves the contactor open within 100 ms, every time: the shell
 * path's max. The Node path is a comparison (why ExecStopPost runs the script first). Standalone:
 * `npx tsx test/bench/hard-death.bench.ts [runs]`. Environment: EVSE_BENCH_HARD_DEATH_RUNS (default 20).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { listGpioChips } from '../../hal/gpio/chip-resolver.js';
import { failSafeScript } from '../../src/daemon/fail-safe-script.js';
import { FakeSysfs } from '../hal/gpio/support/fake-sysfs.js';
import { pins, testGpioConfig } from '../hal/gpio/support/config.js';
import { namespaceUnavailable } from '../daemon/support/namespace.js';
import type { Bench, Figure } from './figures.js';
import { percentile } from './stats.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The process that dies: a Node process that energised the relay (active low: 0) and keeps running. */
const holderSource = `
const fs = require('node:fs');
fs.writeFileSync('/sys/class/gpio/gpio${pins.relay}/value', '0');
process.stdout.write('holding ' + process.pid + '\\n');
setInterval(() => {}, 1000);
`;

interface Fallback {
  readonly name: string;
  /** The supervisor's command after the exit, inside the namespace. */
  readonly argv: readonly string[];
}

function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** One kill: resolves with ms from just before kill(SIGKILL) to the value file reading inactive ("1"). */
async function once(sysfs: FakeSysfs, fallback: Fallback): Promise<number> {
  const valueFile = join(sysfs.root, 'class/gpio', `gpio${pins.relay}`, 'value');
  writeFileSync(valueFile, '1\n');
  // The supervisor: starts the holder, waits for its exit as systemd does (SIGCHLD/waitpid), then runs the fallback.
  const supervisor = [
    'mount --bind "$0" /sys/class || exit 9',
    `${shQuote(process.execPath)} -e ${shQuote(holderSource)} &`,
    'wait $!',
    `${fallback.argv.map(shQuote).join(' ')} >/dev/null 2>&1`,
    'echo done',
  ].join('\n');
  // stderr ignored: sh reports the holder's death ("Killed"), which is the point of the exercise.
  const child = spawn('unshare', ['-m', 'sh', '-c', supervisor, join(sysfs.root, 'class')], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  const holderPid = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /holding (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`supervisor exited ${code} before the holder was up: ${out}`)));
  });
  if (readFileSync(valueFile, 'utf8').trim() !== '0') throw new Error('the holder did not energise the relay');
  const finished = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const inactive = new Promise<bigint>((resolve) => {
    const check = (): boolean => {
      let text: string;
      try {
        text = readFileSync(valueFile, 'utf8').trim();
      } catch {
        return false;
      }
      if (text !== '1') return false;
      const at = process.hrtime.bigint();
      watcher.close();
      clearInterval(poll);
      resolve(at);
      return true;
    };
    // inotify wakes us at the write; a 1 ms poll backs it up (fs.watch may coalesce the truncate and the write).
    const watcher = watch(valueFile, () => void check());
    const poll = setInterval(() => void check(), 1);
  });
  const t0 = process.hrtime.bigint();
  process.kill(holderPid, 'SIGKILL');
  const t1 = await inactive;
  await finished;
  return Number(t1 - t0) / 1e6;
}

function stats(samples: number[]): { p50: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? Number.NaN };
}

/** Measures `runs` kills per fallback; resolves with the figures (none, with the reason on stderr, without a namespace). */
export async function measureHardDeath(runs: number): Promise<Figure[]> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const why = namespaceUnavailable();
  if (why !== null) {
    log(`hard-death: not measured: ${why}`);
    return [];
  }
  const figures: Figure[] = [];
  const sysfs = new FakeSysfs();
  const dir = mkdtempSync(join(tmpdir(), 'evse-hard-death-'));
  try {
    for (const n of Object.values(pins)) sysfs.exportGpio(n);
    sysfs.exportGpio(pins.relay, 1, 'out');
    sysfs.exportPwmChannel();
    const gpio = testGpioConfig('/sys');
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify({ gpio }));
    const script = join(dir, 'fail-safe.sh');
    // The numbers as the daemon resolves them inside the namespace: the fake tree's chips (base 512).
    writeFileSync(script, failSafeScript(gpio, listGpioChips(sysfs.root), configPath), { mode: 0o755 });

    const dist = join(repoRoot, 'dist', 'src', 'cli.js');
    const nodeCli = existsSync(dist)
      ? { name: 'node dist/src/cli.js safe', argv: [process.execPath, dist, 'safe', '--config', configPath] }
      : { name: 'node --import tsx src/cli.ts safe', argv: [process.execPath, '--import', 'tsx', join(repoRoot, 'src', 'cli.ts'), 'safe', '--config', configPath] };
    const fallbacks: Fallback[] = [{ name: 'sh fail-safe.sh', argv: ['/bin/sh', script] }, nodeCli];

    log(`hard death: SIGKILL → relay value file inactive, ${runs} runs (Node path: at most 5), ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}`);
    const results: Array<[string, ReturnType<typeof stats>]> = [];
    for (const fallback of fallbacks) {
      await once(sysfs, fallback); // warm-up (page cache, tsx cache), not counted
      const samples: number[] = [];
      // The Node path is a comparison that takes seconds a run: a few runs show its order of magnitude.
      const count = fallback === fallbacks[0] ? runs : Math.min(runs, 5);
      for (let i = 0; i < count; i++) {
        samples.push(await once(sysfs, fallback));
        // `evse safe` unexports: put the channel back for the next run, as a daemon would have.
        if (!existsSync(sysfs.pwmChannelDir())) sysfs.exportPwmChannel();
      }
      if (process.env['HARD_DEATH_SAMPLES']) log(`  ${samples.map((x) => x.toFixed(1)).join(' ')}`);
      const s = stats(samples);
      results.push([fallback.name, s]);
      log(`  ${fallback.name.padEnd(36)} p50 ${s.p50.toFixed(1).padStart(7)} ms   p99 ${s.p99.toFixed(1).padStart(7)} ms   max ${s.max.toFixed(1).padStart(7)} ms`);
      const isShell = fallback === fallbacks[0];
      const note = `${samples.length} SIGKILLs, supervisor runs ${fallback.name} after the exit${isShell ? '' : '; comparison: the path ExecStopPost does not take first'}`;
      figures.push(
        { bench: 'hard-death', name: `${fallback.name} p50`, value: s.p50, unit: 'ms', note },
        { bench: 'hard-death', name: `${fallback.name} max`, value: s.max, unit: 'ms', ...(isShell ? { target: { kind: 'max' as const, value: 100 } } : {}), note },
      );
    }
    const [sh, node] = results;
    if (sh && node) log(`  Node path / shell path at p50: ${(node[1].p50 / sh[1].p50).toFixed(0)}×; the bound is 100 ms`);
    return figures;
  } finally {
    sysfs.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

const run: Bench = ({ quick }) => measureHardDeath(Number(process.env['EVSE_BENCH_HARD_DEATH_RUNS'] ?? (quick ? 5 : 20)));

export default run;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify(await measureHardDeath(Number(process.argv[2] ?? 20)), null, 2)}\n`);
}
