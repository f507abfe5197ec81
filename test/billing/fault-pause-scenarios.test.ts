import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import { buildReceipt, renderReceiptText } from '../../src/billing/receipt.js';
import { storedFinalBreakdown } from '../../src/billing/stored-cost.js';
import { systemClock } from '../../src/clock.js';
import { runScenario } from '../../src/commands/sim/run-scenario.js';
import { findScenario } from '../../src/commands/sim/scenarios.js';
import { parseConfig } from '../../src/config/load.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import type { EventRow, SessionRow } from '../../src/journal/ports.js';
import { silentLogger } from '../../src/logger.js';

/** The real timer, captured before sinon fakes it: the journal's worker thread answers in real time. */
const realSetTimeout = globalThis.setTimeout;

/** 6.00 EUR per charging hour and 0.10 EUR per idle minute from the first minute: every paused second would show. */
const tariff = { id: 'per-hour', pricePerChargingHour: '6', idleFeePerMinute: '0.10', idleGraceMinutes: 0 };

/** Runs a simulator scenario on fake time against the real SQLite journal; returns the session as journaled. */
async function runWithJournal(name: string, dir: string): Promise<{ session: SessionRow; events: EventRow[]; journal: Journal }> {
  const scenario = findScenario(name);
  assert.ok(scenario, name);
  const journal = await openJournal({ stateDir: dir });
  const clock = sinon.useFakeTimers({
    now: Date.parse('2026-03-02T08:00:00Z'),
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
  try {
    const done = runScenario({
      scenario,
      config: parseConfig({ station: { timeZone: 'Europe/Berlin' }, tariff }),
      clock: systemClock,
      logger: silentLogger(),
      recorder: journal,
      reader: journal,
      meterPath: 'modbus',
    });
    let finished = false;
    void done.finally(() => {
      finished = true;
    });
    for (let i = 0; i < 20_000 && !finished; i++) {
      await clock.tickAsync(250);
      await new Promise((resolve) => realSetTimeout(resolve, 1));
    }
    assert.ok(finished, `${name} did not finish`);
    const result = await done;
    assert.deepEqual(result.problems, []);
  } finally {
    clock.restore();
  }
  const [session] = await journal.sessions({ fromMs: 0, toMs: Date.parse('2027-01-01') });
  assert.ok(session);
  return { session, events: [...(await journal.events(session.id))], journal };
}

const at = (events: readonly EventRow[], kind: EventRow['kind']): number => {
  const event = events.find((e) => e.kind === kind);
  assert.ok(event, `${kind} journaled`);
  return event.atMs;
};

describe('billing: stop-class fault pauses in the simulator scenarios (real SQLite journal)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'evse-fault-pause-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, fault] of [
    ['meter-loss', 'meter-lost'],
    ['overcurrent-ev', 'soft-overcurrent'],
  ] as const) {
    it(`${name}: the ${fault} pause is billed neither as charging nor as idle, and the receipt names it`, async () => {
      const { session, events, journal } = await runWithJournal(name, dir);
      try {
        // The EV drew all along: no completion and resume made up around the pause.
        assert.deepEqual(
          events.filter((e) => e.kind === 'charging-completed' || e.kind === 'resumed').map((e) => e.kind),
          [],
          `events: ${events.map((e) => e.kind).join(', ')}`,
        );
        const raisedAt = at(events, 'fault-raised');
        const clearedAt = at(events, 'fault-cleared');
        const flowAt = at(events, 'energy-flow-started');
        assert.ok(clearedAt - raisedAt >= 25_000, `a pause of ${clearedAt - raisedAt} ms`);
        assert.ok(session.stopAtMs !== null && session.unplugAtMs !== null);

        // The bill was closed at the unplug and stored: charging excludes the pause, idle is only after the stop.
        const billed = storedFinalBreakdown(session);
        assert.ok(billed, 'final breakdown stored at the unplug');
        assert.deepEqual(billed.pauses, [{ fromMs: raisedAt, toMs: clearedAt, ms: clearedAt - raisedAt, faults: [fault] }]);
        const chargingMs = session.stopAtMs - flowAt - (clearedAt - raisedAt);
        assert.equal(billed.time.chargingMs, chargingMs);
        assert.equal(billed.idle.idleMs, session.unplugAtMs - session.stopAtMs);
        // 6/h × ms and 0.10/min × ms, each to the cent, half-up (the lines add up by the running-sum rule).
        const exactCents = (6 * 100 * chargingMs) / 3_600_000 + (0.1 * 100 * billed.idle.idleMs) / 60_000;
        assert.equal(billed.totalMinor, Math.floor(exactCents + 0.5));
        assert.equal(billed.stationTimeZone, 'Europe/Berlin');

        const text = renderReceiptText(
          buildReceipt(session, [...(await journal.samples(session.id))], events, {
            tariff: parseConfig({}).tariff,
            stationTimeZone: 'UTC',
            nowMs: session.unplugAtMs + 60_000,
          }),
        );
        assert.match(text, new RegExp(`Paused +2026-03-02 09:0\\d:\\d\\d \\+01:00–09:0\\d:\\d\\d \\d+ s \\(${fault}\\): not billed`));
        assert.match(text, /paused, not billed\)/);
        assert.match(text, /Amounts +as billed/);
      } finally {
        await journal.close();
      }
    });
  }
});
