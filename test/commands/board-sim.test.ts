import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenarios, type RunSummary } from '../../src/commands/sim/scenarios.js';
import { requireNamespace } from '../daemon/support/namespace.js';
import { testGpioConfig } from '../hal/gpio/support/config.js';
import { requireTool } from '../support/tools.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repoRoot, 'src', 'cli.ts');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `evse ARGS…` as a real child process, from source through tsx. */
function evse(args: readonly string[], uid?: number): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(uid !== undefined ? { uid, gid: uid } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

interface BoardSimReport extends RunSummary {
  readonly problems: string[];
  readonly daemon: { readonly exitCode: number | null; readonly relayInactiveAfterExit: boolean };
  readonly uplink: { readonly delivered: { readonly startTransactions: number; readonly stopTransactions: number } };
}

describe('evse board-sim (the real daemon on the virtual board, as a child process)', function () {
  this.timeout(120_000);
  let dir = '';
  const write = (name: string, content: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(content));
    return path;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'evse-board-sim-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a config without gpio exits 78 naming gpio', async () => {
    const r = await evse(['board-sim', '--config', write('no-gpio.json', { station: { id: 'T1' } }), '--json']);
    assert.equal(r.code, 78, r.stderr);
    assert.match(r.stderr, /gpio: required by evse board-sim/);
    assert.equal(r.stdout, '');
  });

  it('an unknown scenario exits 64 listing the valid ones', async () => {
    const r = await evse(['board-sim', '--config', write('c.json', { gpio: testGpioConfig('/sys') }), '--scenario', 'nope']);
    assert.equal(r.code, 64, r.stderr);
    assert.match(r.stderr, /unknown scenario "nope"/);
    for (const s of scenarios.filter((x) => !x.endless)) assert.ok(r.stderr.includes(s.name), `lists ${s.name}: ${r.stderr}`);
  });

  it('without root: one line saying why, exit 69', async function () {
    // As root, run the command as nobody; otherwise this process already lacks root.
    const config = write('c.json', { gpio: testGpioConfig('/sys') });
    chmodSync(dir, 0o755); // nobody reads the config
    const r = await evse(['board-sim', '--config', config, '--scenario', 'basic'], process.getuid?.() === 0 ? 65534 : undefined);
    if (r.code !== 69 && /EACCES|permission denied/i.test(r.stderr)) {
      process.stdout.write('      skipped: nobody cannot read the worktree here\n');
      this.skip();
    }
    assert.equal(r.code, 69, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /root/);
    assert.equal(r.stdout, '');
  });

  it('basic: one session with energy, stopped by the tap (Local), no faults; the daemon exits 0 with the relay inactive', async function () {
    requireTool(this, 'socat');
    requireNamespace(this);
    const r = await evse(['board-sim', '--config', write('c.json', { gpio: testGpioConfig('/sys') }), '--scenario', 'basic', '--speed', '120', '--json']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const report = JSON.parse(r.stdout) as BoardSimReport;
    assert.equal(report.scenario, 'basic');
    assert.deepEqual(report.problems, []);
    assert.equal(report.sessions.length, 1, r.stdout);
    const [session] = report.sessions;
    assert.ok(session !== undefined && (session.energyWh ?? 0) > 0, r.stdout);
    assert.equal(session.energyWh, (session.meterStopWh ?? 0) - session.meterStartWh);
    assert.equal(session.stopReason, 'Local');
    assert.deepEqual(report.faultsSeen, []);
    assert.equal(report.finalStatus, 'Available');
    assert.deepEqual(report.uplink.delivered, { ...report.uplink.delivered, startTransactions: 1, stopTransactions: 1 });
    assert.equal(report.daemon.exitCode, 0);
    assert.equal(report.daemon.relayInactiveAfterExit, true);
    assert.match(r.stderr, /session 1 started/, 'the human log goes to stderr under --json');
  });

  it('rcd-trip: the trip ends the session, and the operator reset (OCPP Reset, the daemon restarted as systemd would) clears the latched fault', async function () {
    requireTool(this, 'socat');
    requireNamespace(this);
    const r = await evse(['board-sim', '--config', write('c.json', { gpio: testGpioConfig('/sys') }), '--scenario', 'rcd-trip', '--speed', '120', '--json']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const report = JSON.parse(r.stdout) as BoardSimReport;
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.sessions.map((s) => s.stopReason), ['EmergencyStop']);
    assert.ok(report.faultsSeen.includes('rcd-trip'), r.stdout);
    assert.ok(report.notes.includes('reset clears: rcd-trip'), r.stdout);
    assert.equal(report.finalStatus, 'Available');
    assert.equal(report.daemon.exitCode, 0);
  });
});
