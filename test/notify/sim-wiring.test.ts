import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../mqtt/support/mosquitto.js';
import { HookServer } from './support/helpers.js';

/** The real `evse` entry point in a child process, asynchronously (the test's webhook server must keep answering). */
function evse(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...process.env, EVSE_LOG_LEVEL: 'warn' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('notify: wired into evse sim', function () {
  this.timeout(60_000);
  let dir: string;
  let hook: HookServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'evse-notify-sim-'));
    hook = new HookServer(await freePort());
    await hook.start();
  });
  after(async () => {
    await hook.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the simulated RCD trip reaches the webhook as fault-rcd-trip, signed, and the run still ends cleanly', async () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ station: { id: 'SIM-N' }, alerts: { webhook: { url: hook.url, secret: 'sim-secret', minSeverity: 'warn' } } }));
    const r = await evse(['sim', '--scenario', 'rcd-trip', '--speed', '60', '--json', '--no-web', '--no-uplink', '--state-dir', dir, '--config', file]);
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { problems: string[] };
    assert.deepEqual(summary.problems, []);
    const fault = hook.accepted.find((b) => b['code'] === 'fault-rcd-trip');
    assert.ok(fault, `got ${JSON.stringify(hook.accepted.map((b) => b['code']))}`);
    assert.equal(fault['stationId'], 'SIM-N');
    assert.ok(hook.requests.every((q) => typeof q.headers['x-evse-signature'] === 'string'));
    assert.ok(!r.stderr.includes('sim-secret'), 'the secret is not logged');
  });
});
