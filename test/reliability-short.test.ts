import assert from 'node:assert/strict';
import { EvseError, EvseErrorCode } from '../src/errors.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { compare } from './reliability/parts/crash.js';
import { compare201, type Journal201Session } from './reliability/parts/crash-201.js';
import { compareDelivery } from './reliability/parts/journal-uplink.js';
import { compareDelivery201 } from './reliability/parts/delivery-201.js';
import { judge, type Mutation } from './reliability/parts/config-fuzz.js';
import { parts } from './reliability/parts/index.js';
import { holds, type Row } from './reliability/parts/row.js';
import { formatTable } from './reliability/table.js';
import type { LedgerEntry } from './reliability/parts/csms-process.js';

/**
 * The short run of every part of `npm run test:reliability` (test/reliability/run.ts), so each part is exercised on
 * every CI: each figure must hold, exactly as in the full run, only at a smaller scale.
 */
describe('reliability suite, short run of each part', function () {
  for (const p of parts) {
    it(`${p.name}: every figure holds`, async function () {
      this.timeout(180_000);
      const rows: Row[] = await p.run({ scale: 'quick' });
      assert.ok(rows.length > 0, 'the part reports figures');
      const failed = rows.filter((r) => !holds(r));
      assert.deepEqual(failed, [], `\n${formatTable(rows)}`);
    });
  }
});

describe('reliability suite, its own counting', () => {
  const start = (tx: number, meterStart: number, timestamp: string): LedgerEntry => ({
    method: 'StartTransaction',
    identity: 'CP-CRASH',
    params: { connectorId: 1, idTag: 'A', meterStart, timestamp },
    answer: { transactionId: tx },
    atMs: 0,
  });
  const stop = (tx: number, meterStop: number): LedgerEntry => ({
    method: 'StopTransaction',
    identity: 'CP-CRASH',
    params: { transactionId: tx, meterStop, timestamp: 't', reason: 'Local' },
    answer: {},
    atMs: 0,
  });

  it('crash consistency counts a duplicated Start, a duplicated Stop, a lost session and a Wh mismatch', () => {
    const sessions = [
      { id: 1, start: 100, stop: 200, startPayload: { meterStart: 100, timestamp: 'a' } },
      { id: 2, start: 200, stop: 300, startPayload: { meterStart: 200, timestamp: 'b' } },
      { id: 3, start: 300, stop: 300, startPayload: { meterStart: 300, timestamp: 'c' } },
    ];
    const ledger = [start(1, 100, 'a'), start(2, 100, 'a'), stop(1, 200), stop(2, 200), start(3, 200, 'b'), stop(3, 290)];
    const f = compare(sessions, new Map([[1, 100], [2, 200], [3, 300], [4, 300]]), ledger);
    assert.deepEqual(f, { lostNotJournaled: 1, lostNoStart: 1, lostNoStop: 0, duplicateStarts: 1, duplicateStops: 1, resent: 0, duplicatesInWindow: 0, whMismatch: 10 });
    // The same Start and Stop re-sent and answered with the same transactionId: re-sends, not distinct transactions.
    const resentLedger = [start(1, 100, 'a'), start(1, 100, 'a'), stop(1, 200), stop(1, 200)];
    assert.deepEqual(compare(sessions.slice(0, 1), new Map([[1, 100]]), resentLedger), {
      lostNotJournaled: 0,
      lostNoStart: 0,
      lostNoStop: 0,
      duplicateStarts: 0,
      duplicateStops: 0,
      resent: 2,
      duplicatesInWindow: 0,
      whMismatch: 0,
    });
    // A kill 500 ms after the first copies were answered: both duplicates lie in the at-least-once window.
    assert.equal(compare(sessions, new Map(), ledger, [500]).duplicatesInWindow, 2);
    assert.equal(compare(sessions, new Map(), ledger, [5000]).duplicatesInWindow, 0);
    assert.deepEqual(compare(sessions.slice(0, 2), new Map([[1, 100]]), [start(1, 100, 'a'), stop(1, 200), start(3, 200, 'b'), stop(3, 300)]), {
      lostNotJournaled: 0,
      lostNoStart: 0,
      lostNoStop: 0,
      duplicateStarts: 0,
      duplicateStops: 0,
      resent: 0,
      duplicatesInWindow: 0,
      whMismatch: 0,
    });
  });

  describe('crash consistency 2.0.1', () => {
    const tx = (txId: string, seqNo: number, eventType: string, wh: number | null, extra: Record<string, unknown> = {}): LedgerEntry => ({
      method: 'TransactionEvent',
      identity: 'CP-201',
      params: {
        eventType,
        seqNo,
        timestamp: `t${seqNo}`,
        triggerReason: eventType === 'Updated' ? 'MeterValuePeriodic' : 'Authorized',
        transactionInfo: { transactionId: txId },
        ...(wh === null ? {} : { meterValue: [{ timestamp: `t${seqNo}`, sampledValue: [{ value: wh, unitOfMeasure: { unit: 'Wh' } }] }] }),
        ...extra,
      },
      answer: {},
      atMs: 0,
    });
    const session = (id: number, txId: string, start: number, stop: number, events: number, recovered = false): Journal201Session => ({ id, txId, start, stop, events, dead: [], recovered });
    // Session 1: Started 0, Updated 1, Ended 2; session 2 (killed mid-transaction): Started 0, Ended 1.
    const sessions = [session(1, 'tx-a', 100, 200, 3), session(2, 'tx-b', 200, 250, 2, true)];
    const good = [tx('tx-a', 0, 'Started', 100), tx('tx-a', 1, 'Updated', 150), tx('tx-a', 2, 'Ended', 200), tx('tx-b', 0, 'Started', 200), tx('tx-b', 1, 'Ended', 250, { offline: true })];
    const clean = {
      lostNotJournaled: 0,
      lostNoStarted: 0,
      lostNoEnded: 0,
      doubleStarted: 0,
      doubleEnded: 0,
      seqNoGaps: 0,
      seqNoRepeats: 0,
      outOfOrder: 0,
      unknownTransactions: 0,
      recoveredContinued: 1,
      resent: 0,
      resentInWindow: 0,
      resentOutside: [],
      offlineEvents: 1,
      whMismatch: 0,
    };
    const printed = new Map([[1, 100], [2, 200]]);

    it('a complete ledger gives zeros, and an identical copy is a re-send (in the window of a kill after it)', () => {
      assert.deepEqual(compare201(sessions, printed, good, 'CP-201'), clean);
      // A station on connection 1 got every answer at atMs 0; a copy of seqNo 1 came at 2000 on connection 2. A kill
      // 500 ms after the answer (before its commit) explains the copy; a kill 1500 ms after (time to commit) or 6 s
      // before, none, or the copy on the same connection (no restart, no reconnect) does not.
      const on = (e: LedgerEntry, connection: number, atMs = e.atMs): LedgerEntry => ({ ...e, connection, atMs });
      const first = good.map((e) => on(e, 1));
      const again = on(tx('tx-a', 1, 'Updated', 150), 2, 2000);
      assert.deepEqual(compare201(sessions, printed, [...first, again], 'CP-201', [500]), { ...clean, resent: 1, resentInWindow: 1 });
      assert.deepEqual(compare201(sessions, printed, [...first, again], 'CP-201', [1500]).resentOutside, [{ transactionId: 'tx-a', seqNo: 1, sameConnection: false, killAfterAnswerMs: 1500, copyAfterMs: 2000 }]);
      assert.equal(compare201(sessions, printed, [...first, again], 'CP-201', [-6000]).resentOutside.length, 1);
      assert.deepEqual(compare201(sessions, printed, [...first, again], 'CP-201', []).resentOutside, [{ transactionId: 'tx-a', seqNo: 1, sameConnection: false, killAfterAnswerMs: null, copyAfterMs: 2000 }]);
      assert.equal(compare201(sessions, printed, [...first, on(again, 1)], 'CP-201', [500]).resentOutside[0]?.sameConnection, true);
      // The station was killed at 500 and the loaded CSMS answered its seqNo 1 from the socket buffer at 3000: nothing
      // could be committed, the copy (at 4000, by the next station) is explained.
      const late = first.map((e) => (e.params['seqNo'] === 1 ? on(e, 1, 3000) : e));
      assert.equal(compare201(sessions, printed, [...late, on(again, 2, 4000)], 'CP-201', [500]).resentInWindow, 1);
      // Another station's events are not this one's.
      assert.deepEqual(compare201(sessions, printed, [...good, { ...tx('tx-a', 5, 'Started', 1), identity: 'CP-OTHER' }], 'CP-201'), clean);
    });

    it('counts a seqNo gap, a repeated seqNo, a number never given, and out-of-order delivery', () => {
      const gap = good.filter((e) => e !== good[1]);
      assert.equal(compare201(sessions, printed, gap, 'CP-201').seqNoGaps, 1);
      // seqNo 1 carrying another event than its first copy: a repeated number.
      assert.equal(compare201(sessions, printed, [...good, tx('tx-a', 1, 'Updated', 160)], 'CP-201').seqNoRepeats, 1);
      assert.equal(compare201(sessions, printed, [...good, tx('tx-a', 3, 'Updated', 180)], 'CP-201').seqNoRepeats, 1);
      const swapped = [good[0]!, good[2]!, good[1]!, ...good.slice(3)];
      assert.equal(compare201(sessions, printed, swapped, 'CP-201').outOfOrder, 1);
    });

    it('counts a second Started, a second Ended, a lost Started or Ended and a transactionId the journal does not know', () => {
      // The journal numbered 4 events for tx-a; the CSMS got two Started and two Ended.
      const four = [session(1, 'tx-a', 100, 200, 4), sessions[1]!];
      const doubled = [tx('tx-a', 0, 'Started', 100), tx('tx-a', 1, 'Started', 100), tx('tx-a', 2, 'Ended', 200), tx('tx-a', 3, 'Ended', 200), ...good.slice(3)];
      const f = compare201(four, printed, doubled, 'CP-201');
      assert.equal(f.doubleStarted, 1);
      assert.equal(f.doubleEnded, 1);
      // A restart that made up a new id for the killed session: its Ended lands under an unknown transaction.
      const newId = [...good.slice(0, 4), tx('tx-new', 1, 'Ended', 250)];
      const g = compare201(sessions, printed, newId, 'CP-201');
      assert.equal(g.lostNoEnded, 1);
      assert.equal(g.unknownTransactions, 1);
      assert.equal(g.recoveredContinued, 0);
      assert.equal(compare201(sessions, printed, good.slice(1), 'CP-201').lostNoStarted, 1);
      assert.equal(compare201(sessions, new Map([...printed, [3, 250]]), good, 'CP-201').lostNotJournaled, 1);
    });

    it('counts a Wh mismatch of the Started, the Ended, an Updated outside the session and a missing register', () => {
      assert.equal(compare201(sessions, printed, [tx('tx-a', 0, 'Started', 90), ...good.slice(1)], 'CP-201').whMismatch, 10);
      assert.equal(compare201(sessions, printed, [...good.slice(0, 2), tx('tx-a', 2, 'Ended', 207), ...good.slice(3)], 'CP-201').whMismatch, 7);
      assert.equal(compare201(sessions, printed, [good[0]!, tx('tx-a', 1, 'Updated', 230), ...good.slice(2)], 'CP-201').whMismatch, 30);
      assert.equal(compare201(sessions, printed, [...good.slice(0, 4), tx('tx-b', 1, 'Ended', null)], 'CP-201').whMismatch, 250);
      // A register in kWh is compared in Wh.
      const kwh = tx('tx-a', 2, 'Ended', null, { meterValue: [{ timestamp: 't2', sampledValue: [{ value: 0.2, unitOfMeasure: { unit: 'kWh' } }] }] });
      assert.equal(compare201(sessions, printed, [...good.slice(0, 2), kwh, ...good.slice(3)], 'CP-201').whMismatch, 0);
    });
  });

  it('configuration fuzz counts an accepted config, a wrong code and a message that names another field', () => {
    const m: Mutation = { kind: 'out of range', path: ['limits', 'cableMaxA'], named: 'limits.cableMaxA', config: {} };
    assert.match(judge(m, null) ?? '', /accepted/);
    assert.match(judge(m, new EvseError(EvseErrorCode.ConfigNotFound, 'limits.cableMaxA')) ?? '', /not ConfigInvalid/);
    assert.match(judge(m, new EvseError(EvseErrorCode.ConfigInvalid, 'config is invalid:\n  web.port: too big')) ?? '', /does not name/);
    assert.equal(judge(m, new EvseError(EvseErrorCode.ConfigInvalid, 'config is invalid:\n  limits.cableMaxA: too big (got 1e15)')), null);
  });

  it('delivery check counts a lost, a duplicated, an out-of-order message and a wrong transactionId', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evse-rel-self-'));
    try {
      const db = new Database(join(dir, 'journal.db'));
      db.exec("CREATE TABLE outbox (seq INTEGER PRIMARY KEY, kind TEXT, session_id INTEGER, payload TEXT, state TEXT)");
      const insert = db.prepare('INSERT INTO outbox (seq, kind, session_id, payload, state) VALUES (?, ?, ?, ?, ?)');
      const mv = (ts: string) => ({ connectorId: 1, meterValue: [{ timestamp: ts, sampledValue: [] }] });
      insert.run(1, 'StartTransaction', 1, JSON.stringify({ meterStart: 10, timestamp: 's1' }), 'delivered');
      insert.run(2, 'MeterValues', 1, JSON.stringify(mv('m1')), 'delivered');
      insert.run(3, 'StopTransaction', 1, JSON.stringify({ meterStop: 20, timestamp: 'e1' }), 'delivered');
      insert.run(4, 'StartTransaction', 2, JSON.stringify({ meterStart: 20, timestamp: 's2' }), 'pending');
      insert.run(5, 'StopTransaction', 2, JSON.stringify({ meterStop: 30, timestamp: 'e2' }), 'dead');
      db.close();
      const e = (method: LedgerEntry['method'], params: Record<string, unknown>, answer: unknown = {}): LedgerEntry => ({ method, identity: 'CP-REL', params, answer, atMs: 0 });
      const ledger = [
        e('StartTransaction', { meterStart: 10, timestamp: 's1' }, { transactionId: 7 }),
        e('StopTransaction', { transactionId: 7, meterStop: 20, timestamp: 'e1' }),
        e('MeterValues', { transactionId: 8, ...mv('m1') }),
        e('StopTransaction', { transactionId: 7, meterStop: 20, timestamp: 'e1' }),
        e('StopTransaction', { transactionId: 7, meterStop: 30, timestamp: 'e2' }),
      ];
      assert.deepEqual(compareDelivery(dir, ledger), { queued: 5, lost: 1, duplicated: 1, wrongId: 2, outOfOrder: 1, unexpected: 0, dead: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('2.0.1 delivery check counts a lost, a duplicated, an out-of-order, a wrong-type and an unknown event, and a wrong offline flag', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evse-rel-self201-'));
    try {
      const db = new Database(join(dir, 'journal.db'));
      db.exec('CREATE TABLE sessions (id INTEGER PRIMARY KEY, tx_uid TEXT); CREATE TABLE outbox (seq INTEGER PRIMARY KEY, kind TEXT, session_id INTEGER, tx_seq_no INTEGER, state TEXT)');
      db.prepare("INSERT INTO sessions VALUES (1, 'tx-a')").run();
      const insert = db.prepare('INSERT INTO outbox VALUES (?, ?, 1, ?, ?)');
      // Started 0, Updated 1, Updated 2, Ended 3.
      for (const [seq, kind, seqNo] of [[1, 'StartTransaction', 0], [2, 'MeterValues', 1], [3, 'MeterValues', 2], [4, 'StopTransaction', 3]] as const) insert.run(seq, kind, seqNo, 'delivered');
      db.close();
      const ev = (seqNo: number, eventType: string, offline = false, tx = 'tx-a'): LedgerEntry => ({
        method: 'TransactionEvent',
        identity: 'CP-REL',
        params: { eventType, seqNo, ...(offline ? { offline: true } : {}), transactionInfo: { transactionId: tx } },
        answer: {},
        atMs: 0,
      });
      // Written: Start online, two readings offline, Stop across a cut (not judged).
      const written = [
        { sessionId: 1, kind: 'StartTransaction', before: true, after: true },
        { sessionId: 1, kind: 'MeterValues', before: false, after: false },
        { sessionId: 1, kind: 'MeterValues', before: false, after: false },
        { sessionId: 1, kind: 'StopTransaction', before: true, after: false },
      ];
      const good = [ev(0, 'Started'), ev(1, 'Updated', true), ev(2, 'Updated', true), ev(3, 'Ended')];
      const clean = { queued: 4, lost: 0, duplicated: 0, outOfOrder: 0, wrongEvent: 0, unexpected: 0, dead: 0, offlineMissing: 0, offlineWrong: 0, certain: { offline: 2, online: 1 } };
      assert.deepEqual(compareDelivery201(dir, good, 'CP-REL', written), clean);
      const bad = [ev(0, 'Started', true), ev(2, 'Updated'), ev(1, 'Updated', true), ev(1, 'Updated', true), ev(3, 'Started'), ev(4, 'Updated'), ev(0, 'Started', false, 'tx-b')];
      assert.deepEqual(compareDelivery201(dir, bad, 'CP-REL', written), { ...clean, duplicated: 1, outOfOrder: 1, wrongEvent: 1, unexpected: 2, offlineMissing: 1, offlineWrong: 1 });
      assert.equal(compareDelivery201(dir, good.slice(0, 3), 'CP-REL', written).lost, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
