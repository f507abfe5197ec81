import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { scenarios } from '../../src/commands/sim/scenarios.js';
import { requireNamespace } from '../daemon/support/namespace.js';

/**
 * Every scenario on the fast simulator and on the virtual board (`evse sim --board`: the real GPIO drivers, the board
 * in a worker thread): the same outcome (sessions, their stop reasons and faults, the faults seen, the final status).
 * Slow (minutes): run by `npm run test:reliability`, not by `npm test`.
 */

interface Summary {
  sessions: { stopReason: string | null; faults: string[] }[];
  faultsSeen: string[];
  problems: string[];
  finalStatus: string;
}

const speed = process.env['EVSE_RELIABILITY_SPEED'] ?? '60';
/** Real seconds an endless scenario runs before Ctrl-C. */
const endlessRunS = 40;

function outcome(s: Summary): unknown {
  return {
    sessions: s.sessions.map((x) => ({ stopReason: x.stopReason, faults: [...x.faults].sort() })),
    faultsSeen: [...s.faultsSeen].sort(),
    finalStatus: s.finalStatus,
  };
}

function parse(stdout: string, stderr: string, status: number | null): Summary {
  try {
    return JSON.parse(stdout) as Summary;
  } catch {
    throw new Error(`no JSON summary (exit ${status}); stderr:\n${stderr.split('\n').slice(-30).join('\n')}`);
  }
}

function args(name: string, board: boolean): string[] {
  return ['--import', 'tsx', 'src/cli.ts', 'sim', '--scenario', name, '--speed', speed, '--json', '--no-web', '--no-uplink', ...(board ? ['--board'] : [])];
}

function runToEnd(name: string, board: boolean): { summary: Summary; stderr: string } {
  const r = spawnSync(process.execPath, args(name, board), { encoding: 'utf8', timeout: 400_000, env: { ...process.env, EVSE_LOG_LEVEL: 'error' } });
  return { summary: parse(r.stdout, r.stderr, r.status), stderr: r.stderr };
}

/** An endless scenario: runs `endlessRunS` real seconds, then SIGINT (forwarded by the --board parent to its child). */
function runInterrupted(name: string, board: boolean): Promise<{ summary: Summary; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args(name, board), { env: { ...process.env, EVSE_LOG_LEVEL: 'error' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGINT'), endlessRunS * 1000);
    child.once('error', reject);
    child.once('exit', (status) => {
      clearTimeout(timer);
      try {
        resolve({ summary: parse(stdout, stderr, status), stderr });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}

describe('every scenario: the virtual board gives the fast simulator\'s outcome', function () {
  this.timeout(900_000);
  before(function () {
    requireNamespace(this);
  });

  for (const scenario of scenarios) {
    if (scenario.endless) {
      it(`${scenario.name} (endless, Ctrl-C after ${endlessRunS} s): sessions stop alike, no faults on either`, async () => {
        // One after the other: the board's real-time loop must not compete with a second run for the CPU.
        const fast = await runInterrupted(scenario.name, false);
        const board = await runInterrupted(scenario.name, true);
        const tail = board.stderr.split('\n').slice(-40).join('\n');
        assert.deepEqual(board.summary.problems, [], tail);
        assert.deepEqual(board.summary.faultsSeen, fast.summary.faultsSeen, tail);
        assert.ok(board.summary.sessions.length >= 1, `no session on the board\n${tail}`);
        const reasons = (s: Summary) => new Set(s.sessions.map((x) => x.stopReason));
        assert.deepEqual(reasons(board.summary), reasons(fast.summary), tail);
      });
      continue;
    }
    it(`${scenario.name}: same sessions, stop reasons and faults`, () => {
      const fast = runToEnd(scenario.name, false);
      const board = runToEnd(scenario.name, true);
      const tail = board.stderr.split('\n').slice(-40).join('\n');
      assert.deepEqual(fast.summary.problems, [], 'the fast simulator passes the scenario');
      assert.deepEqual(board.summary.problems, [], tail);
      assert.deepEqual(outcome(board.summary), outcome(fast.summary), tail);
    });
  }
});
