import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openReadOnlyJournal } from '../../src/journal/read-only.js';
import { requireTool } from '../support/tools.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repoRoot, 'src', 'cli.ts');

interface Proc {
  readonly child: ChildProcess;
  readonly out: () => string;
  readonly err: () => string;
  readonly exited: Promise<number | null>;
}

function evse(args: readonly string[]): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: repoRoot, env: { ...process.env, EVSE_LOG_LEVEL: 'warn' } });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, out: () => out, err: () => err, exited };
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sessions and samples of the journal, read the way `evse report` does (read-only, no lock). */
async function journalState(dir: string): Promise<{ sessions: number; samples: number; openIds: number[] }> {
  try {
    const j = openReadOnlyJournal(dir);
    try {
      const sessions = await j.reader.sessions({ fromMs: 0, toMs: Date.parse('2100-01-01') });
      let samples = 0;
      for (const s of sessions) samples += (await j.reader.samples(s.id)).length;
      return { sessions: sessions.length, samples, openIds: sessions.filter((s) => s.stopAtMs === null).map((s) => s.id) };
    } finally {
      j.close();
    }
  } catch {
    return { sessions: 0, samples: 0, openIds: [] };
  }
}

const simArgs = (dir: string): string[] => ['sim', '--scenario', 'continuous', '--speed', '60', '--state-dir', dir, '--no-uplink', '--no-web', '--status-interval', '0'];

describe('one station per state directory (real processes)', function () {
  this.timeout(120_000);
  let dir: string;
  const started: ChildProcess[] = [];
  before(function () {
    requireTool(this, 'flock', 'util-linux');
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'evse-station-lock-'));
  });
  afterEach(() => {
    for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second station with exit 75 naming the first, lets a report run beside it, and starts at once after a SIGKILL', async () => {
    const first = evse(simArgs(dir));
    started.push(first.child);
    let state = await journalState(dir);
    await waitFor('the first station to charge', () => state.openIds.length === 1 && state.samples > 0 || (void journalState(dir).then((s) => (state = s)), false));
    const before = state;

    const second = evse(simArgs(dir));
    started.push(second.child);
    assert.equal(await second.exited, 75, second.err());
    assert.equal(second.err(), `evse: another station (pid ${first.child.pid}, evse sim) holds ${resolve(dir)}\n`);

    // The first's session is untouched: same session still open, samples keep coming, nothing recovered.
    await waitFor('more samples', () => state.samples > before.samples + 2 || (void journalState(dir).then((s) => (state = s)), false));
    assert.deepEqual(state.openIds, before.openIds);
    assert.equal(first.child.exitCode, null, first.err());

    const report = evse(['report', 'sessions', '--state-dir', dir, '--from', '2000-01-01', '--to', '2099-01-01', '--format', 'json']);
    assert.equal(await report.exited, 0, report.err());
    const rows = JSON.parse(report.out()) as unknown[];
    assert.ok(rows.length >= 1, report.out());
    assert.equal(first.child.exitCode, null, 'the report did not disturb the station');

    first.child.kill('SIGKILL');
    await first.exited;
    const third = evse(simArgs(dir));
    started.push(third.child);
    await waitFor('the new station to recover the killed one\'s session', () => /recovered session \d+: closed with PowerLoss/.test(third.out()) || third.child.exitCode !== null);
    assert.equal(third.child.exitCode, null, third.err());
    third.child.kill('SIGTERM');
    await third.exited;
  });
});
