import assert from 'node:assert/strict';
import { prune, liveBytes } from '../../src/journal/prune.js';
import type { JournalStore } from '../../src/journal/store.js';
import { openJournal } from '../../src/journal/journal.js';
import { manualClock, openTestStore, sampleAt, sessionStart, tempStateDir } from './support/helpers.js';
import { fillSettledJournal } from './support/old-journal.js';

const day = 86_400_000;
const t0 = Date.UTC(2026, 0, 1);

describe('journal retention and disk budget', function () {
  let state: ReturnType<typeof tempStateDir>;
  let store: JournalStore;
  beforeEach(function () {
    state = tempStateDir();
    store = openTestStore(state.dir);
  });
  afterEach(function () {
    store.close();
    state.cleanup();
  });

  /** A session of `samples` samples starting at `at`; delivered to the CSMS when `deliver`. */
  function session(at: number, samples: number, deliver: boolean): number {
    const wh = (store.lastMeterWh() ?? 0) + 1;
    const id = store.startSession(sessionStart(at, wh), at);
    for (let i = 1; i <= samples; i++) {
      store.recordSample(id, sampleAt(wh + i, at + i * 1000));
      if (i % 10 === 0) store.enqueue('MeterValues', id, { wh: wh + i }, at + i * 1000);
    }
    store.recordEvent(id, { kind: 'energy-flow-started', atMs: at + 500 });
    store.stopSession(id, { stopAtMs: at + samples * 1000, meterStopWh: wh + samples, reason: 'Local' }, at);
    if (deliver) {
      for (let m = store.head(); m && m.sessionId === id; m = store.head()) {
        store.markDelivered(m.seq, { transactionId: id, raw: null }, at);
      }
    }
    return id;
  }

  it('prunes delivered samples, events and outbox rows older than the retention, and keeps sessions', function () {
    const old = session(t0, 20, true);
    const recent = session(t0 + 30 * day, 20, true);
    const report = prune(store, t0 + 40 * day, 20 * day, 1024 * 1024 * 1024);
    assert.deepEqual([report.samples, report.events, report.outbox, report.overBudget], [20, 1, 4, false]);
    assert.equal(store.samples(old).length, 0);
    assert.equal(store.events(old).length, 0);
    assert.equal(store.session(old)?.meterStopWh, 21, 'the billing record stays');
    assert.equal(store.samples(recent).length, 20);
  });

  it('prunes closed alerts every channel delivered and operator actions past retention; open, undelivered and recent ones stay', function () {
    const alert = (code: string, at: number): number => store.raiseAlert({ severity: 'warn', code, message: code }, at).id;
    store.registerAlertChannel('webhook', t0 - day);
    store.registerAlertChannel('email', t0 - day);
    const closedSent = alert('closed-sent', t0);
    const stillOpen = alert('still-open', t0 + 1);
    const closedUnsent = alert('closed-unsent', t0 + 2);
    const closedRecent = alert('closed-recent', t0 + 30 * day);
    for (const id of [closedSent, closedUnsent, closedRecent]) store.setAlertState(id, 'closed', 'operator@test', t0 + 30 * day);
    // Both channels sent the first two; the email channel is down since.
    store.confirmAlertDelivery('webhook', closedRecent, t0 + 30 * day);
    store.confirmAlertDelivery('email', stillOpen, t0 + 3);
    // Repeated lately: an old alert that came back is as recent as its last repeat.
    const repeated = alert('repeated', t0 + 3);
    store.raiseAlert({ severity: 'warn', code: 'repeated', message: 'repeated' }, t0 + 30 * day);
    store.setAlertState(repeated, 'closed', 'operator@test', t0 + 30 * day);
    store.pageRecords.recordOperatorAction({ action: 'stop-session', args: null, ok: true, result: '{}', clientAddress: '127.0.0.1' }, t0);
    store.pageRecords.recordOperatorAction({ action: 'availability', args: { operative: true }, ok: true, result: '{}', clientAddress: '127.0.0.1' }, t0 + 30 * day);

    const report = prune(store, t0 + 40 * day, 20 * day, 1024 * 1024 * 1024);
    assert.deepEqual([report.alerts, report.operatorActions], [1, 1]);
    assert.deepEqual(
      store.alerts().map((a) => a.code).sort(),
      ['closed-recent', 'closed-unsent', 'repeated', 'still-open'],
    );
    assert.deepEqual(store.pageRecords.operatorActions(10).map((a) => a.action), ['availability']);
  });

  it('never prunes data of a session the CSMS has not acknowledged, however old', function () {
    const delivered = session(t0, 20, true);
    const undelivered = session(t0 + day, 20, false);
    const report = prune(store, t0 + 400 * day, day, 1024 * 1024 * 1024);
    assert.equal(report.samples, 20);
    assert.equal(store.samples(delivered).length, 0);
    assert.equal(store.samples(undelivered).length, 20);
    assert.equal(store.events(undelivered).length, 1);
    assert.equal(store.depth(), 4, 'Start, 2 × MeterValues, Stop still queued');
  });

  it('steps past undelivered data at the front and through many windows: every delivered old row goes', function () {
    // Dead letters: never delivered, so never pruned, and out of the way of the later sessions' delivery.
    const undelivered = session(t0, 2500, false);
    for (let m = store.head(); m && m.sessionId === undelivered; m = store.head()) store.markDead(m.seq, 'refused');
    const delivered = [1, 2, 3].map((i) => session(t0 + i * day, 1500, true));
    const recent = session(t0 + 300 * day, 30, true);
    const report = prune(store, t0 + 310 * day, 100 * day, 1024 * 1024 * 1024);
    assert.equal(report.samples, 4500);
    assert.deepEqual(delivered.map((id) => store.samples(id).length), [0, 0, 0]);
    assert.equal(store.samples(undelivered).length, 2500);
    assert.equal(store.samples(recent).length, 30);
  });

  it('keeps the samples of the open session', function () {
    const id = store.startSession(sessionStart(t0, 0), t0);
    store.recordSample(id, sampleAt(1, t0 + 1000));
    prune(store, t0 + 1000 * day, day, 1);
    assert.equal(store.samples(id).length, 1);
  });

  it('over the disk budget removes the oldest delivered data first, never undelivered data, and says when that is not enough', function () {
    const sessions = [0, 1, 2, 3].map((i) => session(t0 + i * day, 400, true));
    const undelivered = session(t0 + 5 * day, 400, false);
    const full = liveBytes(store);
    const budget = Math.floor(full * 0.8);
    const report = prune(store, t0 + 6 * day, 365 * day, budget);
    assert.ok(report.samples > 0);
    assert.ok(report.bytesAfter <= budget, `${report.bytesAfter} > ${budget}`);
    const left = sessions.map((id) => store.samples(id).length);
    assert.equal(left[0], 0, 'oldest first');
    assert.deepEqual([...left].sort((a, b) => a - b), left, `older sessions lose samples first: ${left.join(', ')}`);
    assert.equal(left[3], 400, 'the newest delivered session is kept while the budget allows');
    assert.equal(store.samples(undelivered).length, 400);

    const squeezed = prune(store, t0 + 6 * day, 365 * day, 4096);
    assert.equal(squeezed.overBudget, true);
    assert.equal(store.samples(undelivered).length, 400, 'undelivered data survives even an impossible budget');
    assert.equal(store.depth(), 42);
  });
});

describe('journal pruning in steps through the worker (issue 12 g)', function () {
  this.timeout(120_000);
  let state: ReturnType<typeof tempStateDir>;
  beforeEach(function () {
    state = tempStateDir();
  });
  afterEach(function () {
    state.cleanup();
  });

  it('serves session starts and sample commits issued during a long prune before the prune ends, and prunes it all', async function () {
    // 1500 sessions of 60 samples, a year and more past retention: 90,000 samples, 3,000 events, 4,500 outbox rows.
    const filled = fillSettledJournal(state.dir, { sessions: 1500, samplesPerSession: 60, fromMs: t0, spacingMs: 3_600_000 });
    const clock = manualClock(t0 + 800 * day);
    const journal = await openJournal({ stateDir: state.dir, synchronous: 'NORMAL', retentionDays: 30, clock });
    try {
      const order: string[] = [];
      let pruneEnded = false;
      const pruning = journal.prune().then((report) => {
        pruneEnded = true;
        order.push('prune ended');
        return report;
      });
      // The station goes on while the prune runs: a new session and its samples, one commit after the other.
      const sessionId = await journal.startSession(sessionStart(t0 + 800 * day, 1_000_000));
      order.push('session started');
      let wh = 1_000_000;
      while (!pruneEnded) {
        wh += 1;
        await journal.recordSample(sessionId, sampleAt(wh, t0 + 800 * day + wh));
        if (!pruneEnded) order.push('sample committed');
      }
      const report = await pruning;
      assert.equal(order[0], 'session started', `the session start waited for the whole prune: ${order.slice(0, 3).join(', ')}`);
      const during = order.filter((o) => o === 'sample committed').length;
      assert.ok(during >= 5, `only ${during} sample commits were served while the prune ran`);
      assert.deepEqual([report.samples, report.events, report.outbox, report.overBudget], [filled.samples, filled.events, filled.outbox, false]);
      assert.ok(report.bytesAfter < report.bytesBefore, `${report.bytesAfter} >= ${report.bytesBefore}`);
      assert.equal((await journal.samples(sessionId)).length, wh - 1_000_000, 'every sample committed during the prune is kept');
      assert.equal((await journal.sessions({ fromMs: 0, toMs: t0 + 900 * day })).length, 1501, 'billing records are kept');
    } finally {
      await journal.close();
    }
  });

  it('a second prune() while one runs joins it instead of running twice', async function () {
    fillSettledJournal(state.dir, { sessions: 200, samplesPerSession: 20, fromMs: t0, spacingMs: 3_600_000 });
    const journal = await openJournal({ stateDir: state.dir, synchronous: 'NORMAL', retentionDays: 30, clock: manualClock(t0 + 400 * day) });
    try {
      const [a, b] = await Promise.all([journal.prune(), journal.prune()]);
      assert.equal(a, b);
      assert.equal(a.samples, 4000);
      const again = await journal.prune();
      assert.equal(again.samples, 0);
    } finally {
      await journal.close();
    }
  });
});
