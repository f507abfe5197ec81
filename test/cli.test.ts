import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs the real `evse` entry point in a child process (through tsx, as in development). */
function evse(args: string[], timeoutMs = 60_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, EVSE_LOG_LEVEL: 'error' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('evse command', function () {
  this.timeout(90_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'evse-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('config check: a valid file passes', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify({ limits: { cableMaxA: 20 } }));
    const r = evse(['config', 'check', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /valid/);
  });

  it('config check: an invalid file exits 78 naming the field path and the bad value', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ control: { pwmRemovedForceOpenS: 12 } }));
    const r = evse(['config', 'check', file]);
    assert.equal(r.status, 78);
    assert.match(r.stderr, /control\.pwmRemovedForceOpenS/);
    assert.match(r.stderr, /got 12/);
  });

  it('sim with an invalid config exits 78 before starting anything', () => {
    const file = join(dir, 'bad2.json');
    writeFileSync(file, '{ "limits": { "cableMaxA": "twenty" } }');
    const r = evse(['sim', '--scenario', 'basic', '--config', file]);
    assert.equal(r.status, 78);
    assert.match(r.stderr, /limits\.cableMaxA/);
    assert.doesNotMatch(r.stdout, /status/);
  });

  it('an unknown scenario lists the valid ones', () => {
    const r = evse(['sim', '--scenario', 'does-not-exist']);
    assert.equal(r.status, 64);
    assert.match(r.stderr, /valid scenarios: basic, ev-full, rcd-trip, welded-contactor, overcurrent-ev, meter-loss/);
  });

  it('sim exits non-zero when the outbox cannot drain to the CSMS, saying what is undelivered', () => {
    // Nothing listens on port 9 of loopback: the CSMS is unreachable for the whole run. Offline an unknown card is
    // refused (AllowOfflineTxForUnknownId is false), so the station runs free vend here.
    const file = join(dir, 'free-vend.json');
    writeFileSync(file, JSON.stringify({ control: { freeVend: true } }));
    const r = evse(['sim', '--scenario', 'rcd-trip', '--speed', '60', '--json', '--config', file, '--csms', 'ws://127.0.0.1:9', '--id', 'CP-X', '--drain-timeout', '2']);
    assert.equal(r.status, 1, r.stderr);
    const summary = JSON.parse(r.stdout) as { problems: string[]; sessions: { stopReason: string }[] };
    assert.equal(summary.sessions[0]?.stopReason, 'EmergencyStop', 'the session itself went as expected');
    const problem = summary.problems.find((p) => p.startsWith('outbox not drained'));
    assert.ok(problem, summary.problems.join('; '));
    assert.match(problem, /[1-9][0-9]* message\(s\) undelivered \(oldest: #1 /);
    assert.match(problem, /not connected/);
  });

  it('sim --json: runs a scenario to its end, exits 0, prints the session summary', () => {
    const r = evse(['sim', '--scenario', 'rcd-trip', '--speed', '60', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as {
      sessions: { stopReason: string; energyWh: number; faults: string[] }[];
      problems: string[];
    };
    assert.deepEqual(summary.problems, []);
    assert.equal(summary.sessions.length, 1);
    assert.equal(summary.sessions[0]?.stopReason, 'EmergencyStop');
    assert.ok((summary.sessions[0]?.energyWh ?? 0) > 0);
    assert.deepEqual(summary.sessions[0]?.faults, ['rcd-trip']);
    // One log line per state change goes to stderr with --json.
    assert.match(r.stderr, /status Faulted \(was Charging\)/);
  });

  it('sim opens the status page and says where; --no-web runs without it', () => {
    const withPage = evse(['sim', '--scenario', 'basic', '--speed', '240', '--no-uplink', '--web-port', '0']);
    assert.equal(withPage.status, 0, withPage.stderr);
    assert.match(withPage.stdout, /^status page: http:\/\/127\.0\.0\.1:\d+\/$/m);
    const without = evse(['sim', '--scenario', 'basic', '--speed', '240', '--no-uplink', '--no-web']);
    assert.equal(without.status, 0, without.stderr);
    assert.doesNotMatch(without.stdout, /status page/);
    const bad = evse(['sim', '--web-port', '99999']);
    assert.equal(bad.status, 64);
    assert.match(bad.stderr, /must be a port number 0–65535, got "99999"/);
  });
});
