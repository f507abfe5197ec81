import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { namespaceUnavailable } from '../../../simulator/board/namespace.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

// The probe is the virtual board's (the same question: may this process mount over /sys/class?).
export { namespaceUnavailable };

/**
 * Guards a test that needs a private mount namespace (root, unshare -m). Outside CI it skips with the reason; under
 * CI (`CI=true`) the missing privilege fails the test: the CI runner has it, so a skip there would hide a regression.
 */
export function requireNamespace(ctx: Mocha.Context): void {
  const why = namespaceUnavailable();
  if (why === null) return;
  if (process.env['CI'] === 'true') throw new Error(`${why}: missing under CI`);
  process.stdout.write(`      skipped: ${why}\n`);
  ctx.skip();
}

/** Runs any command in a private mount namespace where /sys/class is the fake tree's `class` folder. */
export function spawnCommandInNamespace(fakeClassDir: string, argv: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn('unshare', ['-m', 'sh', '-c', 'mount --bind "$0" /sys/class && exec "$@"', fakeClassDir, ...argv], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
}

/**
 * Runs `node --import tsx SCRIPT ARGS…` in a private mount namespace where /sys/class is the fake tree's `class`
 * folder (bind-mounted, so the test sees every file the child wrote after it exits).
 */
export function spawnInNamespace(
  fakeClassDir: string,
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): ChildProcess {
  return spawnCommandInNamespace(fakeClassDir, [process.execPath, '--import', 'tsx', script, ...args], env);
}

/** Collects a child's stdout/stderr and resolves with its exit. */
export function collect(child: ChildProcess): { stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { stdout: () => out, stderr: () => err, exited };
}
