import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { receiptFromJournal, renderReceiptText } from '../../src/billing/receipt.js';
import { loadReportSessions, sessionsReport } from '../../src/billing/reports.js';
import { parseTariff } from '../../src/billing/tariff-schema.js';
import { EvseErrorCode, type EvseError } from '../../src/errors.js';
import { exportJournal } from '../../src/journal/export.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import { maxPendingOfKind } from '../../src/journal/ports.js';
import { maskTokenInText } from '../../src/journal/store/forget.js';
import { recentSessions } from '../../src/web/recent-sessions.js';
import { manualClock, sampleAt, sessionStart, tempStateDir } from './support/helpers.js';

const TOKEN = 'A1B2C3D4E5';
const OTHER = 'FFEE0011';

/** N10 clear on the real journal (worker thread, SQLite file): the token leaves every record, the billing facts stay. */
describe('journal forgetIdTag (OCPP 2.0.1 N10 clear)', function () {
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

  async function finished(idTag: string, startWh: number, wh: number, stopIdTag?: string): Promise<number> {
    const at = clock.nowMs();
    const id = await journal.startSession(sessionStart(at, startWh, idTag));
    await journal.recordSample(id, sampleAt(startWh + wh, at + 1_800_000));
    await journal.stopSession(id, { stopAtMs: at + 3_600_000, meterStopWh: startWh + wh, reason: 'Local', ...(stopIdTag ? { stopIdTag } : {}) });
    await journal.saveCost(id, { totalMinor: 1234, minorUnits: 2, currency: 'EUR' });
    clock.advance(7_200_000);
    return id;
  }

  /** Every text cell of every table, and the raw bytes of the database files. */
  function everything(): { cells: string[]; raw: string } {
    const db = new Database(join(state.dir, 'journal.db'), { readonly: true });
    try {
      const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((t) => t.name);
      const cells = tables.flatMap((t) => (db.prepare(`SELECT * FROM "${t}"`).all() as Record<string, unknown>[]).flatMap((row) => Object.values(row).filter((v): v is string => typeof v === 'string')));
      return { cells, raw: ['journal.db', 'journal.db-wal'].map((f) => { try { return readFileSync(join(state.dir, f)).toString('latin1'); } catch { return ''; } }).join('') };
    } finally {
      db.close();
    }
  }

  it('replaces the token by one pseudonym in sessions, alerts, operator actions and settled outbox rows; energy, times and cost stay; nothing else changes', async function () {
    const s1 = await finished(TOKEN, 1000, 7250);
    const s2 = await finished(OTHER, 9000, 999, TOKEN);
    const s3 = await finished(TOKEN, 20_000, 12_000);
    await journal.raiseAlert({ severity: 'info', code: 'session-started', message: `Charging session ${s1} started on connector 1 for card ${TOKEN}.`, detail: { sessionId: s1, idTag: TOKEN }, dedupKey: `session-started:${s1}`, audience: 'driver' });
    await journal.raiseAlert({ severity: 'info', code: 'session-started', message: `Charging session ${s2} started on connector 1 for card ${OTHER}.`, detail: { sessionId: s2, idTag: OTHER }, dedupKey: `session-started:${s2}`, audience: 'driver' });
    await journal.recordOperatorAction({ action: 'start', args: { idTag: TOKEN }, ok: true, result: JSON.stringify({ idTag: TOKEN }), clientAddress: '127.0.0.1' });
    // Every outbox row delivered (the CSMS had them): two Starts and the Stop by the card name the token.
    for (let m = await journal.head(); m; m = await journal.head()) {
      await journal.markDelivered(m.seq, m.kind === 'StartTransaction' ? { transactionId: m.seq, idTagStatus: 'Accepted', raw: { idTagInfo: { status: 'Accepted' } } } : { raw: {} });
    }
    const before = await journal.sessions({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER });
    assert.ok(everything().raw.includes(TOKEN), 'the token is in the file before');

    const forgotten = await journal.forgetIdTag(TOKEN);
    assert.match(forgotten.pseudonym, /^forgotten-[0-9a-f]{8}$/);
    assert.equal(forgotten.pseudonym.length <= 20, true, 'fits a 1.6 idTag');
    assert.deepEqual({ ...forgotten, pseudonym: '' }, { pseudonym: '', sessions: 3, events: 0, alerts: 1, operatorActions: 1, feedback: 0, outbox: 3, pendingOutboxKept: 0 });

    const after = await journal.sessions({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER });
    assert.deepEqual(
      after.map((s) => s.idTag),
      [forgotten.pseudonym, OTHER, forgotten.pseudonym],
    );
    // Billing facts untouched: everything but the id tag is as before.
    assert.deepEqual(
      after.map(({ idTag: _, ...rest }) => rest),
      before.map(({ idTag: _, ...rest }) => rest),
    );
    const { cells, raw } = everything();
    assert.deepEqual(cells.filter((c) => c.includes(TOKEN)), [], 'no cell holds the token');
    assert.ok(!raw.includes(TOKEN), 'no byte of journal.db or its WAL holds the token (secure_delete, checkpoint)');
    assert.ok(cells.some((c) => c.includes(OTHER)), 'the other customer stays');
    assert.equal((await journal.alerts()).find((a) => a.detail?.['sessionId'] === s1)?.message, `Charging session ${s1} started on connector 1 for card ${forgotten.pseudonym}.`);

    // What the operator and the driver see: `evse report sessions`, receipts, the page, the export.
    const tariff = parseTariff({ energyBands: [{ from: '00:00', to: '24:00', pricePerKwh: '0.40' }] });
    const report = sessionsReport(await loadReportSessions(journal, { fromMs: 0, toMs: Number.MAX_SAFE_INTEGER }, { tariff, timeZone: 'UTC', nowMs: clock.nowMs() }), 'UTC');
    const receipts = await Promise.all([s1, s2, s3].map(async (id) => renderReceiptText((await receiptFromJournal(journal, id, { tariff, stationTimeZone: 'UTC', nowMs: clock.nowMs() }))!)));
    const page = await recentSessions(journal, { limit: 10, days: 3650, nowMs: clock.nowMs(), timeZone: 'UTC' });
    let exported = '';
    exportJournal(state.dir, 'sessions', 'csv', (chunk) => (exported += chunk));
    // Even the last four characters the receipts print of a card are gone.
    const tail = TOKEN.slice(-4);
    for (const [what, text] of Object.entries({ report: JSON.stringify(report), receipts: receipts.join('\n'), page: JSON.stringify(page), exported })) {
      assert.ok(!text.includes(tail), `${what} shows no part of the token`);
    }
    assert.deepEqual(report.map((r) => r.energyWh), [7250, 999, 12_000]);
    assert.equal(report[0]?.idTag, report[2]?.idTag, 'the two sessions of the forgotten card still group');

    // A second clear finds nothing.
    const again = await journal.forgetIdTag(TOKEN);
    assert.deepEqual([again.sessions, again.alerts, again.operatorActions, again.outbox], [0, 0, 0, 0]);
  });

  it('outbox rows still to deliver keep the token (the CSMS knows it); a running session is masked too', async function () {
    const open = await journal.startSession(sessionStart(clock.nowMs(), 500, TOKEN));
    const forgotten = await journal.forgetIdTag(TOKEN);
    assert.deepEqual([forgotten.sessions, forgotten.pendingOutboxKept], [1, 1]);
    assert.equal((await journal.session(open))?.idTag, forgotten.pseudonym);
    const head = await journal.head('transaction');
    assert.equal(head?.kind, 'StartTransaction');
    assert.equal(head?.payload['idTag'], TOKEN, 'the queued StartTransaction still names the token the CSMS authorized');
  });

  it('refuses an empty or over-long token; a token inside a longer word is not touched', async function () {
    for (const bad of ['', 'x'.repeat(37)]) {
      await assert.rejects(journal.forgetIdTag(bad), (err: EvseError) => err.code === EvseErrorCode.InvalidArgument);
    }
    assert.equal(maskTokenInText(`card ${TOKEN}, not X${TOKEN} nor ${TOKEN}9`, TOKEN, 'P'), `card P, not X${TOKEN} nor ${TOKEN}9`);
    assert.equal(maskTokenInText('{"idTag":"a.b"}', 'a.b', 'P'), '{"idTag":"P"}');
    assert.equal(maskTokenInText('axb', 'a.b', 'P'), 'axb', 'a token is matched literally');
  });
});

/** The bound on job-status and report rows (store/outbox.ts): a flood of them never grows the journal without end. */
describe('journal outbox bound per optional kind', function () {
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

  it('400 LogStatusNotifications queued offline keep the first and the newest 199; transaction rows and other kinds are never dropped', async function () {
    const bound = maxPendingOfKind.get('LogStatusNotification') ?? 0;
    assert.equal(bound, 200);
    const session = await journal.startSession(sessionStart(clock.nowMs(), 100));
    await Promise.all(Array.from({ length: 400 }, (_, i) => journal.enqueue('LogStatusNotification', null, { status: 'Uploading', requestId: i })));
    await Promise.all(Array.from({ length: 50 }, (_, i) => journal.enqueue('StatusNotification', null, { connectorId: 1, status: 'Available', errorCode: 'NoError', n: i })));
    await journal.enqueue('MeterValues', session, { connectorId: 1, meterValue: [] });
    await journal.stopSession(session, { stopAtMs: clock.nowMs(), meterStopWh: 200, reason: 'Local' });
    assert.equal(await journal.depth(), 3 + 50 + bound);
    const seen: { kind: string; requestId?: unknown }[] = [];
    for (let m = await journal.head(); m; m = await journal.head()) {
      seen.push({ kind: m.kind, ...(m.kind === 'LogStatusNotification' ? { requestId: m.payload['requestId'] } : {}) });
      await journal.markDelivered(m.seq, m.kind === 'StartTransaction' ? { transactionId: 1, raw: null } : { raw: null });
    }
    assert.deepEqual(seen.filter((m) => m.kind === 'LogStatusNotification').map((m) => m.requestId), [0, ...Array.from({ length: bound - 1 }, (_, i) => 400 - bound + 1 + i)]);
    assert.deepEqual(seen.filter((m) => ['StartTransaction', 'MeterValues', 'StopTransaction'].includes(m.kind)).map((m) => m.kind), ['StartTransaction', 'MeterValues', 'StopTransaction']);
    assert.equal(seen.filter((m) => m.kind === 'StatusNotification').length, 50);
  });
});
