import assert from 'node:assert/strict';
import sinon from 'sinon';
import { Command } from 'commander';
import { registerJournalCommands } from '../../src/commands/journal.js';
import { EvseErrorCode, type EvseError } from '../../src/errors.js';
import { journalConfigSchema } from '../../src/journal/config.js';
import { exportJournal } from '../../src/journal/export.js';
import { configSchema } from '../../src/config/schema.js';
import Database from 'better-sqlite3';
import { journalPath } from '../../src/journal/open.js';
import { migrations } from '../../src/journal/migrations.js';
import { openTestStore, sampleAt, sessionStart, tempStateDir } from './support/helpers.js';

const t0 = Date.UTC(2026, 4, 2, 17, 0, 0);

describe('evse journal export', function () {
  let state: ReturnType<typeof tempStateDir>;
  before(function () {
    state = tempStateDir();
    const store = openTestStore(state.dir);
    const id = store.startSession(sessionStart(t0, 12_000, 'CARD,"7"'), t0);
    store.recordSample(id, sampleAt(12_004, t0 + 1000));
    store.recordSample(id, sampleAt(12_008, t0 + 2000));
    store.stopSession(id, { stopAtMs: t0 + 3000, meterStopWh: 12_010, reason: 'Local' }, t0 + 3000);
    store.raiseAlert({ severity: 'warn', code: 'meter-slow', message: 'Meter answered after 900 ms.' }, t0);
    // Raised again while open (counted, not a new row), then acknowledged: the export shows its life.
    store.raiseAlert({ severity: 'warn', code: 'meter-slow', message: 'Meter answered after 900 ms.' }, t0 + 60_000);
    store.setAlertState(1, 'acknowledged', 'operator', t0 + 120_000);
    store.close();
  });
  after(function () {
    state.cleanup();
  });

  function run(table: 'sessions' | 'samples' | 'alerts', format: 'json' | 'csv'): string {
    let out = '';
    exportJournal(state.dir, table, format, (chunk) => {
      out += chunk;
    });
    return out;
  }

  it('exports sessions as JSON with ISO times and energy in Wh', function () {
    const sessions = JSON.parse(run('sessions', 'json')) as Record<string, unknown>[];
    assert.equal(sessions.length, 1);
    assert.deepEqual(
      [sessions[0]?.['idTag'], sessions[0]?.['startAt'], sessions[0]?.['meterStopWh'], sessions[0]?.['energyWh'], sessions[0]?.['stopReason']],
      ['CARD,"7"', '2026-05-02T17:00:00.000Z', 12_010, 10, 'Local'],
    );
  });

  it('exports samples and alerts as CSV with a header and RFC 4180 quoting', function () {
    const samples = run('samples', 'csv').trimEnd().split('\r\n');
    assert.equal(samples[0], 'sessionId,at,importWh,powerW,currentsA,voltagesV,frequencyHz,signedRecord');
    assert.equal(samples.length, 3);
    assert.match(samples[1] ?? '', /^1,2026-05-02T17:00:01\.000Z,12004,11000,"\[15\.9,15\.9,15\.9\]","\[230,230,230\]",50,$/);
    const sessions = run('sessions', 'csv').split('\r\n');
    assert.ok(sessions[1]?.includes(',"CARD,""7""",'), sessions[1]);
    const alerts = run('alerts', 'csv').split('\r\n');
    assert.equal(alerts[0], 'id,at,severity,code,message,detail,dedupKey,audience,lastAt,count,state,stateAt,stateBy');
    assert.equal(
      alerts[1],
      '1,2026-05-02T17:00:00.000Z,warn,meter-slow,Meter answered after 900 ms.,,meter-slow,operator,2026-05-02T17:01:00.000Z,2,acknowledged,2026-05-02T17:02:00.000Z,operator',
    );
  });

  it('exports the alerts of a schema-1 journal (before alert states) as raised once and open, without migrating it', function () {
    const old = tempStateDir();
    try {
      const db = new Database(journalPath(old.dir));
      db.exec(migrations[0] as string);
      db.pragma('user_version = 1');
      db.prepare('INSERT INTO alerts (id, at, severity, code, message, detail) VALUES (?, ?, ?, ?, ?, ?)').run(4, t0, 'info', 'plain', 'no detail', null);
      db.close();
      let out = '';
      exportJournal(old.dir, 'alerts', 'json', (chunk) => (out += chunk));
      assert.deepEqual(JSON.parse(out), [
        { id: 4, at: '2026-05-02T17:00:00.000Z', severity: 'info', code: 'plain', message: 'no detail', detail: null, dedupKey: 'plain', audience: 'operator', lastAt: '2026-05-02T17:00:00.000Z', count: 1, state: 'open', stateAt: null, stateBy: null },
      ]);
      const check = new Database(journalPath(old.dir), { readonly: true });
      assert.equal(check.pragma('user_version', { simple: true }), 1, 'the export migrated the file');
      check.close();
    } finally {
      old.cleanup();
    }
  });

  it('runs as `evse journal export --state-dir DIR --format json --what alerts`, and names a missing journal', async function () {
    // The command registered on a bare program (src/cli.ts adds only exit-code mapping on top).
    const evse = (): Command => {
      const program = new Command('evse').exitOverride().configureOutput({ writeErr: () => undefined });
      registerJournalCommands(program);
      return program;
    };
    const writes: string[] = [];
    const stdout = sinon.stub(process.stdout, 'write').callsFake((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      await evse().parseAsync(['journal', 'export', '--state-dir', state.dir, '--format', 'json', '--what', 'alerts'], { from: 'user' });
    } finally {
      stdout.restore();
    }
    assert.deepEqual(
      (JSON.parse(writes.join('')) as { code: string }[]).map((a) => a.code),
      ['meter-slow'],
    );
    await assert.rejects(
      evse().parseAsync(['journal', 'export', '--state-dir', `${state.dir}/nowhere`, '--format', 'csv'], { from: 'user' }),
      (err: EvseError) => err.code === EvseErrorCode.InvalidArgument && err.message.includes(`no journal at ${state.dir}/nowhere/journal.db`),
    );
    await assert.rejects(
      evse().parseAsync(['journal', 'export', '--state-dir', state.dir, '--format', 'xml'], { from: 'user' }),
      /argument 'xml' is invalid/,
    );
  });
});

describe('journal config section', function () {
  it('has defaults for every field and sits in the station config', function () {
    assert.deepEqual(journalConfigSchema.parse({}), {
      stateDir: './.evse-state',
      synchronous: 'FULL',
      busyTimeoutMs: 5000,
      retentionDays: 400,
      diskBudgetMB: 512,
      commitDelayMs: 0,
    });
    assert.equal(configSchema.parse({}).journal.synchronous, 'FULL');
  });

  it('rejects unknown keys and bad values, naming them', function () {
    const unknownKey = journalConfigSchema.safeParse({ stateDirectory: '/var/lib/evse' });
    assert.equal(unknownKey.success, false);
    assert.match(JSON.stringify(unknownKey.error?.issues), /stateDirectory/);
    const badLevel = journalConfigSchema.safeParse({ synchronous: 'OFF' });
    assert.deepEqual(badLevel.error?.issues.map((i) => i.path), [['synchronous']]);
  });
});
