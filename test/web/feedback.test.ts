import assert from 'node:assert/strict';
import { systemClock } from '../../src/clock.js';
import { createSimStation } from '../../src/commands/sim/sim-station.js';
import { parseConfig } from '../../src/config/load.js';
import type { SessionRow } from '../../src/journal/ports.js';
import { silentLogger } from '../../src/logger.js';
import { startStatusServer } from '../../src/web/server.js';
import { benchConfigInput } from '../../simulator/bench-config.js';
import { manualClock } from '../journal/support/helpers.js';
import { openReadOnlyDatabase } from '../../src/journal/read-only.js';
import { couldNotChargeAlertCode, driverFeedbackMessageId, driverFeedbackVendorId, feedbackWindowMs, type FeedbackJournal } from '../../src/web/feedback-service.js';
import { runFeedbackReport } from '../../src/commands/report-feedback.js';
import { pageRig, until, type PageRig } from './support/page-rig.js';

/** The outbox rows of kind DataTransfer, read beside the running journal. */
function queuedDataTransfers(dir: string): { sessionId: number | null; payload: Record<string, unknown> }[] {
  const db = openReadOnlyDatabase(dir);
  try {
    const rows = db.prepare(`SELECT session_id, payload FROM outbox WHERE kind = 'DataTransfer' ORDER BY seq`).all() as { session_id: number | null; payload: string }[];
    return rows.map((r) => ({ sessionId: r.session_id, payload: JSON.parse(r.payload) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

describe('web: driver feedback (fastify inject, simulated station, real journal)', function () {
  this.timeout(30_000);
  let rig: PageRig;
  const clock = manualClock(Date.now());

  afterEach(async () => {
    await rig.close();
  });

  const post = (sessionId: number | string, body: unknown, headers: Record<string, string> = {}) =>
    rig.app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/feedback`, payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

  it('is stored once per session with the client address, queued as DataTransfer DriverFeedback, and a second one is refused naming the session', async () => {
    rig = await pageRig({ actionsClock: clock });
    const id = await rig.startSession();
    const res = await post(id, { rating: 4, outcome: 'charged-with-problem', problem: 'slow', comment: '<b>slow</b> & "odd"' });
    assert.equal(res.statusCode, 201, res.body);
    const stored = await rig.journal.feedback({ fromMs: 0, toMs: Date.now() + 3600_000 });
    assert.equal(stored.length, 1);
    assert.deepEqual({ ...stored[0], atMs: 0 }, { sessionId: id, atMs: 0, rating: 4, outcome: 'charged-with-problem', problem: 'slow', comment: '<b>slow</b> & "odd"', clientAddress: '127.0.0.1' });
    const queued = queuedDataTransfers(rig.dir);
    assert.equal(queued.length, 1);
    assert.equal(queued[0]?.sessionId, id, 'on the session lane: it gets the CSMS transactionId at send time');
    assert.deepEqual(
      { ...queued[0]?.payload, timestamp: 'T' },
      { vendorId: driverFeedbackVendorId, messageId: driverFeedbackMessageId, rating: 4, outcome: 'charged-with-problem', problem: 'slow', comment: '<b>slow</b> & "odd"', timestamp: 'T' },
    );

    const again = await post(id, { rating: 1, outcome: 'charged' });
    assert.equal(again.statusCode, 400);
    assert.match(again.json<{ error: string }>().error, new RegExp(`^session: session ${id} already has feedback`));
    assert.equal((await rig.journal.feedback({ fromMs: 0, toMs: Date.now() + 3600_000 })).length, 1, 'the first one stays');
    assert.equal(queuedDataTransfers(rig.dir).length, 1, 'nothing queued for the refused one');
  });

  it('bad input: 400 naming the field and the value, 413 over 4 KiB; nothing stored', async () => {
    rig = await pageRig({ actionsClock: clock });
    const id = await rig.startSession();
    const cases: [unknown, RegExp][] = [
      [{ rating: 6, outcome: 'charged' }, /^rating: must be a whole number from 1 to 5, got 6$/],
      [{ rating: 0, outcome: 'charged' }, /^rating: .*, got 0$/],
      [{ rating: 2.5, outcome: 'charged' }, /^rating: .*, got 2\.5$/],
      [{ rating: '5', outcome: 'charged' }, /^rating: .*, got "5"$/],
      [{ rating: 5, outcome: 'great' }, /^outcome: .*, got "great"$/],
      [{ rating: 5, outcome: 'charged', problem: 'weather' }, /^problem: .*, got "weather"$/],
      [{ rating: 5, outcome: 'charged', comment: 'x'.repeat(501) }, /^comment: must be at most 500 characters, got "x{501}"$/],
      [{ rating: 5, outcome: 'charged', stars: 5 }, /^unknown parameter stars$/],
      [{ outcome: 'charged' }, /^rating: /],
    ];
    for (const [body, expected] of cases) {
      const res = await post(id, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.match(res.json<{ error: string }>().error, expected);
    }
    assert.equal((await post('abc', { rating: 5, outcome: 'charged' })).statusCode, 400);
    const big = await post(id, { rating: 5, outcome: 'charged', comment: 'y'.repeat(5000) });
    assert.equal(big.statusCode, 413);
    assert.equal((await post(id, '{"rating":')).statusCode, 400, 'malformed JSON');
    assert.equal((await rig.journal.feedback({ fromMs: 0, toMs: Date.now() + 3600_000 })).length, 0);
    // A comment of exactly 500 characters is taken.
    assert.equal((await post(id, { rating: 5, outcome: 'charged', comment: 'z'.repeat(500) })).statusCode, 201);
  });

  it('unknown session: 404; a session that ended more than 2 h ago: 409, saying when it closed', async () => {
    rig = await pageRig({ actionsClock: clock });
    assert.equal((await post(99, { rating: 3, outcome: 'charged' })).statusCode, 404);
    const id = await rig.startSession();
    rig.sim.world.unplug();
    await until(async () => (await rig.journal.session(id))?.unplugAtMs != null, 'the unplug journaled');
    clock.set(Date.now() + feedbackWindowMs - 60_000);
    assert.equal((await post(id, { rating: 3, outcome: 'charged' })).statusCode, 201, 'still inside the window after the unplug');
    const second = await rig.startSession();
    rig.sim.world.unplug();
    await until(async () => (await rig.journal.session(second))?.unplugAtMs != null, 'the unplug journaled');
    clock.set(Date.now() + feedbackWindowMs + 1000);
    const late = await post(second, { rating: 3, outcome: 'charged' });
    assert.equal(late.statusCode, 409);
    assert.match(late.json<{ error: string }>().error, /ended at .*feedback is taken until 2 h after a session/);
  });

  it('"could not charge" raises one operator alert for the session, and the report counts it', async () => {
    rig = await pageRig({ actionsClock: clock });
    const id = await rig.startSession();
    const res = await post(id, { rating: 1, outcome: 'could-not-charge', problem: 'connector' });
    assert.equal(res.statusCode, 201);
    const alerts = (await rig.journal.alerts()).filter((a) => a.code === couldNotChargeAlertCode);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]?.detail?.['sessionId'], id);
    assert.equal(alerts[0]?.severity, 'warn');
    const report = JSON.parse(runFeedbackReport({ stateDir: rig.dir, json: true }, { nowMs: () => Date.now() + 60_000, installed: null })) as Record<string, unknown>;
    assert.equal(report['count'], 1);
    assert.equal(report['averageRating'], 1);
    assert.deepEqual(report['outcomes'], { charged: 0, 'charged-with-problem': 0, 'could-not-charge': 1 });
    assert.deepEqual(report['problems'], { connector: 1, payment: 0, slow: 0, display: 0, other: 0 });
    assert.match(runFeedbackReport({ stateDir: rig.dir }, { nowMs: () => Date.now() + 60_000, installed: null }), /1 session rated, average 1\.00 of 5\nOutcomes: charged 0, charged-with-problem 0, could-not-charge 1\nProblems: connector 1,/);
  });

  it('without a journal behind it the route does not exist; the form script is still served', async () => {
    rig = await pageRig({ feedback: false });
    assert.equal((await post(1, { rating: 5, outcome: 'charged' })).statusCode, 404);
    const script = await rig.app.inject({ url: '/feedback.js' });
    assert.equal(script.statusCode, 200);
    assert.doesNotMatch(script.body, /innerHTML/, 'the form never turns text into markup');
  });
});

describe('web: feedback relayed from the page worker to the station thread', function () {
  this.timeout(30_000);

  it('at most 4 at a time: the fifth gets 503 while the station thread is busy, and all are answered once it is free', async () => {
    const config = parseConfig(benchConfigInput);
    const sim = await createSimStation({ config, clock: systemClock, logger: silentLogger(), meterPath: 'direct' });
    const held: (() => void)[] = [];
    const session: SessionRow = { id: 1, connectorId: 1, idTag: null, plugInAtMs: Date.now(), authorizedAtMs: null, startAtMs: Date.now(), stopAtMs: null, unplugAtMs: null, meterStartWh: 0, meterStopWh: null, stopReason: null, csmsTransactionId: null, cost: null, clockTrusted: true };
    // A journal that holds every lookup until released: the station thread is "busy" with them.
    const journal: FeedbackJournal = {
      session: () => new Promise((resolve) => held.push(() => resolve(session))),
      recordFeedback: () => Promise.resolve(1),
      raiseAlert: () => Promise.resolve(1),
    };
    const server = await startStatusServer({
      sources: { station: sim.station, config, clock: systemClock },
      logger: silentLogger(),
      host: '127.0.0.1',
      port: 0,
      actions: { feedback: { journal, clock: systemClock, connectedSessionId: () => 1 }, operator: null },
    });
    try {
      const send = (): Promise<Response> =>
        fetch(`${server.url}api/sessions/1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rating: 5, outcome: 'charged' }) });
      const first = [send(), send(), send(), send()];
      await until(() => held.length === 4, 'four requests at the station thread');
      const fifth = await send();
      assert.equal(fifth.status, 503);
      assert.match(((await fifth.json()) as { error: string }).error, /^busy/);
      for (const release of held.splice(0)) release();
      assert.deepEqual((await Promise.all(first)).map((r) => r.status), [201, 201, 201, 201]);
    } finally {
      for (const release of held.splice(0)) release();
      await server.close();
      await sim.close();
    }
  });
});
