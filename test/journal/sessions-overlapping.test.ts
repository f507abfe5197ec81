import assert from 'node:assert/strict';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import type { SessionStart } from '../../src/session/recorder.js';
import { manualClock, tempStateDir } from './support/helpers.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The range asked for: one UTC day. */
const from = Date.UTC(2026, 5, 2);
const to = Date.UTC(2026, 5, 3);

interface Spec {
  readonly name: string;
  readonly connectorId?: number;
  readonly plugInAtMs: number;
  readonly startAtMs: number;
  readonly stopAtMs?: number;
  readonly unplugAtMs?: number;
}

/** Sessions around the range (one connector each where they would be open at the same time). */
const specs: readonly Spec[] = [
  { name: 'ended before', plugInAtMs: from - 14 * HOUR, startAtMs: from - 14 * HOUR, stopAtMs: from - 12 * HOUR, unplugAtMs: from - 11 * HOUR },
  { name: 'stopped before, unplugged after from', plugInAtMs: from - 3 * HOUR, startAtMs: from - 3 * HOUR, stopAtMs: from - 10 * MINUTE, unplugAtMs: from + 30 * MINUTE },
  { name: 'overnight across from', plugInAtMs: from - 62 * MINUTE, startAtMs: from - HOUR, stopAtMs: from + 6 * HOUR, unplugAtMs: from + 7 * HOUR },
  { name: 'stopped after from, no unplug', plugInAtMs: from - 2 * HOUR, startAtMs: from - 2 * HOUR, stopAtMs: from + 10 * MINUTE },
  { name: 'inside', plugInAtMs: from + 9 * HOUR, startAtMs: from + 9 * HOUR, stopAtMs: from + 11 * HOUR, unplugAtMs: from + 11 * HOUR + 5 * MINUTE },
  { name: 'across to', plugInAtMs: to - HOUR, startAtMs: to - HOUR, stopAtMs: to + 2 * HOUR, unplugAtMs: to + 3 * HOUR },
  { name: 'plugged before to, started after', plugInAtMs: to - 2 * MINUTE, startAtMs: to + MINUTE, stopAtMs: to + HOUR, unplugAtMs: to + HOUR },
  { name: 'after', plugInAtMs: to + 8 * HOUR, startAtMs: to + 8 * HOUR, stopAtMs: to + 9 * HOUR, unplugAtMs: to + 9 * HOUR },
  { name: 'open, started inside', connectorId: 2, plugInAtMs: from + 20 * HOUR, startAtMs: from + 20 * HOUR },
  { name: 'open, started before', connectorId: 3, plugInAtMs: from - 30 * HOUR, startAtMs: from - 30 * HOUR },
  { name: 'open, started after', connectorId: 4, plugInAtMs: to + HOUR, startAtMs: to + HOUR },
];

describe('journal: sessions by start or overlapping a range (real SQLite)', function () {
  const clock = manualClock(to + 2 * 86_400_000);
  let state: ReturnType<typeof tempStateDir>;
  let journal: Journal;
  const names = new Map<number, string>();

  before(async function () {
    state = tempStateDir();
    journal = await openJournal({ stateDir: state.dir, clock });
    let meterWh = 100_000;
    for (const spec of specs) {
      const start: SessionStart = {
        connectorId: spec.connectorId ?? 1,
        idTag: 'CARD0001',
        plugInAtMs: spec.plugInAtMs,
        authorizedAtMs: spec.startAtMs,
        startAtMs: spec.startAtMs,
        meterStartWh: meterWh,
      };
      const id = await journal.startSession(start);
      names.set(id, spec.name);
      meterWh += 1000;
      if (spec.stopAtMs !== undefined) await journal.stopSession(id, { stopAtMs: spec.stopAtMs, meterStopWh: meterWh, reason: 'Local' });
      if (spec.unplugAtMs !== undefined) await journal.recordUnplug(id, spec.unplugAtMs);
    }
  });
  after(async function () {
    await journal.close();
    state.cleanup();
  });

  const namesOf = (rows: readonly { id: number }[]): string[] => rows.map((r) => names.get(r.id) ?? `#${r.id}`);

  it('by default: the sessions whose start lies in [from, to), oldest first', async function () {
    const started = ['inside', 'open, started inside', 'across to'];
    assert.deepEqual(namesOf(await journal.sessions({ fromMs: from, toMs: to })), started);
    assert.deepEqual(namesOf(await journal.sessions({ fromMs: from, toMs: to }, { overlapping: false })), started);
  });

  it('overlapping: every session that occupied the connector during the range, open ones included', async function () {
    assert.deepEqual(namesOf(await journal.sessions({ fromMs: from, toMs: to }, { overlapping: true })), [
      'open, started before',
      'stopped before, unplugged after from',
      'stopped after from, no unplug',
      'overnight across from',
      'inside',
      'open, started inside',
      'across to',
      'plugged before to, started after',
    ]);
  });

  it('overlapping: the range ends are exclusive (unplugged exactly at from, plugged in exactly at to)', async function () {
    // "ended before" is unplugged at from − 11 h; "after" is plugged in at to + 8 h.
    const justAfter = await journal.sessions({ fromMs: from - 11 * HOUR, toMs: from - 11 * HOUR + 1 }, { overlapping: true });
    assert.ok(!namesOf(justAfter).includes('ended before'));
    const justBefore = await journal.sessions({ fromMs: to + 8 * HOUR - 1, toMs: to + 8 * HOUR }, { overlapping: true });
    assert.ok(!namesOf(justBefore).includes('after'));
    const touching = await journal.sessions({ fromMs: to + 8 * HOUR, toMs: to + 8 * HOUR + 1 }, { overlapping: true });
    assert.ok(namesOf(touching).includes('after'));
  });
});
