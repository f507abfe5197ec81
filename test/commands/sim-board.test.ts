import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { requireNamespace } from '../daemon/support/namespace.js';

interface Summary {
  sessions: { stopReason: string | null; energyWh: number | null; faults: string[] }[];
  faultsSeen: string[];
  problems: string[];
  finalStatus: string;
}

/** Runs the real `evse` entry point in a child process (through tsx, as in development). */
function evse(args: string[], opts: { uid?: number; timeoutMs?: number } = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 90_000,
    env: { ...process.env, EVSE_LOG_LEVEL: 'error' },
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function summaryOf(r: { status: number | null; stdout: string; stderr: string }): Summary {
  try {
    return JSON.parse(r.stdout) as Summary;
  } catch {
    throw new Error(`no JSON summary (exit ${r.status}); stderr:\n${r.stderr.split('\n').slice(-30).join('\n')}`);
  }
}

describe('evse sim --board', function () {
  this.timeout(120_000);

  it('an unknown scenario lists the valid ones (exit 64) before any namespace', () => {
    const r = evse(['sim', '--board', '--scenario', 'does-not-exist']);
    assert.equal(r.status, 64, r.stderr);
    assert.match(r.stderr, /valid scenarios: basic, ev-full, rcd-trip, welded-contactor, overcurrent-ev, meter-loss/);
  });

  it('without root: one line saying why, exit 69', function () {
    // As root, run the command as nobody; otherwise this process already lacks root.
    const r = process.getuid?.() === 0 ? evse(['sim', '--board', '--scenario', 'basic'], { uid: 65534 }) : evse(['sim', '--board', '--scenario', 'basic']);
    if (r.status !== 69 && /EACCES|permission denied/i.test(r.stderr)) {
      process.stdout.write('      skipped: nobody cannot read the worktree here\n');
      this.skip();
    }
    assert.equal(r.status, 69, r.stderr);
    assert.deepEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /--board: needs root/);
    assert.equal(r.stdout, '');
  });

  it('basic at ×60 on the real drivers: one session stopped Local with energy, no faults', function () {
    requireNamespace(this);
    const r = evse(['sim', '--board', '--scenario', 'basic', '--speed', '60', '--json', '--no-web']);
    const s = summaryOf(r);
    assert.deepEqual(s.problems, [], r.stderr.split('\n').slice(-40).join('\n'));
    assert.equal(r.status, 0);
    assert.equal(s.sessions.length, 1);
    assert.equal(s.sessions[0]?.stopReason, 'Local');
    // 16 A × 3 × 230 V for 15 min ≈ 2.76 kWh, as on the fast simulator.
    const wh = s.sessions[0]?.energyWh ?? 0;
    assert.ok(wh > 2600 && wh < 2900, `energy ${wh} Wh`);
    assert.deepEqual(s.faultsSeen, []);
    assert.equal(s.finalStatus, 'Available');
    // The station ran on the board: the relay's real pull-in and the pilot's real comparators produced these lines.
    assert.match(r.stderr, /on the virtual board/);
    assert.match(r.stderr, /pilot EvRequestsPower → C/);
  });

  it('rcd-trip: the same outcome on the board as on the fast simulator', function () {
    requireNamespace(this);
    const args = ['sim', '--scenario', 'rcd-trip', '--speed', '60', '--json', '--no-web', '--no-uplink'];
    const fast = summaryOf(evse(args));
    const r = evse([...args, '--board']);
    const board = summaryOf(r);
    assert.deepEqual(board.problems, [], r.stderr.split('\n').slice(-40).join('\n'));
    assert.deepEqual(fast.problems, []);
    const outcome = (s: Summary) => ({
      sessions: s.sessions.map((x) => ({ stopReason: x.stopReason, faults: [...x.faults].sort() })),
      faultsSeen: [...s.faultsSeen].sort(),
      finalStatus: s.finalStatus,
    });
    assert.deepEqual(outcome(board), outcome(fast));
    assert.equal(board.sessions[0]?.stopReason, 'EmergencyStop');
    assert.ok((board.sessions[0]?.energyWh ?? 0) > 0);
  });
});
