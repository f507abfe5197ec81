import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { JournalStore } from '../../../src/journal/store.js';
import { recoverOpenSessions } from '../../../src/journal/recovery.js';
import { openTestStore, sessionStart, tempStateDir } from '../../journal/support/helpers.js';

const T0 = Date.UTC(2026, 10, 30, 8, 0, 0);

type Op =
  | { readonly op: 'start' }
  | { readonly op: 'meter' }
  | { readonly op: 'updated' }
  | { readonly op: 'status' }
  | { readonly op: 'deliver'; readonly n: number }
  | { readonly op: 'stop' }
  | { readonly op: 'reboot' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ op: 'start' }),
  fc.constant<Op>({ op: 'meter' }),
  fc.constant<Op>({ op: 'updated' }),
  fc.constant<Op>({ op: 'status' }),
  fc.integer({ min: 1, max: 5 }).map<Op>((n) => ({ op: 'deliver', n })),
  fc.constant<Op>({ op: 'stop' }),
  fc.constant<Op>({ op: 'reboot' }),
);

describe('OCPP 2.0.1 transactionId and seqNo in the journal', function () {
  it('the station authors a transactionId per session (≤ 36 chars, unique) and numbers Start, Updated…, Ended from 0', function () {
    const state = tempStateDir();
    const store = openTestStore(state.dir, T0);
    try {
      const a = store.startSession(sessionStart(T0, 100), T0);
      store.enqueue('TransactionEvent', a, { timestamp: new Date(T0).toISOString(), triggerReason: 'ChargingStateChanged', chargingState: 'Charging' }, T0);
      store.enqueue('StatusNotification', null, { connectorId: 1 }, T0);
      store.stopSession(a, { stopAtMs: T0 + 1000, meterStopWh: 200, reason: 'Local' }, T0);
      const b = store.startSession(sessionStart(T0 + 60_000, 200), T0 + 60_000);
      const seen: { kind: string; session: number | null; id?: string; seqNo?: number | null }[] = [];
      for (let m = store.head('transaction'); m; m = store.head('transaction')) {
        seen.push({ kind: m.kind, session: m.sessionId, ...(m.transaction ? { id: m.transaction.id, seqNo: m.transaction.seqNo } : {}) });
        store.markDelivered(m.seq, m.kind === 'StartTransaction' && m.transaction ? { stationTransactionId: m.transaction.id, raw: {} } : { raw: {} }, T0);
      }
      const status = store.head('optional');
      assert.equal(status?.transaction, undefined, 'a message of no session has no transaction');
      assert.deepEqual(seen.map((s) => [s.kind, s.session, s.seqNo]), [
        ['StartTransaction', a, 0],
        ['TransactionEvent', a, 1],
        ['StopTransaction', a, 2],
        ['StartTransaction', b, 0],
      ]);
      const ids = new Set(seen.map((s) => s.id));
      assert.equal(ids.size, 2);
      for (const id of ids) assert.ok(id !== undefined && id.length <= 36 && id.length > 0);
      assert.equal(store.transactionIdFor(a), null, 'no CSMS id is stored for a 2.0.1 delivery');
    } finally {
      store.close();
      state.cleanup();
    }
  });

  it('a Start delivered under another transactionId than its session\'s is refused (never marks the wrong one delivered)', function () {
    const state = tempStateDir();
    const store = openTestStore(state.dir, T0);
    try {
      store.startSession(sessionStart(T0, 100), T0);
      const start = store.head('transaction');
      assert.ok(start);
      assert.throws(() => store.markDelivered(start.seq, { stationTransactionId: 'someone-else', raw: {} }, T0), /not its session's/);
      assert.throws(() => store.markDelivered(start.seq, { raw: {} }, T0), /needs an integer transactionId/, 'the 1.6 guard stands');
      assert.equal(store.head('transaction')?.seq, start.seq);
      assert.throws(() => store.enqueue('TransactionEvent', null, { triggerReason: 'Trigger' }, T0), /belongs to a session/);
      // 2.0.1: a dead Start keeps its followers pending, and what the session queues later is pending too.
      const session = start.sessionId ?? -1;
      store.enqueue('TransactionEvent', session, { timestamp: new Date(T0).toISOString(), triggerReason: 'Trigger' }, T0);
      assert.deepEqual(store.markDead(start.seq, 'refused', { keepFollowers: true }), { followers: [] });
      store.enqueue('MeterValues', session, { connectorId: 1, meterValue: [] }, T0);
      assert.equal(store.depth(), 2);
      assert.equal(store.head('transaction')?.transaction?.seqNo, 1);
    } finally {
      store.close();
      state.cleanup();
    }
  });

  it('property: across reboots (journal closed and reopened, open sessions recovered) every transaction keeps its id and its seqNos run 0,1,2… without gap or repeat', function () {
    this.timeout(60_000);
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        const state = tempStateDir('evse-v201-seq-');
        let now = T0;
        let store: JournalStore = openTestStore(state.dir, now);
        let open: number | null = null;
        let meter = 1000;
        /** Per session: its transaction id and the seqNos handed out by head(), in delivery order. */
        const delivered = new Map<number, { id: string; seqNos: number[] }>();
        const deliver = (n: number): void => {
          for (let i = 0; i < n; i++) {
            const m = store.head('transaction');
            if (!m) return;
            assert.ok(m.sessionId !== null && m.transaction, 'a transaction-lane message carries its transaction');
            assert.ok(m.transaction.seqNo !== null);
            const seen = delivered.get(m.sessionId) ?? { id: m.transaction.id, seqNos: [] };
            assert.equal(m.transaction.id, seen.id, 'the transactionId never changes');
            seen.seqNos.push(m.transaction.seqNo);
            delivered.set(m.sessionId, seen);
            store.markDelivered(m.seq, m.kind === 'StartTransaction' ? { stationTransactionId: m.transaction.id, raw: {} } : { raw: {} }, now);
          }
        };
        try {
          for (const step of ops) {
            now += 1000;
            meter += 10;
            switch (step.op) {
              case 'start':
                if (open === null) open = store.startSession(sessionStart(now, meter), now);
                break;
              case 'meter':
                if (open !== null) store.enqueue('MeterValues', open, { connectorId: 1, meterValue: [] }, now);
                break;
              case 'updated':
                if (open !== null) store.enqueue('TransactionEvent', open, { timestamp: new Date(now).toISOString(), triggerReason: 'ChargingStateChanged' }, now);
                break;
              case 'status':
                store.enqueue('StatusNotification', null, { connectorId: 1 }, now);
                break;
              case 'deliver':
                deliver(step.n);
                break;
              case 'stop':
                if (open !== null) store.stopSession(open, { stopAtMs: now, meterStopWh: meter, reason: 'Local' }, now);
                open = null;
                break;
              case 'reboot':
                store.close();
                store = openTestStore(state.dir, now);
                recoverOpenSessions(store, meter, now);
                open = null;
                break;
            }
          }
          deliver(1000);
          for (const [sessionId, { seqNos }] of delivered) {
            assert.deepEqual(seqNos, seqNos.map((_, i) => i), `session ${sessionId}: seqNos ${seqNos.join(',')}`);
          }
          const stored = store.sql('SELECT COUNT(*) AS n FROM outbox WHERE session_id IS NOT NULL').get() as { n: number };
          assert.equal([...delivered.values()].reduce((n, s) => n + s.seqNos.length, 0), stored.n, 'every session message was delivered once');
        } finally {
          store.close();
          state.cleanup();
        }
      }),
      { numRuns: 30 },
    );
  });
});
