import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EvseErrorCode, type EvseError } from '../../src/errors.js';
import { optionalLaneSql } from '../../src/journal/ports.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import type { JournalStore } from '../../src/journal/store.js';
import { manualClock, openTestStore, sampleAt, sessionStart, tempStateDir } from './support/helpers.js';

describe('journal outbox (worker)', function () {
  const clock = manualClock();
  let state: ReturnType<typeof tempStateDir>;
  let journal: Journal;

  before(async function () {
    state = tempStateDir();
    journal = await openJournal({ stateDir: state.dir, clock });
  });
  after(async function () {
    await journal.close();
    state.cleanup();
  });

  async function drain(): Promise<void> {
    for (let m = await journal.head(); m; m = await journal.head()) {
      await journal.markDelivered(m.seq, m.kind === 'StartTransaction' ? { transactionId: 1, raw: null } : { raw: null });
    }
  }

  it('hands out Start, MeterValues, Stop strictly in order, one head at a time, ignoring back-off', async function () {
    const id = await journal.startSession(sessionStart(clock.nowMs(), 100));
    await journal.recordSample(id, sampleAt(101, clock.nowMs()));
    await journal.enqueue('MeterValues', id, { meterValue: [{ sampledValue: [{ value: '101' }] }] });
    await journal.stopSession(id, { stopAtMs: clock.nowMs(), meterStopWh: 102, reason: 'Local' });
    const start = await journal.head();
    assert.equal(start?.kind, 'StartTransaction');
    await journal.markFailed(start.seq, 'offline', clock.nowMs() + 60_000);
    const retried = await journal.head();
    assert.deepEqual([retried?.seq, retried?.attempts, retried?.nextAttemptAtMs], [start.seq, 1, clock.nowMs() + 60_000]);
    assert.equal(await journal.depth(), 3);

    await journal.markDelivered(start.seq, { transactionId: 4711, idTagStatus: 'Accepted', raw: { transactionId: 4711 } });
    assert.equal(await journal.transactionIdFor(id), 4711);
    const meterValues = await journal.head();
    assert.equal(meterValues?.kind, 'MeterValues');
    await journal.markDelivered(meterValues.seq, { raw: {} });
    const stop = await journal.head();
    assert.equal(stop?.kind, 'StopTransaction');
    assert.equal('transactionId' in stop.payload, false);
    await journal.markDelivered(stop.seq, { raw: {} });
    assert.equal(await journal.head(), null);
    assert.equal(await journal.depth(), 0);
  });

  it('records the StartTransaction answer and the delivery in one step; a repeated markDelivered changes nothing', async function () {
    const id = await journal.startSession(sessionStart(clock.nowMs(), 200));
    const start = await journal.head();
    assert.ok(start);
    await assert.rejects(journal.markDelivered(start.seq, { raw: {} }), /needs an integer transactionId/);
    assert.equal(await journal.transactionIdFor(id), null);
    assert.equal((await journal.head())?.seq, start.seq, 'a rejected answer leaves the message undelivered');
    await journal.markDelivered(start.seq, { transactionId: 77, raw: {} });
    await journal.markDelivered(start.seq, { transactionId: 78, raw: {} });
    assert.equal(await journal.transactionIdFor(id), 77);
    await journal.stopSession(id, { stopAtMs: clock.nowMs(), meterStopWh: 200, reason: 'Local' });
    await drain();
  });

  it('keeps a dead letter (never deleted) and moves on to the next message', async function () {
    const seq = await journal.enqueue('StatusNotification', null, { connectorId: 1, status: 'Available', errorCode: 'NoError' });
    const next = await journal.enqueue('SecurityEventNotification', null, { type: 'StartupOfTheDevice' });
    await journal.markDead(seq, 'rejected by CSMS');
    assert.equal((await journal.head())?.seq, next);
    await assert.rejects(journal.markDelivered(seq, { raw: {} }), /dead letter/);
    await assert.rejects(journal.markFailed(seq, 'x', 0), /dead, not pending/);
    await drain();
  });

  it('two lanes: transaction messages in seq order, optional ones beside them; head() without a lane is the oldest of both', async function () {
    const status = await journal.enqueue('StatusNotification', null, { connectorId: 1, status: 'Preparing', errorCode: 'NoError' });
    const id = await journal.startSession(sessionStart(clock.nowMs(), 400));
    const unplugged = await journal.enqueue('DataTransfer', id, { vendorId: 'v', messageId: 'ConnectorUnplugged' });
    const vendor = await journal.enqueue('DataTransfer', null, { vendorId: 'v' });
    assert.equal((await journal.head())?.seq, status);
    assert.equal((await journal.head('optional'))?.seq, status);
    const start = await journal.head('transaction');
    assert.equal(start?.kind, 'StartTransaction');
    await journal.markFailed(status, 'InternalError', clock.nowMs() + 60_000);
    assert.equal((await journal.head('transaction'))?.seq, start?.seq, 'an optional message in retry holds nothing');
    await journal.markDelivered(start?.seq ?? 0, { transactionId: 9, raw: {} });
    assert.equal((await journal.head('transaction'))?.seq, unplugged, "a session's DataTransfer is a transaction message");
    await journal.drop(status, 'NotImplemented');
    assert.equal((await journal.head('optional'))?.seq, vendor);
    await assert.rejects(journal.drop(unplugged + 1000, 'x'), /no outbox message/);
    await journal.stopSession(id, { stopAtMs: clock.nowMs(), meterStopWh: 401, reason: 'Local' });
    const stop = await journal.head('transaction');
    assert.equal(stop?.seq, unplugged);
    await drain();
    await assert.rejects(journal.drop(stop?.seq ?? 0, 'x'), /not pending/);
  });

  it('a dead StartTransaction takes its pending messages with it in one step, and what the session queues later is stored dead', async function () {
    const id = await journal.startSession(sessionStart(clock.nowMs(), 500));
    const mv1 = await journal.enqueue('MeterValues', id, { wh: 501 });
    const mv2 = await journal.enqueue('MeterValues', id, { wh: 502 });
    const other = await journal.enqueue('StatusNotification', null, { connectorId: 1, status: 'Charging', errorCode: 'NoError' });
    const start = await journal.head('transaction');
    assert.equal(start?.kind, 'StartTransaction');
    await assert.rejects(journal.drop(start?.seq ?? 0, 'x'), /only optional messages may be dropped/);
    assert.deepEqual(await journal.markDead(start?.seq ?? 0, 'InternalError'), { followers: [mv1, mv2] });
    assert.equal(await journal.head('transaction'), null);
    await journal.enqueue('MeterValues', id, { wh: 503 });
    await journal.stopSession(id, { stopAtMs: clock.nowMs(), meterStopWh: 503, reason: 'Local' });
    assert.equal(await journal.head('transaction'), null, 'the later MeterValues and the Stop are dead letters at once');
    assert.equal(await journal.depth(), 1);
    assert.equal((await journal.head())?.seq, other);
    assert.equal(await journal.transactionIdFor(id), null);
    await drain();
  });

  it('refuses Start/Stop through enqueue, unknown kinds, and MeterValues after the session stopped', async function () {
    await assert.rejects(journal.enqueue('StartTransaction', null, {}), (err: EvseError) => err.code === EvseErrorCode.InvalidArgument);
    await assert.rejects(journal.enqueue('StopTransaction', null, {}), /queued by startSession\/stopSession/);
    await assert.rejects(journal.enqueue('Heartbeat' as 'MeterValues', null, {}), /unknown outbox kind "Heartbeat"/);
    const id = await journal.startSession(sessionStart(clock.nowMs(), 300));
    await journal.stopSession(id, { stopAtMs: clock.nowMs(), meterStopWh: 301, reason: 'Local' });
    await assert.rejects(journal.enqueue('MeterValues', id, {}), /would follow StopTransaction/);
    await assert.rejects(journal.enqueue('MeterValues', 424242, {}), /no session 424242/);
    await drain();
  });
});

describe('journal outbox FIFO (property, store level)', function () {
  type Op = { op: 'start' } | { op: 'meter' } | { op: 'stop' } | { op: 'status' } | { op: 'deliver' } | { op: 'fail' } | { op: 'dead' };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.constant({ op: 'start' as const }),
    fc.constant({ op: 'meter' as const }),
    fc.constant({ op: 'stop' as const }),
    fc.constant({ op: 'status' as const }),
    fc.constant({ op: 'deliver' as const }),
    fc.constant({ op: 'fail' as const }),
    fc.constant({ op: 'dead' as const }),
  );

  it('head() is always the oldest pending message, and each session reads Start, MeterValues…, Stop', function () {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        const state = tempStateDir();
        let store: JournalStore | undefined;
        try {
          store = openTestStore(state.dir);
          const model: { kind: string; sessionId: number | null }[] = [];
          const delivered: { kind: string; sessionId: number | null }[] = [];
          let open: number | null = null;
          let wh = 0;
          for (const { op } of ops) {
            const now = 1_000_000 + wh;
            if (op === 'start' && open === null) {
              open = store.startSession(sessionStart(now, wh), now);
              model.push({ kind: 'StartTransaction', sessionId: open });
            } else if (op === 'meter' && open !== null) {
              wh += 5;
              store.recordSample(open, sampleAt(wh, now));
              store.enqueue('MeterValues', open, { wh }, now);
              model.push({ kind: 'MeterValues', sessionId: open });
            } else if (op === 'stop' && open !== null) {
              store.stopSession(open, { stopAtMs: now, meterStopWh: wh, reason: 'Local' }, now);
              model.push({ kind: 'StopTransaction', sessionId: open });
              open = null;
            } else if (op === 'status') {
              store.enqueue('StatusNotification', null, { status: 'Available' }, now);
              model.push({ kind: 'StatusNotification', sessionId: null });
            } else if (op === 'deliver' || op === 'fail' || op === 'dead') {
              const head = store.head();
              const expected = model[0];
              assert.equal(head?.kind, expected?.kind);
              assert.equal(head?.sessionId ?? null, expected?.sessionId ?? null);
              if (!head) continue;
              if (op === 'fail') {
                store.markFailed(head.seq, 'offline', now + 1000);
                continue;
              }
              if (op === 'dead' && head.kind !== 'StartTransaction') store.markDead(head.seq, 'gave up');
              else store.markDelivered(head.seq, { transactionId: head.seq, raw: null }, now);
              model.shift();
              if (op !== 'dead' || head.kind === 'StartTransaction') delivered.push({ kind: head.kind, sessionId: head.sessionId });
            }
          }
          assert.equal(store.depth(), model.length);
          // Per session, whatever was delivered came as Start, MeterValues…, Stop.
          const bySession = new Map<number, string[]>();
          for (const d of delivered) if (d.sessionId !== null) bySession.set(d.sessionId, [...(bySession.get(d.sessionId) ?? []), d.kind]);
          for (const kinds of bySession.values()) {
            assert.equal(kinds[0], 'StartTransaction');
            assert.equal(kinds.filter((k) => k === 'StartTransaction').length, 1);
            const stopAt = kinds.indexOf('StopTransaction');
            assert.ok(stopAt === -1 || stopAt === kinds.length - 1);
          }
        } finally {
          store?.close();
          state.cleanup();
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('journal outbox lanes (store level)', function () {
  it("the optional lane's head is found through an index on session_id, not by scanning the transaction backlog", function () {
    const state = tempStateDir();
    const store = openTestStore(state.dir);
    try {
      const plan = store.db
        .prepare(`EXPLAIN QUERY PLAN SELECT * FROM outbox WHERE state = 'pending' AND ${optionalLaneSql} ORDER BY seq LIMIT 1`)
        .all() as { detail: string }[];
      assert.ok(plan.some((p) => p.detail.includes('USING INDEX outbox_session (session_id=?')), JSON.stringify(plan));
      const id = store.startSession(sessionStart(1_000_000, 0), 1_000_000);
      store.enqueue('MeterValues', id, { wh: 1 }, 1_000_000);
      const status = store.enqueue('StatusNotification', null, { status: 'Charging' }, 1_000_000);
      const mv = store.enqueue('MeterValues', null, { wh: 2 }, 1_000_000);
      assert.equal(store.head('optional')?.seq, status);
      store.drop(status, 'NotImplemented');
      assert.equal(store.head('optional')?.seq, mv, 'MeterValues of no session are optional too');
      assert.throws(() => store.drop(mv, 'NotImplemented'), /only optional messages may be dropped/);
    } finally {
      store.close();
      state.cleanup();
    }
  });
});
