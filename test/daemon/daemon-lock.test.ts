import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { boardNamespaceArgv, startBoardSerialMeter, VirtualBoard, type BoardSerialMeter, type CoilChange } from '../../simulator/board/index.js';
import { openPtyPair, type PtyPair } from '../../simulator/modbus/pty-pair.js';
import { openReadOnlyJournal } from '../../src/journal/read-only.js';
import { stateLockPath } from '../../src/journal/state-lock.js';
import { testGpioConfig } from '../hal/gpio/support/config.js';
import { requireTool } from '../support/tools.js';
import { alive, cli, logLines, waitFor } from './support/daemon.js';
import { collect, requireNamespace } from './support/namespace.js';

interface Daemon {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** What the journal says, read the way `evse report` reads it (read-only, no lock, beside the running station). */
async function journalState(stateDir: string): Promise<{ openIds: number[]; samples: number; stopReasons: (string | null)[] }> {
  const j = openReadOnlyJournal(stateDir);
  try {
    const sessions = await j.reader.sessions({ fromMs: 0, toMs: Date.parse('2100-01-01') });
    let samples = 0;
    for (const s of sessions) samples += (await j.reader.samples(s.id)).length;
    return { openIds: sessions.filter((s) => s.stopAtMs === null).map((s) => s.id), samples, stopReasons: sessions.map((s) => s.stopReason) };
  } finally {
    j.close();
  }
}

/**
 * Issue 17, item 1, with two real daemons: `evse run` as systemd starts it (a private mount namespace whose
 * /sys/class/{gpio,pwm} are the virtual board's, the Modbus meter served by the board over a socat pty pair), twice on
 * one state directory. The second must exit 75 naming the first before it touches a GPIO line or the journal; the
 * first charges on; after a SIGKILL of the first, a new daemon starts at once and closes the killed session.
 */
describe('two evse run daemons on one state directory (real processes on the virtual board)', function () {
  this.timeout(180_000);
  let dir = '';
  let board: VirtualBoard | null = null;
  let pair: PtyPair | null = null;
  let meter: BoardSerialMeter | null = null;
  const daemons: ChildProcess[] = [];

  before(function () {
    requireTool(this, 'socat');
    requireTool(this, 'flock', 'util-linux');
    requireNamespace(this);
  });
  afterEach(async () => {
    for (const d of daemons.splice(0)) if (alive(d)) d.kill('SIGKILL');
    await meter?.close();
    await pair?.close();
    board?.remove();
    meter = null;
    pair = null;
    board = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the second exits 75 naming the first (pid, evse run) and touches nothing; the first charges on; after its SIGKILL a new one starts at once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'evse-daemon-lock-'));
    const gpio = testGpioConfig('/sys');
    const b = (board = VirtualBoard.create({ gpio, options: { root: join(dir, 'board') } }));
    b.start();
    pair = await openPtyPair();
    meter = await startBoardSerialMeter(b, { port: pair.a, model: 'sdm630' });
    const configPath = join(dir, 'config.json');
    writeFileSync(
      configPath,
      JSON.stringify({ gpio, meter: { driver: 'modbus', port: pair.b, model: 'sdm630' }, control: { freeVend: true }, web: { enabled: false } }),
    );
    const stateDir = join(dir, 'state');
    const start = (): Daemon => {
      const argv = boardNamespaceArgv(b.classDir, [process.execPath, '--import', 'tsx', cli, 'run', '--config', configPath, '--state-dir', stateDir]);
      const env: NodeJS.ProcessEnv = { ...process.env, EVSE_LOG_LEVEL: 'info' };
      delete env['NOTIFY_SOCKET'];
      delete env['WATCHDOG_USEC'];
      const child = spawn(argv[0] ?? 'unshare', argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
      daemons.push(child);
      const io = collect(child);
      return { child, stdout: io.stdout, stderr: io.stderr, exited: io.exited };
    };
    const logs = (d: Daemon) => (): string => `stdout:\n${d.stdout().slice(-3000)}\nstderr:\n${d.stderr().slice(-2000)}`;

    // 1. The first daemon charges an EV (free vend): relay closed, a session open in the journal, samples coming.
    const first = start();
    await waitFor('the first daemon running', () => logLines(first.stdout(), 'station running').length === 1 || !alive(first.child), 60_000, logs(first));
    assert.ok(alive(first.child), logs(first)());
    b.ev.plug();
    let state = await journalState(stateDir);
    const refresh = (): void => void journalState(stateDir).then((s) => (state = s));
    await waitFor('the first daemon charging', () => (refresh(), b.contactsClosed() && state.openIds.length === 1 && state.samples > 0), 60_000, logs(first));
    const before = state;
    const dutyBefore = b.pwm()?.dutyNs;
    const coilChanges: CoilChange[] = [];
    const stopWatching = b.onCoilChange((c) => coilChanges.push(c));
    // Without RUNTIME_DIRECTORY the fail-safe script lives in the state folder: the second must not rewrite it either.
    const failSafeScript = join(stateDir, 'fail-safe.sh');
    const scriptBefore = { text: readFileSync(failSafeScript, 'utf8'), mtimeMs: statSync(failSafeScript).mtimeMs };

    // 2. The second daemon, started exactly like the first: refused, exit 75, one line naming the holder.
    const second = start();
    assert.equal(await second.exited, 75, logs(second)());
    const holderLine = `another station (pid ${first.child.pid}, evse run) holds ${resolve(stateDir)}`;
    assert.equal(second.stderr(), `evse: ${holderLine}\n`);
    assert.equal(readFileSync(stateLockPath(stateDir), 'utf8'), `${first.child.pid} evse run\n`, 'the lock file still names the first');
    assert.equal(logLines(second.stdout(), 'station running').length, 0);
    assert.equal(logLines(second.stdout(), 'recovered an open session').length, 0, 'the second recovered nothing');
    assert.equal(logLines(second.stdout(), 'fail-safe script written').length, 0, 'refused before the fail-safe script');
    assert.deepEqual({ text: readFileSync(failSafeScript, 'utf8'), mtimeMs: statSync(failSafeScript).mtimeMs }, scriptBefore);

    // 3. The first is untouched: same session open, samples keep coming, relay never dropped, pilot PWM unchanged.
    await waitFor('more samples from the first', () => (refresh(), state.samples > before.samples + 2), 60_000, logs(first));
    assert.deepEqual(state.openIds, before.openIds);
    assert.ok(alive(first.child), logs(first)());
    assert.deepEqual(coilChanges, [], 'the coil line never changed while the second ran');
    assert.equal(b.contactsClosed(), true);
    assert.equal(b.pwm()?.dutyNs, dutyBefore, 'the pilot duty untouched');
    assert.equal(logLines(first.stdout(), 'recovered an open session').length, 0);
    // A report beside the charging daemon: read-only, no lock, the daemon undisturbed.
    const report = collect(
      spawn(process.execPath, ['--import', 'tsx', cli, 'report', 'sessions', '--state-dir', stateDir, '--from', '2000-01-01', '--to', '2099-01-01', '--format', 'json'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    assert.equal(await report.exited, 0, report.stderr());
    assert.ok((JSON.parse(report.stdout()) as unknown[]).length >= 1, report.stdout());
    assert.ok(alive(first.child) && b.contactsClosed(), 'the report did not disturb the charging daemon');
    assert.deepEqual(coilChanges, []);
    stopWatching();

    // 4. SIGKILL the first: the kernel frees the lock; a new daemon starts at once and closes the killed session.
    first.child.kill('SIGKILL');
    await first.exited;
    const third = start();
    await waitFor('the third daemon running', () => logLines(third.stdout(), 'station running').length === 1 || !alive(third.child), 60_000, logs(third));
    assert.ok(alive(third.child), `the third daemon must start, not exit ${String(third.child.exitCode)}\n${logs(third)()}`);
    const recovered = logLines(third.stdout(), 'recovered an open session');
    assert.deepEqual(recovered.map((l) => [l['session'], l['reason']]), [[before.openIds[0], 'PowerLoss']], logs(third)());
    assert.equal(readFileSync(stateLockPath(stateDir), 'utf8'), `${third.child.pid} evse run\n`);
    third.child.kill('SIGTERM');
    assert.equal(await third.exited, 0, logs(third)());
  });
});
