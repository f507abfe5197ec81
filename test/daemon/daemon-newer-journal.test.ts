import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ExitCode } from '../../src/errors.js';
import { knownSchemaVersion } from '../../src/journal/migrations.js';
import { journalPath, openStore } from '../../src/journal/open.js';
import { pins } from '../hal/gpio/support/config.js';
import { daemonSuite, gpioFiles, startDaemon } from './support/daemon.js';

/**
 * Bad input of issue 12: `evse run` (the daemon as systemd starts it, on real onoff over a fake /sys/class, the meter
 * answered by meter-sim) finds a journal written by a newer evse. It refuses to start, naming the file and both
 * versions, exits 65 (EX_DATAERR), leaves the outputs safe, never says READY=1, and leaves the file byte for byte.
 */
describe('evse run on a journal from a newer evse', function () {
  this.timeout(60_000);
  const suite = daemonSuite('newer-journal', { socat: true });

  it(`refuses to start: exit ${ExitCode.DataErr}, both versions named, outputs safe, the file untouched`, async () => {
    const { dir, sysfs, socket, children } = suite;
    const stateDir = join(dir, 'state');
    const newer = knownSchemaVersion() + 3;
    const { store } = openStore({ stateDir, synchronous: 'FULL', busyTimeoutMs: 1000, commitDelayMs: 0, nowMs: Date.now() });
    store.db.exec('CREATE TABLE from_the_future (x INTEGER)');
    store.db.pragma(`user_version = ${newer}`);
    store.close();
    const path = journalPath(stateDir);
    const before = createHash('sha256').update(readFileSync(path)).digest('hex');

    const d = await startDaemon({ dir, sysfs, socket, children });
    const code = await d.exited;
    assert.equal(code, ExitCode.DataErr, d.logs());
    assert.match(
      d.logs(),
      new RegExp(`evse: journal ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is schema version ${newer}, this evse knows up to ${knownSchemaVersion()}; refusing to downgrade it`),
    );
    assert.equal(socket.with('READY=1').length, 0, 'never ready');
    assert.equal(gpioFiles(sysfs).value(pins.relay), '1', 'relay inactive');
    assert.equal(sysfs.pwm('duty_cycle'), '0', 'pilot in F');
    assert.equal(createHash('sha256').update(readFileSync(path)).digest('hex'), before, 'journal.db unchanged');
    assert.deepEqual(readdirSync(stateDir).filter((f) => f.startsWith('journal.db')), ['journal.db'], 'nothing moved aside or created beside it');
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), newer);
    db.close();
  });
});
