import { execFileSync } from 'node:child_process';

/** True when `name` is on the PATH. */
export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Guards a test that needs a Debian tool. Outside CI a missing tool skips the test with a reason a newcomer can act on;
 * under CI (`CI=true`) a missing tool fails the test, because `.ci/run` installs it.
 */
export function requireTool(ctx: Mocha.Context, tool: string, debianPackage = tool): void {
  if (hasTool(tool)) return;
  const reason = `needs '${tool}' (apt-get install -y ${debianPackage})`;
  if (process.env['CI'] === 'true') throw new Error(`${reason}: missing under CI`);
  process.stdout.write(`      skipped: ${reason}\n`);
  ctx.skip();
}
