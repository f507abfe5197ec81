import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { EvseError, EvseErrorCode } from '../../src/errors.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import { knownSchemaVersion, migrations } from '../../src/journal/migrations.js';
import { journalPath } from '../../src/journal/open.js';
import { openReadOnlyDatabase } from '../../src/journal/read-only.js';
import { AlertRecords } from '../../src/journal/store/alerts.js';
import { StoreDb } from '../../src/journal/store/db.js';
import { manualClock, openTestStore, tempStateDir } from './support/helpers.js';

const rejectsWith = (code: EvseErrorCode) => (err: unknown) => {
  assert.ok(err instanceof EvseError, String(err));
  assert.equal(err.code, code, err.message);
  return true;
};

describe('journal alerts: repeats, states, audience', function () {
  const clock = manualClock();
  let state: ReturnType<typeof tempStateDir>;
  let journal: Journal;

  beforeEach(async function () {
    state = tempStateDir();
    journal = await openJournal({ stateDir: state.dir, clock });
  });
  afterEach(async function () {
    await journal.close();
    state.cleanup();
  });

  it('a repeat of an open or acknowledged alert counts on that one (same id, count, lastAtMs); after close it is a new alert', async function () {
    const raised: [number, boolean][] = [];
    journal.onAlertRaised((id, isNew) => raised.push([id, isNew]));
    const t0 = clock.nowMs();
    const first = await journal.raiseAlert({ severity: 'warn', code: 'meter-slow', message: 'slow' });
    clock.advance(5_000);
    assert.equal(await journal.raiseAlert({ severity: 'warn', code: 'meter-slow', message: 'slow again' }), first);
    const other = await journal.raiseAlert({ severity: 'warn', code: 'meter-slow', message: 'other key', dedupKey: 'meter-slow:2' });
    assert.notEqual(other, first);
    await journal.setAlertState(first, 'acknowledged', 'cli@alice');
    clock.advance(5_000);
    assert.equal(await journal.raiseAlert({ severity: 'warn', code: 'meter-slow', message: 'still' }), first, 'acknowledged: still counted');
    const [row] = await journal.listAlerts({ states: ['acknowledged'] });
    assert.deepEqual(
      { id: row?.id, atMs: row?.atMs, lastAtMs: row?.lastAtMs, count: row?.count, message: row?.message, key: row?.dedupKey, by: row?.stateBy },
      { id: first, atMs: t0, lastAtMs: t0 + 10_000, count: 3, message: 'slow', key: 'meter-slow', by: 'cli@alice' },
    );
    await journal.setAlertState(first, 'closed', 'operator@192.168.1.20');
    const again = await journal.raiseAlert({ severity: 'warn', code: 'meter-slow', message: 'back' });
    assert.ok(again > other, 'a closed alert is never reopened');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(raised, [
      [first, true],
      [first, false],
      [other, true],
      [first, false],
      [again, true],
    ]);
  });

  it('onAlertRaised fires after raiseAlert resolved; a listener that throws harms neither the raise nor the others', async function () {
    const order: string[] = [];
    journal.onAlertRaised(() => {
      throw new Error('listener bug');
    });
    const off = journal.onAlertRaised((id) => order.push(`listener ${id}`));
    const id = await journal.raiseAlert({ severity: 'info', code: 'x', message: 'x' });
    order.push(`resolved ${id}`);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [`resolved ${id}`, `listener ${id}`]);
    off();
    await journal.raiseAlert({ severity: 'info', code: 'y', message: 'y' });
    await new Promise((r) => setImmediate(r));
    assert.equal(order.length, 2, 'unsubscribed');
  });

  it('transitions: open → acknowledged → closed, open → closed; anything else is AlertStateInvalid; an unknown id AlertNotFound', async function () {
    const a = await journal.raiseAlert({ severity: 'critical', code: 'a', message: 'a' });
    const b = await journal.raiseAlert({ severity: 'critical', code: 'b', message: 'b' });
    clock.advance(1_000);
    const acked = await journal.setAlertState(a, 'acknowledged', 'cli@bob');
    assert.deepEqual([acked.state, acked.stateAtMs, acked.stateBy], ['acknowledged', clock.nowMs(), 'cli@bob']);
    await assert.rejects(journal.setAlertState(a, 'acknowledged', 'cli@bob'), rejectsWith(EvseErrorCode.AlertStateInvalid));
    assert.equal((await journal.setAlertState(a, 'closed', 'cli@bob')).state, 'closed');
    await assert.rejects(journal.setAlertState(a, 'acknowledged', 'x'), rejectsWith(EvseErrorCode.AlertStateInvalid));
    await assert.rejects(journal.setAlertState(a, 'closed', 'x'), rejectsWith(EvseErrorCode.AlertStateInvalid));
    assert.equal((await journal.setAlertState(b, 'closed', 'auto')).state, 'closed');
    await assert.rejects(journal.setAlertState(9_999, 'closed', 'x'), rejectsWith(EvseErrorCode.AlertNotFound));
    await assert.rejects(journal.setAlertState(0, 'closed', 'x'), rejectsWith(EvseErrorCode.AlertNotFound));
    await assert.rejects(journal.setAlertState(b, 'open' as 'closed', 'x'), rejectsWith(EvseErrorCode.AlertStateInvalid));
    await assert.rejects(journal.setAlertState(b, 'closed', ' '), rejectsWith(EvseErrorCode.InvalidArgument));
  });

  it('a driver alert is born closed (by auto) and raised twice stays one alert; listAlerts filters and goes newest first', async function () {
    const op1 = await journal.raiseAlert({ severity: 'warn', code: 'anomaly-x', message: 'x' });
    clock.advance(60_000);
    const drv = await journal.raiseAlert({ severity: 'info', code: 'session-started', message: 's', audience: 'driver', dedupKey: 'session-started:1' });
    assert.equal(
      await journal.raiseAlert({ severity: 'info', code: 'session-started', message: 's', audience: 'driver', dedupKey: 'session-started:1' }),
      drv,
    );
    clock.advance(60_000);
    const op2 = await journal.raiseAlert({ severity: 'critical', code: 'fault-rcd', message: 'rcd' });
    const [driverRow] = await journal.listAlerts({ audience: 'driver' });
    assert.deepEqual([driverRow?.id, driverRow?.state, driverRow?.stateBy, driverRow?.count], [drv, 'closed', 'auto', 2]);
    assert.deepEqual((await journal.listAlerts({})).map((r) => r.id), [op2, drv, op1]);
    assert.deepEqual((await journal.listAlerts({ states: ['open', 'acknowledged'], audience: 'operator' })).map((r) => r.id), [op2, op1]);
    assert.deepEqual((await journal.listAlerts({ codePrefix: 'anomaly-' })).map((r) => r.id), [op1]);
    assert.deepEqual((await journal.listAlerts({ fromMs: clock.nowMs() - 90_000, toMs: clock.nowMs() })).map((r) => r.id), [drv]);
    assert.deepEqual((await journal.listAlerts({ limit: 1 })).map((r) => r.id), [op2]);
    assert.deepEqual(await journal.listAlerts({ states: [] }), []);
    await assert.rejects(journal.listAlerts({ limit: 0 }), rejectsWith(EvseErrorCode.InvalidArgument));
  });
});

describe('journal alerts: delivery cursors per channel', function () {
  const clock = manualClock();
  let state: ReturnType<typeof tempStateDir>;

  beforeEach(function () {
    state = tempStateDir();
  });
  afterEach(function () {
    state.cleanup();
  });

  it('a new channel starts after the newest alert; pending is oldest first, repeats are not re-sent; the cursor survives a restart', async function () {
    let journal = await openJournal({ stateDir: state.dir, clock });
    await journal.raiseAlert({ severity: 'warn', code: 'history', message: 'before the channel' });
    await journal.registerAlertChannel('webhook');
    assert.deepEqual(await journal.pendingAlerts('webhook', 10), { alerts: [], skipped: 0 });
    const a = await journal.raiseAlert({ severity: 'warn', code: 'a', message: 'a' });
    const b = await journal.raiseAlert({ severity: 'warn', code: 'b', message: 'b' });
    await journal.raiseAlert({ severity: 'warn', code: 'a', message: 'a again' });
    await journal.raiseAlert({ severity: 'warn', code: 'history', message: 'a repeat of an old one' });
    const c = await journal.raiseAlert({ severity: 'info', code: 'c', message: 'c', audience: 'driver', dedupKey: 'c:1' });
    const pending = await journal.pendingAlerts('webhook', 10);
    assert.deepEqual(pending.alerts.map((r) => r.id), [a, b, c]);
    assert.equal(pending.alerts[0]?.count, 2, 'the repeat shows as a count');
    assert.deepEqual((await journal.pendingAlerts('webhook', 2)).alerts.map((r) => r.id), [a, b]);
    await journal.confirmAlertDelivery('webhook', b);
    await journal.registerAlertChannel('webhook');
    assert.deepEqual((await journal.pendingAlerts('webhook', 10)).alerts.map((r) => r.id), [c], 'registering again keeps the cursor');
    await journal.confirmAlertDelivery('webhook', a);
    assert.deepEqual((await journal.pendingAlerts('webhook', 10)).alerts.map((r) => r.id), [c], 'the cursor never moves back');
    await journal.registerAlertChannel('email');
    await journal.close();

    journal = await openJournal({ stateDir: state.dir, clock });
    try {
      assert.deepEqual((await journal.pendingAlerts('webhook', 10)).alerts.map((r) => r.id), [c], 'after a restart');
      const d = await journal.raiseAlert({ severity: 'warn', code: 'd', message: 'd' });
      assert.deepEqual((await journal.pendingAlerts('email', 10)).alerts.map((r) => r.id), [d], 'each channel its own cursor');
      await journal.confirmAlertDelivery('email', 1_000_000);
      const e = await journal.raiseAlert({ severity: 'warn', code: 'e', message: 'e' });
      assert.deepEqual((await journal.pendingAlerts('email', 10)).alerts.map((r) => r.id), [e], 'a confirm past the newest stops at the newest');
      await assert.rejects(journal.pendingAlerts('mqtt', 10), rejectsWith(EvseErrorCode.InvalidArgument));
      await assert.rejects(journal.confirmAlertDelivery('mqtt', 1), rejectsWith(EvseErrorCode.InvalidArgument));
      await assert.rejects(journal.pendingAlerts('webhook', 0), rejectsWith(EvseErrorCode.InvalidArgument));
      await assert.rejects(journal.registerAlertChannel(''), rejectsWith(EvseErrorCode.InvalidArgument));
    } finally {
      await journal.close();
    }
  });

  it('the backlog is bounded at 1000: the oldest beyond it are skipped once, counted, and the cursor moves past them', async function () {
    let journal = await openJournal({ stateDir: state.dir, clock });
    await journal.registerAlertChannel('csms');
    await journal.close();
    // 1005 alerts in one transaction (one commit per raise through the worker would take seconds).
    const store = openTestStore(state.dir);
    store.tx(() => {
      for (let i = 1; i <= 1005; i++) store.insertAlert({ severity: 'warn', code: 'flood', message: `n${i}`, dedupKey: `flood:${i}` }, clock.nowMs());
    });
    store.close();
    journal = await openJournal({ stateDir: state.dir, clock });
    try {
      const first = await journal.pendingAlerts('csms', 3);
      assert.equal(first.skipped, 5);
      assert.deepEqual(first.alerts.map((r) => r.message), ['n6', 'n7', 'n8']);
      const second = await journal.pendingAlerts('csms', 1000);
      assert.equal(second.skipped, 0, 'skipped once: the cursor moved past them');
      assert.equal(second.alerts.length, 1000);
    } finally {
      await journal.close();
    }
  });
});

describe('journal alerts: migration and the storage that failed', function () {
  it('a file of the previous schema with alerts in it migrates: ids kept, key from detail.dedupKey or the code, open, count 1', async function () {
    const state = tempStateDir();
    const clock = manualClock();
    try {
      const db = new Database(journalPath(state.dir));
      db.exec(migrations[0] as string);
      db.pragma('user_version = 1');
      const insert = db.prepare('INSERT INTO alerts (id, at, severity, code, message, detail) VALUES (?, ?, ?, ?, ?, ?)');
      insert.run(3, 1_000, 'warn', 'anomaly-frozen-meter', 'frozen', JSON.stringify({ detector: 'frozen-meter', dedupKey: 'frozen-meter:1' }));
      insert.run(7, 2_000, 'critical', 'journal-corrupt', 'moved', JSON.stringify({ movedTo: '/x' }));
      insert.run(8, 3_000, 'info', 'plain', 'no detail', null);
      db.close();

      // The read side reads the old file as it is, without migrating it.
      const ro = openReadOnlyDatabase(state.dir);
      assert.equal(ro.pragma('user_version', { simple: true }), 1);
      ro.close();

      const journal = await openJournal({ stateDir: state.dir, clock });
      try {
        assert.equal(journal.openReport.schemaVersion, knownSchemaVersion());
        const rows = await journal.listAlerts({});
        assert.deepEqual(
          rows.map((r) => [r.id, r.dedupKey, r.state, r.count, r.audience, r.lastAtMs, r.stateAtMs, r.stateBy]),
          [
            [8, 'plain', 'open', 1, 'operator', 3_000, null, null],
            [7, 'journal-corrupt', 'open', 1, 'operator', 2_000, null, null],
            [3, 'frozen-meter:1', 'open', 1, 'operator', 1_000, null, null],
          ],
        );
        assert.deepEqual(rows[2]?.detail, { detector: 'frozen-meter', dedupKey: 'frozen-meter:1' }, 'detail as it was');
        const again = await journal.raiseAlert({ severity: 'warn', code: 'anomaly-frozen-meter', message: 'frozen', dedupKey: 'frozen-meter:1' });
        assert.equal(again, 3, 'the monitor repeating counts on the migrated alert');
        assert.ok((await journal.raiseAlert({ severity: 'info', code: 'new', message: 'n' })) > 8, 'new ids after the old ones');
      } finally {
        await journal.close();
      }
    } finally {
      state.cleanup();
    }
  });

  it('alerts the failed storage could not take are listed (id 0) and written with the next commit, counted on an open one', function () {
    const state = tempStateDir();
    try {
      const store = openTestStore(state.dir);
      const shared = new StoreDb(store.db);
      const records = new AlertRecords(shared);
      const open = records.raiseAlert({ severity: 'critical', code: 'journal-unavailable', message: 'first' }, 1_000);
      shared.unwrittenAlerts.push({ at: 2_000, alert: { severity: 'critical', code: 'journal-unavailable', message: 'again' } });
      shared.unwrittenAlerts.push({ at: 2_500, alert: { severity: 'warn', code: 'other', message: 'held' } });
      const listed = records.listAlerts({ states: ['open'] });
      assert.deepEqual(listed.map((r) => [r.id, r.code]), [
        [0, 'other'],
        [0, 'journal-unavailable'],
        [open.id, 'journal-unavailable'],
      ]);
      assert.deepEqual(records.alertGroupCounts().map((g) => [g.code, g.count]), [
        ['journal-unavailable', 1],
        ['journal-unavailable', 1],
        ['other', 1],
      ]);
      records.raiseAlert({ severity: 'info', code: 'next', message: 'the next commit' }, 3_000);
      assert.equal(shared.unwrittenAlerts.length, 0);
      const rows = records.listAlerts({});
      assert.deepEqual(rows.map((r) => [r.code, r.count, r.lastAtMs]), [
        ['next', 1, 3_000],
        ['other', 1, 2_500],
        ['journal-unavailable', 2, 2_000],
      ]);
      store.close();
    } finally {
      state.cleanup();
    }
  });
});
