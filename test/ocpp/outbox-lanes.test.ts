import assert from 'node:assert/strict';
import { createBenchCsms } from '../../simulator/csms/bench-csms.js';
import { createRPCError } from '../../simulator/csms/ocpp-rpc.js';
import { csmsSupportNamespace } from '../../src/ocpp/csms-support.js';
import { answeredCalls } from './support/ledger.js';
import { JournalRig, waitFor } from './support/journal-rig.js';
import { sleep } from './support/harness.js';

/** Transaction retries far longer than any test waits: a message held behind a retry would show at once. */
const slowRetries = { initialKeys: { TransactionMessageRetryInterval: '30', TransactionMessageAttempts: '3' } };

/**
 * Issue 12 (1c): optional messages never hold transaction messages behind them, and an optional message the CSMS
 * does not implement is remembered per CSMS (in the journal) and not sent to it again. Real SQLite journal, real
 * schema-validating (ocpp-rpc strictMode) bench CSMS on loopback.
 */
describe('outbox lanes: optional messages never block transaction messages (real journal, strict CSMS)', function () {
  this.timeout(30_000);
  let rig: JournalRig;
  afterEach(async () => {
    await rig.close();
  });

  it('a CSMS without the security extension: SecurityEventNotification dropped and remembered; no dead letter, no alert, the Start answered at once', async () => {
    rig = await JournalRig.create({ config: slowRetries });
    rig.csms.controls.respondWith('SecurityEventNotification', () => {
      throw createRPCError('NotImplemented', 'this CSMS does not implement the security whitepaper');
    });
    // start() journals StartupOfTheDevice: it is the oldest message when the session's Start is queued behind it.
    await waitFor(async () => (await rig.journal.head())?.kind === 'SecurityEventNotification', 5000, 'the boot security event');
    const sessionId = await rig.startSession('TAG-SEC', 1000);
    const queuedAt = Date.now();
    await rig.csms.waitFor((ms) => answeredCalls(ms, 'StartTransaction').length === 1, 10_000, 'the Start answered');
    const startAnswered = rig.csms.messages.find((f) => f.outbound && f.type === 'CALLRESULT' && f.method === 'StartTransaction');
    const waitedMs = (startAnswered?.atMs ?? Infinity) - queuedAt;
    assert.ok(waitedMs < 3000, `the Start waited ${waitedMs} ms (a retry interval is 30 000 ms)`);
    await rig.stopSession(sessionId, 1500);
    await rig.waitDrained();

    assert.equal(rig.csms.callsOf('SecurityEventNotification').length, 1, 'asked once');
    assert.equal(rig.dead.length, 0, 'no dead letter');
    assert.equal((await rig.client.status()).deadLetters, 0);
    assert.deepEqual(await rig.outboxAlerts(), [], 'no alert');
    assert.deepEqual(
      rig.outboxRows().filter((r) => r.kind === 'SecurityEventNotification'),
      [],
      'dropped from the queue: neither pending nor a dead letter',
    );
    assert.deepEqual(await rig.journal.get(csmsSupportNamespace, 'unsupportedCalls'), {
      csms: `${rig.csms.url}/CP1`,
      kinds: ['SecurityEventNotification'],
    });

    // The next boot journals StartupOfTheDevice again: it is not sent to this CSMS (remembered across the reboot).
    await rig.reboot();
    await rig.waitRegistered();
    await sleep(300);
    await rig.waitDrained();
    assert.equal(rig.csms.callsOf('SecurityEventNotification').length, 1, 'not sent again after the reboot');
    assert.equal(rig.csms.callsOf('BootNotification').length, 2);

    // Another CSMS (new URL): what the last one lacked is forgotten, and the event goes to the new one.
    const other = await createBenchCsms({ port: 0 });
    const first = rig.csms;
    await rig.reboot({ csms: other });
    await first.close();
    await rig.waitRegistered();
    await other.waitFor((ms) => answeredCalls(ms, 'SecurityEventNotification').length === 1, 5000, 'the event delivered to the new CSMS');
    await rig.waitDrained();
    assert.equal(await rig.journal.get(csmsSupportNamespace, 'unsupportedCalls'), undefined, 'forgotten for the new CSMS');
    assert.deepEqual(await rig.outboxAlerts(), []);
  });

  it('NotSupported to StatusNotification is remembered too; later statuses are dropped quietly while sessions flow', async () => {
    rig = await JournalRig.create({ config: slowRetries });
    rig.csms.controls.respondWith('StatusNotification', () => {
      throw createRPCError('NotSupported', 'statuses are not tracked here');
    });
    await rig.waitRegistered();
    const a = await rig.startSession('TAG-A', 10);
    rig.station.setStatus(1, 'Charging');
    await rig.stopSession(a, 20);
    rig.station.setStatus(1, 'Available');
    const b = await rig.startSession('TAG-B', 20);
    await rig.stopSession(b, 30);
    await rig.waitDrained();
    assert.equal(answeredCalls(rig.csms.messages, 'StartTransaction').length, 2);
    assert.equal(answeredCalls(rig.csms.messages, 'StopTransaction').length, 2);
    assert.equal(rig.csms.callsOf('StatusNotification').length, 1, 'one refusal, then never asked again');
    assert.equal(rig.dead.length, 0);
    assert.deepEqual(await rig.outboxAlerts(), []);
  });

  it("a session's DataTransfer answered NotImplemented (transaction lane): dropped and remembered, the next session not held", async () => {
    rig = await JournalRig.create({ config: slowRetries });
    rig.csms.controls.respondWith('DataTransfer', () => {
      throw createRPCError('NotImplemented', 'no vendor extensions here');
    });
    await rig.waitRegistered();
    const unplug = { vendorId: 'org.openchargealliance.costmsg', messageId: 'ConnectorUnplugged' };
    const a = await rig.startSession('TAG-DT1', 10);
    await rig.stopSession(a, 20);
    await rig.journal.enqueue('DataTransfer', a, { ...unplug, timestamp: new Date().toISOString() });
    const b = await rig.startSession('TAG-DT2', 20);
    await rig.stopSession(b, 30);
    await rig.journal.enqueue('DataTransfer', b, { ...unplug, timestamp: new Date().toISOString() });
    rig.client.outboxChanged();
    await rig.waitDrained(5000);
    assert.equal(answeredCalls(rig.csms.messages, 'StopTransaction').length, 2);
    assert.equal(rig.csms.callsOf('DataTransfer').length, 1, 'the second one was not sent');
    assert.deepEqual(rig.outboxRows().filter((r) => r.kind === 'DataTransfer'), []);
    assert.equal(rig.dead.length, 0);
    assert.deepEqual(await rig.outboxAlerts(), []);
  });

  it('an optional message refused with a transient error retries in its own lane; transaction messages pass it at once', async () => {
    rig = await JournalRig.create({ config: slowRetries });
    await rig.waitRegistered();
    await rig.waitDrained();
    rig.csms.controls.failNext('StatusNotification', 1, 'InternalError');
    rig.station.setStatus(1, 'Preparing');
    await rig.csms.waitFor((ms) => ms.some((f) => f.outbound && f.type === 'CALLERROR' && f.method === 'StatusNotification'), 5000, 'the refused status');
    const sessionId = await rig.startSession('TAG-T', 100);
    await rig.meterValue(sessionId, 150);
    await rig.stopSession(sessionId, 200);
    await rig.csms.waitFor((ms) => answeredCalls(ms, 'StopTransaction').length === 1, 3000, 'Start, MeterValues and Stop past the status in retry');
    const status = rig.outboxRows().find((r) => r.kind === 'StatusNotification' && r.state === 'pending');
    assert.ok(status, 'the status still waits for its retry (30 s)');
    assert.equal(status.attempts, 1);
    assert.equal(answeredCalls(rig.csms.messages, 'MeterValues').length, 1);
    assert.equal(rig.dead.length, 0);
  });
});
