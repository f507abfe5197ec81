import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import Database from 'better-sqlite3';
import sinon from 'sinon';
import { main } from '../../src/cli.js';
import { runAlertChange, runAlertsList, type AlertsCommandDeps } from '../../src/commands/alerts.js';
import { runExport } from '../../src/commands/journal.js';
import { runAnomalyReport } from '../../src/commands/report-anomalies.js';
import { EvseError, EvseErrorCode, ExitCode } from '../../src/errors.js';
import { openJournal } from '../../src/journal/journal.js';
import { knownSchemaVersion, migrations } from '../../src/journal/migrations.js';
import { journalPath } from '../../src/journal/open.js';
import { manualClock, openTestStore, tempStateDir } from '../journal/support/helpers.js';

/** Runs the real `evse` entry point in a child process (through tsx, as in development); never blocks this one. */
function evse(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', ...args],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, EVSE_LOG_LEVEL: 'error' } },
      (err, stdout, stderr) => resolve({ status: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr }),
    );
  });
}

const t0 = Date.UTC(2026, 5, 1, 8);

/** A journal with: an anomaly raised twice, a fault, an acknowledged and a closed alert, a driver event. */
function seed(dir: string): void {
  const store = openTestStore(dir, t0);
  const raise = (at: number, alert: Parameters<typeof store.raiseAlert>[0]): number => store.raiseAlert(alert, at).id;
  raise(t0, { severity: 'warn', code: 'anomaly-frozen-meter', message: 'The register stood still', detail: { detector: 'frozen-meter' }, dedupKey: 'frozen-meter:1' });
  raise(t0 + 60_000, { severity: 'warn', code: 'anomaly-frozen-meter', message: 'The register stood still', dedupKey: 'frozen-meter:1' });
  raise(t0 + 120_000, { severity: 'critical', code: 'fault-rcd-trip', message: 'Residual current device tripped.\u001b[2J' });
  const acked = raise(t0 + 180_000, { severity: 'warn', code: 'anomaly-under-draw', message: 'Far below the offer' });
  store.setAlertState(acked, 'acknowledged', 'cli@ann', t0 + 200_000);
  const closed = raise(t0 + 240_000, { severity: 'warn', code: 'anomaly-under-draw', message: 'Far below the offer, again', dedupKey: 'under-draw:2' });
  store.setAlertState(closed, 'closed', 'auto', t0 + 250_000);
  raise(t0 + 300_000, { severity: 'info', code: 'session-started', message: 'Session 1 started', audience: 'driver', dedupKey: 'session-started:1' });
  store.close();
}

describe('evse alerts list|ack|close and evse report anomalies (real SQLite journal)', function () {
  this.timeout(120_000);
  let state: ReturnType<typeof tempStateDir>;
  const deps: AlertsCommandDeps = {
    nowMs: () => t0 + 3_600_000,
    // The run* functions return their text; only the registered commands write.
    write: () => undefined,
    user: () => 'alice',
    installed: null,
  };
  const list = (opts: Parameters<typeof runAlertsList>[0] = {}) => JSON.parse(runAlertsList({ stateDir: state.dir, json: true, ...opts }, deps)) as { id: number; code: string; state: string; count: number; stateBy: string | null }[];

  beforeEach(() => {
    state = tempStateDir('evse-alerts-cli-');
    seed(state.dir);
  });
  afterEach(() => state.cleanup());

  it('list: by default the open and acknowledged operator alerts, newest first; --state, --audience, --limit choose others', () => {
    assert.deepEqual(list().map((r) => [r.id, r.code, r.state, r.count]), [
      [3, 'anomaly-under-draw', 'acknowledged', 1],
      [2, 'fault-rcd-trip', 'open', 1],
      [1, 'anomaly-frozen-meter', 'open', 2],
    ]);
    assert.deepEqual(list({ state: 'closed' }).map((r) => r.id), [4]);
    assert.deepEqual(list({ state: 'all', audience: 'driver' }).map((r) => r.code), ['session-started']);
    assert.deepEqual(list({ state: 'all', audience: 'all' }).map((r) => r.id), [5, 4, 3, 2, 1]);
    assert.deepEqual(list({ limit: '1' }).map((r) => r.id), [3]);
    assert.throws(() => list({ limit: '0' }), (e: EvseError) => e.code === EvseErrorCode.InvalidArgument);
    const table = runAlertsList({ stateDir: state.dir }, deps);
    assert.match(table, /^id +first +last +count +severity +code +state +message$/m);
    assert.match(table, /2026-06-01 08:00:00 \+00:00 +2026-06-01 08:01:00 \+00:00 +2 +warn +anomaly-frozen-meter +open +The register stood still/);
    assert.ok(table.includes('tripped.\\u001b[2J') && !table.includes('\u001b'), 'a control character is shown, never sent to the terminal');
  });

  it('ack and close: by defaults to cli@<user>; a bad transition is AlertStateInvalid, an unknown id AlertNotFound, a bad id a usage error', () => {
    assert.match(runAlertChange('acknowledged', '2', { stateDir: state.dir }, deps), /^alert 2 acknowledged by cli@alice: /);
    assert.equal(list().find((r) => r.id === 2)?.stateBy, 'cli@alice');
    runAlertChange('closed', '2', { stateDir: state.dir, by: 'Bob at the depot' }, deps);
    assert.equal(list({ state: 'closed' }).find((r) => r.id === 2)?.stateBy, 'Bob at the depot');
    assert.throws(() => runAlertChange('acknowledged', '2', { stateDir: state.dir }, deps), (e: EvseError) => e.code === EvseErrorCode.AlertStateInvalid && /alert 2 is closed/.test(e.message));
    assert.throws(() => runAlertChange('closed', '42', { stateDir: state.dir }, deps), (e: EvseError) => e.code === EvseErrorCode.AlertNotFound && /no alert 42/.test(e.message));
    assert.throws(() => runAlertChange('closed', '2x', { stateDir: state.dir }, deps), (e: EvseError) => e.code === EvseErrorCode.InvalidArgument);
    assert.throws(() => runAlertChange('closed', '1', { stateDir: state.dir, by: 'a\nb' }, deps), (e: EvseError) => e.code === EvseErrorCode.InvalidArgument);
  });

  it('refuses a journal of another schema version without touching it, and a folder without a journal', () => {
    const old = tempStateDir('evse-alerts-old-');
    try {
      const db = new Database(journalPath(old.dir));
      db.exec(migrations[0] as string);
      db.pragma('user_version = 1');
      db.prepare("INSERT INTO alerts (at, severity, code, message) VALUES (?, 'warn', 'anomaly-frozen-meter', 'old')").run(t0);
      db.close();
      assert.throws(
        () => runAlertChange('closed', '1', { stateDir: old.dir }, deps),
        (e: EvseError) => e.code === EvseErrorCode.JournalUnavailable && /schema version 1, this evse writes version \d+; only the station migrates it/.test(e.message),
      );
      const after = new Database(journalPath(old.dir), { readonly: true });
      assert.equal(after.pragma('user_version', { simple: true }), 1, 'not migrated');
      after.close();
      // The read-only commands still read the older file as it is.
      const report = JSON.parse(runAnomalyReport({ stateDir: old.dir, json: true }, deps)) as { detector: string; raises: number; open: number }[];
      assert.deepEqual(report.map((r) => [r.detector, r.raises, r.open]), [['frozen-meter', 1, 1]]);
      let exported = '';
      runExport({ stateDir: old.dir, format: 'csv', what: 'alerts' }, { nowMs: () => t0 + 1, write: (c) => (exported += c), installed: null });
      assert.match(exported, /anomaly-frozen-meter,old/);

      const newer = new Database(journalPath(state.dir));
      newer.pragma(`user_version = ${knownSchemaVersion() + 1}`);
      newer.close();
      assert.throws(() => runAlertsList({ stateDir: state.dir }, deps), (e: EvseError) => e.code === EvseErrorCode.JournalTooNew);
      assert.throws(() => runAlertsList({ stateDir: `${old.dir}/nothing` }, deps), (e: EvseError) => e.code === EvseErrorCode.JournalUnavailable);
    } finally {
      old.cleanup();
    }
  });

  it('report anomalies: per detector the alerts and raises, first and last time, states and the latest message, in the range', () => {
    const all = JSON.parse(runAnomalyReport({ stateDir: state.dir, json: true }, deps)) as Record<string, unknown>[];
    assert.deepEqual(all, [
      {
        detector: 'frozen-meter', alerts: 1, raises: 2, firstAtMs: t0, lastAtMs: t0 + 60_000, open: 1, acknowledged: 0, closed: 0,
        latestMessage: 'The register stood still', firstAt: '2026-06-01T08:00:00.000Z', lastAt: '2026-06-01T08:01:00.000Z',
      },
      {
        detector: 'under-draw', alerts: 2, raises: 2, firstAtMs: t0 + 180_000, lastAtMs: t0 + 240_000, open: 0, acknowledged: 1, closed: 1,
        latestMessage: 'Far below the offer, again', firstAt: '2026-06-01T08:03:00.000Z', lastAt: '2026-06-01T08:04:00.000Z',
      },
    ]);
    const later = JSON.parse(runAnomalyReport({ stateDir: state.dir, json: true, from: '2026-06-01T08:02:00Z', to: '2026-06-01T08:03:30Z' }, deps)) as { detector: string }[];
    assert.deepEqual(later.map((r) => r.detector), ['under-draw']);
    assert.match(runAnomalyReport({ stateDir: state.dir }, deps), /^detector +alerts +raises +first +last +open +acknowledged +closed +latest message$/m);
    assert.equal(runAnomalyReport({ stateDir: state.dir, to: '2026-05-01' }, deps), 'No anomaly alerts in the range.\n');
  });

  it('the real CLI acknowledges while a station holds the journal open read-write (and its lock), waiting out a commit in progress', async () => {
    const clock = manualClock(t0 + 7_200_000);
    // Every commit of this station holds the write lock 1.5 s (a slow SD card).
    const station = await openJournal({ stateDir: state.dir, clock, commitDelayMs: 1_500 });
    try {
      const acked = await evse(['alerts', 'ack', '1', '--by', 'night shift', '--state-dir', state.dir]);
      assert.equal(acked.status, 0, acked.stderr);
      assert.match(acked.stdout, /^alert 1 acknowledged by night shift: The register stood still$/m);

      // A commit of the station in progress: the command waits for it (busy timeout) instead of failing SQLITE_BUSY.
      const committing = station.raiseAlert({ severity: 'warn', code: 'meter-slow', message: 'slow' });
      await new Promise((r) => setTimeout(r, 300));
      const began = Date.now();
      runAlertChange('closed', '2', { stateDir: state.dir }, deps);
      assert.ok(Date.now() - began >= 700, `waited ${Date.now() - began} ms for the station's commit`);
      await committing;
      // The station sees it at once, and repeats still count on the acknowledged alert.
      assert.equal(await station.raiseAlert({ severity: 'warn', code: 'anomaly-frozen-meter', message: 'again', dedupKey: 'frozen-meter:1' }), 1);
      const [row] = await station.listAlerts({ states: ['acknowledged'], codePrefix: 'anomaly-frozen' });
      assert.deepEqual([row?.id, row?.count, row?.stateBy], [1, 3, 'night shift']);
      assert.equal((await station.listAlerts({ states: ['closed'], codePrefix: 'fault-' }))[0]?.stateBy, 'cli@alice');

      // The error paths through the same entry point, in this process (a child costs seconds on a loaded machine).
      const stderr = sinon.stub(process.stderr, 'write').returns(true);
      const stdout = sinon.stub(process.stdout, 'write').returns(true);
      let codes: number[];
      try {
        codes = [
          await main(['alerts', 'ack', '1', '--state-dir', state.dir]),
          await main(['alerts', 'close', '99', '--state-dir', state.dir]),
          await main(['alerts', 'list', '--state-dir', state.dir]),
        ];
      } finally {
        stderr.restore();
        stdout.restore();
      }
      assert.deepEqual(codes, [ExitCode.DataErr, ExitCode.NoInput, ExitCode.Ok]);
      assert.deepEqual(stderr.args.map((a) => String(a[0])), [
        'evse: alert 1 is acknowledged; it cannot become acknowledged\n',
        'evse: no alert 99 in the journal\n',
      ]);
      assert.match(stdout.args.map((a) => String(a[0])).join(''), /acknowledged +The register stood still/);
    } finally {
      await station.close();
    }
  });
});
