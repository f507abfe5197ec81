import assert from 'node:assert/strict';
import { answeredCalls } from './support/ledger.js';
import { JournalRig, waitFor } from './support/journal-rig.js';
import { sleep } from './support/harness.js';

/**
 * Issue 12 (1b): a dead-lettered StartTransaction takes its session's MeterValues, StopTransaction and DataTransfer
 * into the dead letters at once (one journal transaction), with one alert naming the session, instead of each of
 * them going through the full retry schedule ahead of the next sessions. Real SQLite journal, bench CSMS.
 */
describe('a dead StartTransaction takes its session with it (real journal, bench CSMS)', function () {
  this.timeout(30_000);
  let rig: JournalRig;
  afterEach(async () => {
    await rig.close();
  });

  it('MeterValues and Stop queued behind it, and those journaled later, are dead at once; one alert; the next session leaves at once', async () => {
    // Attempts 3 at 1 s × attempts: the Start dies after ~3 s; each follower on its own would cost ~3 s more.
    rig = await JournalRig.create({ config: { initialKeys: { TransactionMessageRetryInterval: '1', TransactionMessageAttempts: '3' } } });
    await rig.waitRegistered();
    await rig.waitDrained();
    rig.csms.controls.failNext('StartTransaction', 3, 'InternalError');
    const doomed = await rig.startSession('TAG-DOOMED', 1000);
    for (let wh = 1100; wh <= 1500; wh += 100) await rig.meterValue(doomed, wh);
    await waitFor(() => rig.dead.length === 1, 10_000, 'the Start dead-lettered');
    const deadAt = Date.now();

    // Still charging when its Start died: what the session journals later follows it straight away.
    await rig.meterValue(doomed, 1600);
    await rig.stopSession(doomed, 1700);
    await rig.journal.enqueue('DataTransfer', doomed, { vendorId: 'org.openchargealliance.costmsg', messageId: 'ConnectorUnplugged', timestamp: new Date().toISOString() });
    const next = await rig.startSession('TAG-NEXT', 1700);
    await rig.meterValue(next, 1800);
    await rig.stopSession(next, 1900);
    await rig.waitDrained();
    const nextAnswered = rig.csms.messages.find((f) => f.outbound && f.type === 'CALLRESULT' && f.method === 'StopTransaction');
    const tookMs = (nextAnswered?.atMs ?? Infinity) - deadAt;
    assert.ok(tookMs < 2500, `the next session's Stop was answered ${tookMs} ms after the dead letter (a follower alone would take 3000 ms: attempts at 0, 1 and 3 s)`);

    const rows = rig.outboxRows().filter((r) => r.sessionId === doomed);
    assert.deepEqual(
      rows.map((r) => `${r.kind}:${r.state}`),
      ['StartTransaction:dead', ...Array<string>(6).fill('MeterValues:dead'), 'StopTransaction:dead', 'DataTransfer:dead'],
    );
    assert.equal(rows[0]?.attempts, 3, 'only the Start went through the retries');
    assert.ok(rows.slice(1).every((r) => r.attempts === 0 && /StartTransaction #\d+ is a dead letter/.test(r.lastError ?? '')));
    assert.deepEqual(rig.dead.map((d) => [d.message.kind, d.message.sessionId, d.followers.length]), [['StartTransaction', doomed, 5]]);

    const alerts = await rig.outboxAlerts();
    assert.equal(alerts.length, 1, `one alert: ${JSON.stringify(alerts)}`);
    assert.equal(alerts[0]?.code, 'outbox-dead-letter');
    assert.equal(alerts[0]?.detail?.['sessionId'], doomed);
    assert.match(alerts[0]?.message ?? '', new RegExp(`session ${doomed}\\b`));

    // The CSMS never saw a message of the dead session beyond its refused Starts, and got the next one whole.
    assert.equal(rig.csms.callsOf('StartTransaction').length, 4);
    assert.deepEqual(answeredCalls(rig.csms.messages, 'StartTransaction').map((c) => c.params['idTag']), ['TAG-NEXT']);
    const nextId = answeredCalls(rig.csms.messages, 'StartTransaction')[0]?.result['transactionId'];
    for (const method of ['MeterValues', 'StopTransaction']) {
      for (const call of rig.csms.callsOf(method)) assert.equal(call['transactionId'], nextId);
    }
    assert.equal(rig.csms.callsOf('DataTransfer').length, 0);
    assert.equal((await rig.journal.session(doomed))?.csmsTransactionId, null, 'no id invented');
    assert.equal((await rig.client.status()).deadLetters, 6, 'the Start and the 5 MeterValues queued behind it when it died');
  });

  it('after a reboot, a Stop recovered for a session whose Start is dead is stored dead, without a new alert', async () => {
    rig = await JournalRig.create({ config: { initialKeys: { TransactionMessageRetryInterval: '0', TransactionMessageAttempts: '1' } } });
    await rig.waitRegistered();
    await rig.waitDrained();
    rig.csms.controls.failNext('StartTransaction', 1, 'InternalError');
    const doomed = await rig.startSession('TAG-LOST', 500);
    await waitFor(() => rig.dead.length === 1, 5000, 'the Start dead-lettered');
    // The process dies; at the next boot, recovery closes the session found open (PowerLoss) and queues its Stop.
    await rig.client.stop();
    const report = await rig.journal.recover(() => Promise.resolve(640));
    assert.deepEqual(report.closed.map((c) => c.sessionId), [doomed]);
    await rig.boot();
    await rig.waitRegistered();
    await sleep(200);
    await rig.waitDrained();
    assert.deepEqual(
      rig.outboxRows().filter((r) => r.sessionId === doomed).map((r) => `${r.kind}:${r.state}`),
      ['StartTransaction:dead', 'StopTransaction:dead'],
    );
    assert.equal(rig.csms.callsOf('StopTransaction').length, 0);
    assert.equal((await rig.outboxAlerts()).length, 1, 'still the one alert of the session');
  });
});
