import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `evse` entry point in a child process (through tsx, as in development). */
function evse(args: string[], timeoutMs = 80_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...process.env, EVSE_LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

interface Outage {
  readonly wentDownAt: string | null;
  readonly cameBackAt: string | null;
}
interface Summary {
  sessions: { stopReason: string }[];
  problems: string[];
  uplink: {
    ocppVersion: string;
    registration: string;
    csmsOutages?: Outage[];
    delivered: Record<string, number> & {
      transactions?: { transactionId: string; events: number; seqNos: number[]; offlineSeqNos: number[]; started: number; ended: number }[];
    };
  };
}

interface Row {
  readonly kind: string;
  readonly seqNo: number;
  readonly createdAt: number;
  readonly state: string;
  readonly txId: string;
  readonly numbered: number;
}

function journalRows(stateDir: string): Row[] {
  const db = new Database(join(stateDir, 'journal.db'), { readonly: true });
  try {
    return db
      .prepare(
        `SELECT o.kind, o.tx_seq_no AS seqNo, o.created_at AS createdAt, o.state, s.tx_uid AS txId, s.tx_next_seq_no AS numbered
         FROM outbox o JOIN sessions s ON s.id = o.session_id ORDER BY o.seq`,
      )
      .all() as Row[];
  } finally {
    db.close();
  }
}

/**
 * A bench tester's run: the scenario with the bench CSMS down twice, from the start (the session starts offline)
 * and again before the driver stops (it stops offline), delivered after each outage.
 */
const outageArgs = ['--csms-outage', '0+300', '--csms-outage', '800+400'];
/** The station sees the dropped socket within this much station time (ms of real time at ×600). */
const DETECT_MS = 30_000;
/** After the CSMS is back, the station reconnects within reconnectMaxS (60 s) and its backoff's jitter. */
const RECONNECT_MS = 90_000;

describe('evse sim --ocpp 2.0.1', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'evse-sim201-'));
  let online: Run;
  let offline201: Run;
  let offline16: Run;

  before(async () => {
    // A card unknown to an offline station may start a session on this bench (the journal is fresh: nothing cached).
    writeFileSync(join(dir, 'c201.json'), JSON.stringify({ ocpp: { initialKeys: { 'AuthCtrlr/OfflineTxForUnknownIdEnabled': 'true' } } }));
    writeFileSync(join(dir, 'c16.json'), JSON.stringify({ ocpp: { initialKeys: { AllowOfflineTxForUnknownId: 'true' } } }));
    const common = ['--speed', '600', '--json', '--drain-timeout', '20', '--no-web', '--status-interval', '0'];
    // Three stations at once: each child mostly waits on its start-up and its link.
    [online, offline201, offline16] = await Promise.all([
      evse(['sim', '--scenario', 'rcd-trip', '--ocpp', '2.0.1', ...common]),
      evse(['sim', '--scenario', 'basic', '--ocpp', '2.0.1', ...common, ...outageArgs, '--config', join(dir, 'c201.json'), '--state-dir', join(dir, 's201')]),
      evse(['sim', '--scenario', 'basic', '--ocpp', '1.6', ...common, ...outageArgs, '--config', join(dir, 'c16.json'), '--state-dir', join(dir, 's16')]),
    ]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('registers with the bench CSMS over ocpp2.0.1 (Accepted, StatusNotification); the session is authorized by it', () => {
    const summary = JSON.parse(online.stdout) as Summary;
    assert.equal(summary.uplink.ocppVersion, '2.0.1');
    assert.equal(summary.uplink.registration, 'Accepted');
    assert.equal(summary.uplink.delivered['bootNotifications'], 1);
    assert.ok((summary.uplink.delivered['statusNotifications'] ?? 0) >= 2, 'Available at boot, then Occupied / Faulted');
    // The card was authorized online over 2.0.1 and the session ran as the scenario expects.
    assert.equal(summary.sessions[0]?.stopReason, 'EmergencyStop');
    // The session went out as TransactionEvent Started … Ended (v201 transactions) and the outbox drained.
    assert.ok((summary.uplink.delivered['transactionEvents'] ?? 0) >= 2, JSON.stringify(summary.uplink.delivered));
    assert.deepEqual(summary.uplink.delivered.transactions?.map((t) => t.offlineSeqNos), [[]], 'nothing offline in an online run');
    assert.deepEqual(summary.problems, []);
    assert.equal(online.status, 0, online.stderr);
  });

  it('--csms-outage: the session starts and stops offline; every event is delivered after, in seqNo order, offline: true exactly where provable', () => {
    assert.equal(offline201.status, 0, `${offline201.stderr.slice(-2000)}\n${offline201.stdout.slice(-2000)}`);
    const summary = JSON.parse(offline201.stdout) as Summary;
    assert.deepEqual(summary.problems, []);
    assert.equal(summary.sessions[0]?.stopReason, 'Local');
    const outages = summary.uplink.csmsOutages ?? [];
    assert.equal(outages.length, 2);
    const windows = outages.map((o) => ({ down: Date.parse(o.wentDownAt ?? ''), up: Date.parse(o.cameBackAt ?? '') }));
    assert.ok(windows.every((w) => Number.isFinite(w.down) && w.up > w.down), JSON.stringify(outages));
    const rows = journalRows(join(dir, 's201'));
    const [tx] = summary.uplink.delivered.transactions ?? [];
    assert.ok(tx, 'one transaction delivered');
    assert.equal(summary.uplink.delivered.transactions?.length, 1);
    // What the CSMS got is what the journal numbered: 0 … n − 1 under the journal's transactionId, in order.
    assert.equal(tx.transactionId, rows[0]?.txId);
    assert.equal(tx.events, rows[0]?.numbered);
    assert.deepEqual(tx.seqNos, rows.map((r) => r.seqNo));
    assert.deepEqual(tx.seqNos, [...Array(tx.events).keys()]);
    assert.ok(rows.every((r) => r.state === 'delivered'));
    assert.equal(tx.started, 1);
    assert.equal(tx.ended, 1);
    // offline is provable where the station's view is certain: written while the CSMS was down (past the moment the
    // station can have noticed) → true; written before the first outage or once the station had time to reconnect
    // after one and before the next → false. Rows in the margins are the station's honest guess either way.
    const offline = new Set(tx.offlineSeqNos);
    const expected = (at: number): boolean | null => {
      if (windows.some((w) => at >= w.down + DETECT_MS && at <= w.up)) return true;
      if (at < (windows[0]?.down ?? 0)) return false;
      if (windows.some((w, i) => at >= w.up + RECONNECT_MS && at < (windows[i + 1]?.down ?? Infinity))) return false;
      return null;
    };
    const judged = rows.map((r) => ({ seqNo: r.seqNo, kind: r.kind, expected: expected(r.createdAt), offline: offline.has(r.seqNo) }));
    const wrong = judged.filter((j) => j.expected !== null && j.expected !== j.offline);
    assert.deepEqual(wrong, [], JSON.stringify(judged));
    assert.ok(judged.filter((j) => j.expected === true).length >= 4, `events journaled during the outages: ${JSON.stringify(judged)}`);
    assert.ok(judged.filter((j) => j.expected === false).length >= 2, `events journaled online: ${JSON.stringify(judged)}`);
    // Started and Ended both happened offline.
    assert.equal(offline.has(0), true);
    assert.equal(offline.has(tx.events - 1), true);
  });

  it('--csms-outage over OCPP 1.6: the session starts and stops offline; Start, MeterValues and Stop are delivered after, as many as journaled', () => {
    assert.equal(offline16.status, 0, `${offline16.stderr.slice(-2000)}\n${offline16.stdout.slice(-2000)}`);
    const summary = JSON.parse(offline16.stdout) as Summary;
    assert.deepEqual(summary.problems, []);
    assert.equal(summary.uplink.ocppVersion, '1.6');
    assert.equal(summary.uplink.csmsOutages?.length, 2);
    const rows = journalRows(join(dir, 's16'));
    const count = (kind: string): number => rows.filter((r) => r.kind === kind && r.state === 'delivered').length;
    assert.equal(rows.filter((r) => r.state !== 'delivered').length, 0);
    // The bench CSMS counts the calls it got: a call whose answer the outage cut is sent again (at-least-once, one in
    // flight at a time), so each outage may add one copy, never fewer than journaled.
    const got = summary.uplink.delivered;
    const calls = (got['startTransactions'] ?? 0) + (got['stopTransactions'] ?? 0) + (got['meterValues'] ?? 0);
    assert.ok((got['startTransactions'] ?? 0) >= 1 && (got['stopTransactions'] ?? 0) >= 1 && (got['meterValues'] ?? 0) >= count('MeterValues'), JSON.stringify(got));
    assert.ok(calls <= rows.length + 2, `${calls} calls for ${rows.length} journaled messages`);
    assert.equal(count('StartTransaction') + count('StopTransaction'), 2);
    assert.ok(count('MeterValues') >= 5);
  });
});
