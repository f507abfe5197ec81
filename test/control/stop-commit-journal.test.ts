import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { createSimStation, type SimStation } from '../../src/commands/sim/sim-station.js';
import type { ControllerEvent } from '../../src/control/charger-controller.js';
import { EvseErrorCode, type EvseError } from '../../src/errors.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import { journalPath } from '../../src/journal/open.js';
import { silentLogger } from '../../src/logger.js';
import type { OcppClient } from '../../src/ocpp/client.js';
import { createUplink, uplinkAuthorizer } from '../../src/wiring/uplink.js';
import { benchConfigInput } from '../../simulator/bench-config.js';
import { createBenchCsms, type BenchCsms } from '../../simulator/csms/bench-csms.js';
import { tempStateDir } from '../journal/support/helpers.js';

/** Polls in real time (sockets and the journal worker do not run on fake timers). */
async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const FILLER = 'test.filler';

describe('a failed stop commit on the real SQLite journal: the StopTransaction leaves once storage returns, without a reboot', function () {
  this.timeout(90_000);
  let state: ReturnType<typeof tempStateDir>;
  let csms: BenchCsms;
  let journal: Journal;
  let sim: SimStation | null = null;
  let uplink: OcppClient | null = null;

  beforeEach(async () => {
    state = tempStateDir('evse-stop-commit-');
    csms = await createBenchCsms({ port: 0 });
    // The schema first, then the file capped a little above its size: a full disk on demand (max_page_count).
    await (await openJournal({ stateDir: state.dir })).close();
    const pages = new Database(journalPath(state.dir)).pragma('page_count', { simple: true }) as number;
    journal = await openJournal({ stateDir: state.dir, maxPageCount: pages + 64 });
  });

  afterEach(async () => {
    await sim?.close();
    sim = null;
    await uplink?.stop();
    uplink = null;
    await journal.close();
    await csms.close();
    state.cleanup();
  });

  it('disk full mid-session: the station stops safe and says so, keeps the stop pending, and sends StopTransaction when space is freed', async () => {
    const config = parseConfig({ ...benchConfigInput, ocpp: { url: csms.url, chargePointId: 'CP-STOP' } });
    const logger = silentLogger();
    sim = await createSimStation({
      config,
      clock: systemClock,
      logger,
      recorder: journal,
      reader: journal,
      meterPath: 'direct',
      authorizer: uplinkAuthorizer(() => uplink),
    });
    const station = sim.station;
    const events: ControllerEvent[] = [];
    station.onEvent((e) => events.push(e));
    uplink = await createUplink({ station, journal, config, clock: systemClock, logger, onReset: () => Promise.resolve() });
    uplink.start();
    await until(() => csms.callsOf('BootNotification').length > 0, 'BootNotification');
    sim.world.plug();
    await until(async () => (await station.tap('SIMCARD01')) === 'started', 'an accepted tap');
    await until(() => station.controller.snapshot().status === 'Charging', 'Charging');
    const sessionId = station.controller.activeSessionId();
    assert.ok(sessionId !== null);
    await until(async () => (await journal.transactionIdFor(sessionId)) !== null, 'StartTransaction.conf');
    const transactionId = await journal.transactionIdFor(sessionId);

    // The disk fills up (another writer on the same card, say).
    // Large writes first, then ever smaller ones, until not even a small row fits.
    let full: EvseError | null = null;
    let key = 0;
    for (const size of [2_000, 200, 20, 1]) {
      full = null;
      for (let i = 0; i < 10_000 && full === null; i++) {
        try {
          await journal.set(FILLER, `k${key++}`, 'x'.repeat(size));
        } catch (err) {
          full = err as EvseError;
        }
      }
    }
    assert.ok(full, 'the capped file filled up');
    assert.equal(full.code, EvseErrorCode.JournalUnavailable);
    // Free pages are gone, but a table's last page may still take a small row: fill the timeline's too, so the stop's
    // first write (its `stopped` event) finds no room either.
    let timelineFull = false;
    for (let i = 0; i < 10_000 && !timelineFull; i++) {
      try {
        await journal.recordEvent(sessionId, { kind: 'limit-changed', atMs: Date.now(), detail: { amps: 6 } });
      } catch {
        timelineFull = true;
      }
    }
    assert.ok(timelineFull);

    // The driver stops; the stop cannot be committed. (A failed sample write may already have stopped it.)
    station.controller.stop('Local');
    await until(() => sim!.world.contactor.commanded() === 'open', 'contactor open');
    await until(() => events.some((e) => e.type === 'fault' && e.event.type === 'raised' && e.event.fault.definition.name === 'journal-unavailable'), 'journal-unavailable');
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(station.controller.activeSessionId(), sessionId, 'the session is not forgotten while its stop is pending');
    assert.equal(station.controller.snapshot().status, 'Faulted', 'the station says it cannot record');
    assert.equal(csms.callsOf('StopTransaction').length, 0, 'no StopTransaction while the stop is not durable');
    assert.ok(!events.some((e) => e.type === 'session-stopped'));

    // Space is freed: the next retry commits the stop and the outbox sends it, in this process.
    await journal.clear(FILLER);
    await until(() => csms.callsOf('StopTransaction').length > 0, 'StopTransaction at the CSMS', 45_000);
    const stops = csms.callsOf('StopTransaction');
    assert.equal(stops.length, 1);
    assert.equal(stops[0]?.['transactionId'], transactionId);
    assert.ok(events.some((e) => e.type === 'session-stopped' && e.sessionId === sessionId));
    assert.equal(station.controller.activeSessionId(), null);
    const row = await journal.session(sessionId);
    assert.ok(row?.stopAtMs !== null && row?.meterStopWh !== null, 'the stop is in the journal');
  });
});
