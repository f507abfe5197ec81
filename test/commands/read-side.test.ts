import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import sinon from 'sinon';
import { main } from '../../src/cli.js';
import { installedService, type InstalledService } from '../../src/commands/journal-location.js';
import { runExport, type JournalCommandDeps } from '../../src/commands/journal.js';
import { runReceipt } from '../../src/commands/receipt.js';
import { journalDeps, runReport, type BillingCommandDeps } from '../../src/commands/report.js';
import { EvseError, EvseErrorCode } from '../../src/errors.js';
import { journalPath } from '../../src/journal/open.js';
import { openTestStore, sessionStart, tempStateDir } from '../journal/support/helpers.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Three sessions: 1 March, 1 May, 1 July 2026 (10:00 UTC), each an hour, 11 kWh, plugged in 20 s before the start. */
const starts = [Date.UTC(2026, 2, 1, 10), Date.UTC(2026, 4, 1, 10), Date.UTC(2026, 6, 1, 10)] as const;
/** "Now" for most tests: between the second and the third session (one journaled with a clock running ahead). */
const june = Date.UTC(2026, 5, 1);

function writeJournal(dir: string, sessionStarts: readonly number[] = starts): void {
  const store = openTestStore(dir);
  let wh = 100_000;
  for (const at of sessionStarts) {
    const id = store.startSession(sessionStart(at, wh), at);
    wh += 11_000;
    store.stopSession(id, { stopAtMs: at + 3_600_000, meterStopWh: wh, reason: 'Local' }, at + 3_600_000);
  }
  store.close();
}

const digest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('read-side commands: evse report, receipt, journal export (issue 12 i)', function () {
  this.timeout(30_000);
  let state: ReturnType<typeof tempStateDir>;
  let out: string;
  let opened: string[];
  let installed: InstalledService;

  /** The real read-only SQLite journal, recording which folder each command opened, at a fixed "now". */
  const billingDeps = (nowMs = june, service: InstalledService | null = null): BillingCommandDeps => ({
    openReader: (stateDir) => {
      opened.push(stateDir);
      return journalDeps.openReader(stateDir);
    },
    nowMs: () => nowMs,
    write: (text) => {
      out += text;
    },
    installed: service,
  });
  const exportDeps = (nowMs = june, service: InstalledService | null = null): JournalCommandDeps => ({
    nowMs: () => nowMs,
    write: (chunk) => {
      out += chunk;
    },
    installed: service,
  });
  const ids = (json: string): number[] => (JSON.parse(json) as { id: number }[]).map((r) => r.id);

  beforeEach(function () {
    state = tempStateDir('evse-read-side-');
    out = '';
    opened = [];
    // The installed service's layout under a temp root: /etc/evse/config.json and /var/lib/evse.
    installed = { configPath: join(state.dir, 'etc', 'config.json'), stateDir: join(state.dir, 'var-lib-evse') };
  });
  afterEach(function () {
    state.cleanup();
  });

  describe('a missing --from means the first session, a missing --to means now', function () {
    beforeEach(function () {
      writeJournal(state.dir);
    });

    it('report sessions without --from and --to: from the first session up to now', async function () {
      assert.deepEqual(ids(await runReport('sessions', { stateDir: state.dir, format: 'json' }, billingDeps())), [1, 2]);
      // Now after the third session: all three; the first session is still where the report starts.
      assert.deepEqual(ids(await runReport('sessions', { stateDir: state.dir, format: 'json' }, billingDeps(Date.UTC(2026, 7, 1)))), [1, 2, 3]);
    });

    it('report sessions with only --to starts at the first session; with only --from ends now', async function () {
      assert.deepEqual(ids(await runReport('sessions', { stateDir: state.dir, to: '2026-12-31', format: 'json' }, billingDeps())), [1, 2, 3]);
      assert.deepEqual(ids(await runReport('sessions', { stateDir: state.dir, to: '2026-03-31', format: 'json' }, billingDeps())), [1]);
      assert.deepEqual(ids(await runReport('sessions', { stateDir: state.dir, from: '2026-04-01', format: 'json' }, billingDeps())), [2]);
    });

    it('report utilization without --from spans from the first session (its plug-in) to now', async function () {
      const report = JSON.parse(await runReport('utilization', { stateDir: state.dir, format: 'json' }, billingDeps())) as {
        from: string;
        to: string;
        sessions: number;
      };
      assert.equal(report.from, new Date(starts[0] - 20_000).toISOString());
      assert.equal(report.to, new Date(june).toISOString());
      assert.equal(report.sessions, 2);
    });

    it('the evse command takes neither as required', async function () {
      let stdout = '';
      const write = sinon.stub(process.stdout, 'write').callsFake((chunk: string | Uint8Array) => {
        stdout += String(chunk);
        return true;
      });
      let code: number;
      try {
        code = await main(['report', 'sessions', '--state-dir', state.dir, '--to', '2026-06-30', '--format', 'json']);
      } finally {
        write.restore();
      }
      assert.equal(code, 0, stdout);
      assert.deepEqual(ids(stdout), [1, 2]);
    });

    it('a --from after now without --to is refused, naming both', async function () {
      await assert.rejects(
        runReport('sessions', { stateDir: state.dir, from: '2026-07-01', format: 'json' }, billingDeps()),
        (err: unknown) => err instanceof EvseError && err.code === EvseErrorCode.InvalidArgument && err.message.includes('--to (now) must be after --from (2026-07-01)'),
      );
    });

    it('journal export without --from and --to: everything up to now; each bound alone', function () {
      runExport({ stateDir: state.dir, format: 'json', what: 'sessions' }, exportDeps());
      assert.deepEqual(ids(out), [1, 2]);
      out = '';
      runExport({ stateDir: state.dir, format: 'json', what: 'sessions', to: '2026-12-31' }, exportDeps());
      assert.deepEqual(ids(out), [1, 2, 3]);
      out = '';
      runExport({ stateDir: state.dir, format: 'json', what: 'sessions', from: '2026-04-01' }, exportDeps());
      assert.deepEqual(ids(out), [2]);
    });

    it('an empty journal gives an empty report, not an error', async function () {
      const empty = tempStateDir('evse-read-side-empty-');
      try {
        writeJournal(empty.dir, []);
        assert.deepEqual(JSON.parse(await runReport('sessions', { stateDir: empty.dir, format: 'json' }, billingDeps())), []);
        runExport({ stateDir: empty.dir, format: 'json', what: 'sessions' }, exportDeps());
        assert.equal(out, '[]\n');
      } finally {
        empty.cleanup();
      }
    });
  });

  describe('the journal is found the way the service finds it', function () {
    it('the installed paths are those of the unit: ExecStart=/usr/bin/evse run --config … --state-dir …', function () {
      const unit = readFileSync(join(repoRoot, 'systemd', 'evse.service'), 'utf8');
      const execStart = /^ExecStart=\S+ run --config (\S+) --state-dir (\S+)$/m.exec(unit);
      assert.ok(execStart, 'ExecStart of evse.service');
      assert.deepEqual([execStart[1], execStart[2]], [installedService.configPath, installedService.stateDir]);
    });

    it('beside the installed service: its config (tariff, time zone, station id) and /var/lib/evse, without options', async function () {
      mkdirSync(join(state.dir, 'etc'));
      // The config's own journal.stateDir is not where the service keeps it: the unit's --state-dir overrides it.
      writeFileSync(installed.configPath, JSON.stringify({ station: { id: 'EVSE-INSTALLED' }, journal: { stateDir: join(state.dir, 'elsewhere') } }));
      writeJournal(installed.stateDir);
      const receipt = await runReceipt('1', { format: 'text' }, billingDeps(june, installed));
      assert.match(receipt, /EVSE-INSTALLED/);
      assert.deepEqual(ids(await runReport('sessions', { format: 'json' }, billingDeps(june, installed))), [1, 2]);
      assert.deepEqual(opened, [installed.stateDir, installed.stateDir]);
      runExport({ format: 'json', what: 'sessions' }, exportDeps(june, installed));
      assert.deepEqual(ids(out), [1, 2]);
      // --config naming the installed file is the same thing.
      await runReport('sessions', { config: installed.configPath, format: 'json' }, billingDeps(june, installed));
      assert.equal(opened.at(-1), installed.stateDir);
    });

    it('--state-dir wins; another --config gives its journal.stateDir; without an installed service the defaults apply', async function () {
      mkdirSync(join(state.dir, 'etc'));
      writeFileSync(installed.configPath, JSON.stringify({}));
      writeJournal(state.dir);
      await runReport('sessions', { stateDir: state.dir, format: 'json' }, billingDeps(june, installed));
      assert.equal(opened.at(-1), state.dir);

      const bench = join(state.dir, 'bench.json');
      const benchState = join(state.dir, 'bench-state');
      writeFileSync(bench, JSON.stringify({ journal: { stateDir: benchState } }));
      writeJournal(benchState);
      await runReport('sessions', { config: bench, format: 'json' }, billingDeps(june, installed));
      assert.equal(opened.at(-1), benchState);

      // No installed service here: the default of an empty config, as evse sim uses it (whether a journal is there or not).
      await runReport('sessions', { format: 'json' }, billingDeps(june, null)).catch(() => undefined);
      assert.equal(opened.at(-1), './.evse-state');
    });
  });

  describe('read-only: never a migration, never a write', function () {
    it('report, receipt and export refuse a journal that needs a migration and leave it exactly as it was', async function () {
      // A file as the station leaves it when it stops between creating the file and its first migration.
      const db = new Database(journalPath(state.dir));
      db.pragma('journal_mode = WAL');
      db.close();
      const before = digest(journalPath(state.dir));
      const needsMigration = (err: unknown): boolean =>
        err instanceof EvseError && err.code === EvseErrorCode.JournalUnavailable && err.message.includes('only the station migrates it');
      await assert.rejects(runReport('sessions', { stateDir: state.dir, format: 'json' }, billingDeps()), needsMigration);
      await assert.rejects(runReceipt('1', { stateDir: state.dir, format: 'json' }, billingDeps()), needsMigration);
      assert.throws(() => runExport({ stateDir: state.dir, format: 'csv', what: 'alerts' }, exportDeps()), needsMigration);
      assert.equal(digest(journalPath(state.dir)), before);
      const after = new Database(journalPath(state.dir), { readonly: true });
      assert.equal(after.pragma('user_version', { simple: true }), 0);
      assert.deepEqual(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all(), [], 'no table created');
      after.close();
    });

    it('report, receipt and export open the file read-only: a write through their connection is impossible', async function () {
      writeJournal(state.dir);
      const before = digest(journalPath(state.dir));
      // Each command's own connection, as it opens it: better-sqlite3 says whether it is read-only.
      const { openReadOnlyJournal, openReadOnlyDatabase } = await import('../../src/journal/read-only.js');
      const journal = openReadOnlyJournal(state.dir);
      assert.equal(journal.readonly, true);
      journal.close();
      const raw = openReadOnlyDatabase(state.dir);
      assert.equal(raw.readonly, true);
      assert.throws(() => raw.exec('DELETE FROM sessions'), /readonly/);
      raw.close();
      await runReport('sessions', { stateDir: state.dir, format: 'csv' }, billingDeps());
      await runReceipt('2', { stateDir: state.dir, format: 'json' }, billingDeps());
      runExport({ stateDir: state.dir, format: 'csv', what: 'samples' }, exportDeps());
      assert.equal(digest(journalPath(state.dir)), before);
    });
  });
});
