import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evseChild as evse, journalRows, judge201, type SimRun as Run, type SimSummary as Summary } from '../../reliability/parts/sim-delivery.js';

/**
 * A bench tester's run: the scenario with the bench CSMS down twice, from the start (the session starts offline)
 * and again before the driver stops (it stops offline), delivered after each outage.
 */
const outageArgs = ['--csms-outage', '0+300', '--csms-outage', '800+400'];

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
    // ×240: fast, and slow enough that a loaded machine does not stall the simulated relay's timing (see sim-scenarios.ts).
    const common = ['--speed', '240', '--json', '--drain-timeout', '20', '--no-web', '--status-interval', '0'];
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
    // The RCD trip reached the CSMS as a NotifyEvent on RCD/Tripped (and its clear, if the scenario resets it).
    assert.ok((summary.uplink.delivered['notifyEvents'] ?? 0) >= 1, JSON.stringify(summary.uplink.delivered));
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
    assert.ok(outages.every((o) => o.wentDownAt !== null && o.cameBackAt !== null && o.cameBackAt > o.wentDownAt), JSON.stringify(outages));
    const rows = journalRows(join(dir, 's201'));
    const [tx] = summary.uplink.delivered.transactions ?? [];
    assert.ok(tx, 'one transaction delivered');
    assert.equal(summary.uplink.delivered.transactions?.length, 1);
    // What the CSMS got is what the journal numbered: 0 … n − 1 under the journal's transactionId, in order, one
    // Started and one Ended; offline: true on what was journaled while the CSMS was down, on nothing journaled online
    // (where provable: see expectedOffline).
    assert.equal(tx.transactionId, rows[0]?.txId);
    assert.deepEqual(tx.seqNos, [...Array(rows[0]?.numbered ?? -1).keys()]);
    const f = judge201(summary, rows);
    assert.deepEqual([f.mismatched, f.wrongOffline], [[], []]);
    assert.ok(f.judged.offline >= 4 && f.judged.online >= 2, JSON.stringify(f.judged));
    const offline = new Set(tx.offlineSeqNos);
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
