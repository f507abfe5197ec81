import assert from 'node:assert/strict';
import sinon from 'sinon';
import { EvseError, EvseErrorCode } from '../../src/errors.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import { manualClock, sampleAt, sessionStart, tempStateDir } from './support/helpers.js';

describe('journal (worker): sessions, samples, events', function () {
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

  it('commits a session start together with its StartTransaction (payload without any transactionId)', async function () {
    const t0 = clock.nowMs();
    const id = await journal.startSession({ ...sessionStart(t0, 1_000), reservationId: 7 });
    const row = await journal.session(id);
    assert.equal(row?.meterStartWh, 1_000);
    assert.equal(row?.stopAtMs, null);
    const head = await journal.head();
    assert.deepEqual(
      { kind: head?.kind, sessionId: head?.sessionId, payload: head?.payload },
      {
        kind: 'StartTransaction',
        sessionId: id,
        payload: { connectorId: 1, idTag: 'CARD0001', meterStart: 1_000, timestamp: new Date(t0).toISOString(), reservationId: 7 },
      },
    );
    await journal.stopSession(id, { stopAtMs: t0 + 1000, meterStopWh: 1_000, reason: 'Local' });
  });

  it('refuses a second open session on the same connector', async function () {
    const id = await journal.startSession(sessionStart(clock.nowMs(), 2_000));
    await assert.rejects(journal.startSession(sessionStart(clock.nowMs(), 2_000)), (err: EvseError) => {
      assert.equal(err.code, EvseErrorCode.InvalidArgument);
      assert.match(err.message, new RegExp(`open session ${id}`));
      return true;
    });
    await journal.stopSession(id, { stopAtMs: clock.nowMs(), meterStopWh: 2_000, reason: 'Local' });
  });

  it('journals samples, events, stop and unplug of a session, readable back in order', async function () {
    const t0 = clock.nowMs();
    const id = await journal.startSession(sessionStart(t0, 5_000));
    await journal.recordEvent(id, { kind: 'energy-flow-started', atMs: t0 + 500 });
    for (let i = 1; i <= 3; i++) await journal.recordSample(id, sampleAt(5_000 + i * 3, t0 + i * 1000));
    await journal.recordEvent(id, { kind: 'limit-changed', atMs: t0 + 3500, detail: { limitA: 10 } });
    await journal.stopSession(id, { stopAtMs: t0 + 4000, meterStopWh: 5_010, reason: 'Local', stopIdTag: 'CARD0002' });
    await journal.recordUnplug(id, t0 + 9000);

    const samples = await journal.samples(id);
    assert.deepEqual(
      samples.map((s) => s.importWh),
      [5_003, 5_006, 5_009],
    );
    assert.deepEqual(samples[0]?.currentsA.length, 3);
    const events = await journal.events(id);
    assert.deepEqual(
      events.map((e) => [e.kind, e.detail]),
      [
        ['energy-flow-started', null],
        ['limit-changed', { limitA: 10 }],
      ],
    );
    const row = await journal.session(id);
    assert.deepEqual(
      [row?.meterStopWh, row?.stopReason, row?.stopAtMs, row?.unplugAtMs],
      [5_010, 'Local', t0 + 4000, t0 + 9000],
    );
  });

  it('queues StopTransaction with meterStop, timestamp, reason and idTag, and no transactionId', async function () {
    const t0 = clock.nowMs();
    const id = await journal.startSession(sessionStart(t0, 7_000));
    await journal.stopSession(id, { stopAtMs: t0 + 60_000, meterStopWh: 7_400, reason: 'Remote', stopIdTag: 'CARD0003' });
    const stops: Record<string, unknown>[] = [];
    for (let message = await journal.head(); message; message = await journal.head()) {
      if (message.kind === 'StopTransaction' && message.sessionId === id) stops.push({ ...message.payload });
      await journal.markDelivered(message.seq, message.kind === 'StartTransaction' ? { transactionId: message.seq, raw: {} } : { raw: {} });
    }
    assert.deepEqual(stops, [{ meterStop: 7_400, timestamp: new Date(t0 + 60_000).toISOString(), reason: 'Remote', idTag: 'CARD0003' }]);
  });

  it('rejects a sample or a second stop of a stopped session, so a session ends exactly once', async function () {
    const id = await journal.startSession(sessionStart(clock.nowMs(), 9_000));
    await journal.stopSession(id, { stopAtMs: clock.nowMs(), meterStopWh: 9_001, reason: 'EVDisconnected' });
    await assert.rejects(journal.stopSession(id, { stopAtMs: clock.nowMs(), meterStopWh: 9_002, reason: 'Local' }), /already stopped/);
    await assert.rejects(journal.recordSample(id, sampleAt(9_003, clock.nowMs())), /already stopped/);
    assert.equal((await journal.session(id))?.meterStopWh, 9_001);
  });

  it('names the bad value of an invalid register and writes nothing', async function () {
    await assert.rejects(journal.startSession(sessionStart(clock.nowMs(), 12.5)), (err: EvseError) => {
      assert.equal(err.code, EvseErrorCode.InvalidArgument);
      assert.match(err.message, /meterStartWh .*got 12\.5/);
      return true;
    });
    const id = await journal.startSession(sessionStart(clock.nowMs(), 10_000));
    await assert.rejects(journal.recordSample(id, sampleAt(-1, clock.nowMs())), /importWh .*got -1/);
    await assert.rejects(journal.recordSample(999_999, sampleAt(10_001, clock.nowMs())), /no session 999999/);
    assert.equal((await journal.samples(id)).length, 0);
    await journal.stopSession(id, { stopAtMs: clock.nowMs(), meterStopWh: 10_000, reason: 'Local' });
  });

  it('lists sessions by start time and stores a cost breakdown', async function () {
    clock.advance(86_400_000);
    const t0 = clock.nowMs();
    const id = await journal.startSession(sessionStart(t0, 20_000));
    await journal.stopSession(id, { stopAtMs: t0 + 1, meterStopWh: 20_500, reason: 'Local' });
    await journal.saveCost(id, { totalMinor: 215, currency: 'EUR' });
    const inRange = await journal.sessions({ fromMs: t0, toMs: t0 + 1 });
    assert.deepEqual(
      inRange.map((s) => [s.id, s.cost]),
      [[id, { totalMinor: 215, currency: 'EUR' }]],
    );
    assert.deepEqual(await journal.sessions({ fromMs: t0 + 1, toMs: t0 + 2 }), []);
    assert.equal(await journal.lastMeterWh(), 20_500);
  });

  it('keeps settings by namespace (OCPP keys, local list, cache)', async function () {
    await journal.set('ocpp.config', 'HeartbeatInterval', 300);
    await journal.set('ocpp.config', 'MeterValuesSampledData', 'Energy.Active.Import.Register');
    await journal.set('ocpp.localList', 'CARD0001', { status: 'Accepted', expiry: null });
    assert.equal(await journal.get('ocpp.config', 'HeartbeatInterval'), 300);
    await journal.set('ocpp.config', 'HeartbeatInterval', 600);
    assert.deepEqual(
      [...(await journal.list('ocpp.config')).entries()],
      [
        ['HeartbeatInterval', 600],
        ['MeterValuesSampledData', 'Energy.Active.Import.Register'],
      ],
    );
    await journal.delete('ocpp.config', 'HeartbeatInterval');
    assert.equal(await journal.get('ocpp.config', 'HeartbeatInterval'), undefined);
    await journal.clear('ocpp.localList');
    assert.equal((await journal.list('ocpp.localList')).size, 0);
    assert.equal((await journal.list('ocpp.config')).size, 1);
  });

  it('raises alerts and lists them oldest first', async function () {
    const before = (await journal.alerts()).length;
    await journal.raiseAlert({ severity: 'warn', code: 'meter-slow', message: 'Meter answers slowly.', detail: { ms: 180 } });
    const alerts = await journal.alerts();
    assert.equal(alerts.length, before + 1);
    assert.deepEqual(alerts.at(-1)?.detail, { ms: 180 });
    assert.equal(alerts.at(-1)?.atMs, clock.nowMs());
  });

  it('lists only the newest alerts when asked for the latest N, still oldest first', async function () {
    for (let i = 0; i < 8; i++) await journal.raiseAlert({ severity: 'info', code: `c${i}`, message: `alert ${i}` });
    const all = await journal.alerts();
    const latest = await journal.alerts(3);
    assert.deepEqual(
      latest.map((a) => a.code),
      all.slice(-3).map((a) => a.code),
    );
    assert.deepEqual(latest.map((a) => a.code), ['c5', 'c6', 'c7']);
    await assert.rejects(journal.alerts(0), (err: unknown) => err instanceof EvseError && err.code === EvseErrorCode.InvalidArgument);
  });
});

describe('journal (worker): durability and threading', function () {
  it('keeps every acknowledged fact across close and reopen', async function () {
    const state = tempStateDir();
    const clock = manualClock();
    try {
      const first = await openJournal({ stateDir: state.dir, clock });
      const id = await first.startSession(sessionStart(clock.nowMs(), 100));
      await first.recordSample(id, sampleAt(110, clock.nowMs() + 1000));
      await first.set('ocpp.config', 'HeartbeatInterval', 120);
      await first.close();
      await assert.rejects(first.depth(), (err: EvseError) => err.code === EvseErrorCode.JournalUnavailable);

      const second = await openJournal({ stateDir: state.dir, clock });
      assert.equal((await second.samples(id))[0]?.importWh, 110);
      assert.equal(await second.get('ocpp.config', 'HeartbeatInterval'), 120);
      assert.equal((await second.head())?.kind, 'StartTransaction');
      await second.close();
    } finally {
      state.cleanup();
    }
  });

  it('works under sinon fake timers (station tests drive time; commits are messages, not timers)', async function () {
    const state = tempStateDir();
    const fake = sinon.useFakeTimers({ now: Date.UTC(2026, 5, 1, 12, 0, 0) });
    try {
      const journal = await openJournal({ stateDir: state.dir });
      const id = await journal.startSession(sessionStart(Date.now(), 42));
      fake.tick(60_000);
      await journal.stopSession(id, { stopAtMs: Date.now(), meterStopWh: 50, reason: 'Local' });
      const stop = (await journal.sessions({ fromMs: 0, toMs: Date.now() })).at(0);
      assert.deepEqual([stop?.startAtMs, stop?.stopAtMs], [Date.UTC(2026, 5, 1, 12, 0, 0), Date.UTC(2026, 5, 1, 12, 1, 0)]);
      await journal.close();
    } finally {
      fake.restore();
      state.cleanup();
    }
  });

  it('leaves the main thread free while the worker holds a slow commit (emulated worn SD card)', async function () {
    const state = tempStateDir();
    try {
      const journal = await openJournal({ stateDir: state.dir, commitDelayMs: 300 });
      const started = performance.now();
      let committedAt = 0;
      const commit = journal.set('bench', 'k', 1).then(() => {
        committedAt = performance.now() - started;
      });
      // While the commit is held in the worker, a 5 ms timer on this thread must fire on time.
      const timerLateBy = await new Promise<number>((resolve) => {
        const t = performance.now();
        setTimeout(() => resolve(performance.now() - t - 5), 5);
      });
      assert.equal(committedAt, 0, 'the commit must still be held when the timer fires');
      assert.ok(timerLateBy < 100, `main-thread timer was ${timerLateBy.toFixed(1)} ms late`);
      await commit;
      assert.ok(committedAt >= 290, `acknowledged after ${committedAt.toFixed(0)} ms, before the held commit ended`);
      await journal.close();
    } finally {
      state.cleanup();
    }
  });
});
