import assert from 'node:assert/strict';
import sinon from 'sinon';
import { Command } from 'commander';
import { registerJournalCommands } from '../../src/commands/journal.js';
import { EvseErrorCode, type EvseError } from '../../src/errors.js';
import { journalConfigSchema } from '../../src/journal/config.js';
import { exportJournal } from '../../src/journal/export.js';
import { configSchema } from '../../src/config/schema.js';
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
    assert.match(alerts[1] ?? '', /^1,2026-05-02T17:00:00\.000Z,warn,meter-slow,Meter answered after 900 ms\.,$/);
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
