import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { EvseError, EvseErrorCode, ExitCode } from '../../src/errors.js';
import { exportJournal } from '../../src/journal/export.js';
import { openJournal } from '../../src/journal/journal.js';
import { knownSchemaVersion } from '../../src/journal/migrations.js';
import { journalPath, openStore } from '../../src/journal/open.js';
import { openReadOnlyJournal } from '../../src/journal/read-only.js';
import { tempStateDir } from './support/helpers.js';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const newer = knownSchemaVersion() + 2;

/** A sound journal as a newer evse left it: one more table and a higher user_version, checkpointed into the file. */
function writeNewerJournal(dir: string): void {
  const { store } = openStore({ stateDir: dir, synchronous: 'FULL', busyTimeoutMs: 1000, commitDelayMs: 0, nowMs: Date.UTC(2026, 0, 1) });
  store.db.exec("CREATE TABLE tariff_history (id INTEGER PRIMARY KEY, tariff TEXT NOT NULL); INSERT INTO tariff_history (tariff) VALUES ('{}')");
  store.db.pragma(`user_version = ${newer}`);
  store.close();
}

const digest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

function isTooNew(path: string): (err: unknown) => boolean {
  return (err) =>
    err instanceof EvseError &&
    err.code === EvseErrorCode.JournalTooNew &&
    err.message.includes(`journal ${path} is schema version ${newer}, this evse knows up to ${knownSchemaVersion()}; refusing to downgrade it`);
}

/** `evse ARGS…` in a child process: its exit code and stderr. */
function evse(args: readonly string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
      env: { ...process.env, EVSE_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr, stdout }));
  });
}

describe('a journal file from a newer evse (issue 12, bad input)', function () {
  this.timeout(120_000);
  let state: ReturnType<typeof tempStateDir>;
  let path: string;
  let before: string;
  beforeEach(function () {
    state = tempStateDir();
    writeNewerJournal(state.dir);
    path = journalPath(state.dir);
    before = digest(path);
  });
  afterEach(function () {
    // Whatever refused it, the file is exactly as the newer evse left it: not migrated, not moved aside, not rewritten.
    assert.equal(digest(path), before, 'journal.db was changed');
    assert.deepEqual(readdirSync(state.dir).filter((f) => f.startsWith('journal.db')), ['journal.db'], 'nothing moved aside, nothing created beside it');
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), newer);
    db.close();
    state.cleanup();
  });

  it('the station refuses to open it, naming both versions, with its own error code', async function () {
    assert.throws(
      () => openStore({ stateDir: state.dir, synchronous: 'FULL', busyTimeoutMs: 1000, commitDelayMs: 0, nowMs: Date.now() }),
      isTooNew(path),
    );
    await assert.rejects(openJournal({ stateDir: state.dir }), isTooNew(path));
  });

  it('the read side refuses it the same way (report, receipt, export)', function () {
    assert.throws(() => openReadOnlyJournal(state.dir), isTooNew(path));
    assert.throws(() => exportJournal(state.dir, 'sessions', 'csv', () => undefined), isTooNew(path));
  });

  it(`evse sim, report, receipt and journal export exit ${ExitCode.DataErr} naming both versions`, async function () {
    const config = join(state.dir, 'config.json');
    writeFileSync(config, JSON.stringify({ web: { enabled: false } }));
    const runs = await Promise.all([
      evse(['sim', '--scenario', 'continuous', '--status-interval', '0', '--state-dir', state.dir, '--config', config]),
      evse(['report', 'sessions', '--state-dir', state.dir, '--from', '2026-01-01', '--to', '2026-02-01']),
      evse(['receipt', '1', '--state-dir', state.dir]),
      evse(['journal', 'export', '--format', 'json', '--state-dir', state.dir]),
    ]);
    for (const run of runs) {
      assert.equal(run.code, ExitCode.DataErr, `exit ${run.code}\n${run.stderr}\n${run.stdout}`);
      assert.ok(
        run.stderr.includes(`is schema version ${newer}, this evse knows up to ${knownSchemaVersion()}; refusing to downgrade it`),
        run.stderr,
      );
    }
  });
});

describe('a newer schema version still in the -wal file (the newer evse died before a checkpoint)', function () {
  it('is read through the log and refused; the header of the main file alone would say the old version', function () {
    const state = tempStateDir();
    try {
      const { store } = openStore({ stateDir: state.dir, synchronous: 'FULL', busyTimeoutMs: 1000, commitDelayMs: 0, nowMs: Date.now() });
      store.close();
      const path = journalPath(state.dir);
      // The newer evse: its migration committed to the WAL, no checkpoint, and the connection never closed (a crash).
      const writer = new Database(path);
      writer.pragma('wal_autocheckpoint = 0');
      writer.pragma(`user_version = ${newer}`);
      try {
        assert.equal(readFileSync(path).readInt32BE(60), knownSchemaVersion(), 'the main file still says the old version');
        assert.throws(
          () => openStore({ stateDir: state.dir, synchronous: 'FULL', busyTimeoutMs: 1000, commitDelayMs: 0, nowMs: Date.now() }),
          isTooNew(path),
        );
        assert.throws(() => openReadOnlyJournal(state.dir), isTooNew(path));
      } finally {
        writer.close();
      }
    } finally {
      state.cleanup();
    }
  });
});
