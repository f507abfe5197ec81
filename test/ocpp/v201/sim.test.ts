import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** Runs the real `evse` entry point in a child process (through tsx, as in development). */
function evse(args: string[], timeoutMs = 60_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, EVSE_LOG_LEVEL: 'error' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('evse sim --ocpp 2.0.1', function () {
  this.timeout(90_000);

  it('registers with the bench CSMS over ocpp2.0.1 (Accepted, StatusNotification); the session is authorized by it', () => {
    const r = evse(['sim', '--scenario', 'rcd-trip', '--speed', '120', '--json', '--ocpp', '2.0.1', '--drain-timeout', '1', '--no-web']);
    const summary = JSON.parse(r.stdout) as {
      sessions: { stopReason: string }[];
      problems: string[];
      uplink: { ocppVersion: string; registration: string; delivered: { bootNotifications: number; statusNotifications: number; transactionEvents: number; notifyEvents: number } };
    };
    assert.equal(summary.uplink.ocppVersion, '2.0.1');
    assert.equal(summary.uplink.registration, 'Accepted');
    assert.equal(summary.uplink.delivered.bootNotifications, 1);
    assert.ok(summary.uplink.delivered.statusNotifications >= 2, 'Available at boot, then Occupied / Faulted');
    // The card was authorized online over 2.0.1 and the session ran as the scenario expects.
    assert.equal(summary.sessions[0]?.stopReason, 'EmergencyStop');
    // The session went out as TransactionEvent Started … Ended (v201 transactions) and the outbox drained.
    assert.ok(summary.uplink.delivered.transactionEvents >= 2, JSON.stringify(summary.uplink.delivered));
    // The RCD trip reached the CSMS as a NotifyEvent on RCD/Tripped (and its clear, if the scenario resets it).
    assert.ok(summary.uplink.delivered.notifyEvents >= 1, JSON.stringify(summary.uplink.delivered));
    assert.deepEqual(summary.problems, []);
    assert.equal(r.status, 0, r.stderr);
  });
});
