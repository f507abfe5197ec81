import assert from 'node:assert/strict';
import sinon from 'sinon';
import { acceleratedClock, MAX_TIMER_DELAY_MS, StationClock, systemClock, type Clock } from '../src/clock.js';

const MINUTE = 60_000;
const DAY = 24 * 3600 * 1000;
/** The dates of issue 17: beyond the 2^31−1 ms (24.8 days) a host timer takes. */
const AHEAD: readonly [string, number][] = [
  ['25 days', 25 * DAY],
  ['1 year', 365 * DAY],
  ['10 years', 3652 * DAY],
];
const START = Date.UTC(2026, 0, 1, 10, 0, 0);

describe('long timers: the clock honours any delay (issue 17, item 5)', () => {
  let fake: sinon.SinonFakeTimers;
  /** Fake timers with the host's limit: @sinonjs/fake-timers fires a delay above 2^31−1 ms after 1 ms, as Node does. */
  const install = (): void => {
    fake = sinon.useFakeTimers({ now: START, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
  };
  afterEach(() => fake?.restore());

  describe('the limit is real, and the fake clock reproduces it', () => {
    it('Node fires a raw setTimeout of 2^31 ms at once (the defect)', async () => {
      const warn = sinon.stub(process, 'emitWarning'); // TimeoutOverflowWarning, expected here
      try {
        const t0 = performance.now();
        await new Promise<void>((resolve) => setTimeout(resolve, MAX_TIMER_DELAY_MS + 1));
        assert.ok(performance.now() - t0 < 1000, 'fired long before 24.8 days');
      } finally {
        warn.restore();
      }
    });

    it('sinon fake timers fire a raw setTimeout above 2^31−1 ms after 1 ms, and one of 2^31−1 ms on time', () => {
      install();
      const over = sinon.spy();
      const at = sinon.spy();
      setTimeout(over, MAX_TIMER_DELAY_MS + 1);
      setTimeout(at, MAX_TIMER_DELAY_MS);
      fake.tick(1);
      assert.equal(over.callCount, 1, 'the overflow is emulated');
      fake.tick(MAX_TIMER_DELAY_MS - 2);
      assert.equal(at.callCount, 0);
      fake.tick(1);
      assert.equal(at.callCount, 1);
    });

    it('with real timers, systemClock does not fire a 2^31 ms timeout early, and clearTimeout cancels it', async () => {
      const fn = sinon.spy();
      const handle = systemClock.setTimeout(fn, MAX_TIMER_DELAY_MS + 1);
      await new Promise<void>((resolve) => setTimeout(resolve, 50));
      systemClock.clearTimeout(handle);
      assert.equal(fn.callCount, 0);
    });
  });

  /** Arms `clock`'s timer for `aheadMs` and checks it fires within a minute of its date: not before, not late. */
  function keepsTheDate(clock: () => Clock, aheadMs: number, speed = 1): void {
    install();
    const c = clock();
    /** Advances the host's (fake) time until `c` reads `wallMs`. */
    const tickTo = (wallMs: number): void => void fake.tick(Math.ceil((wallMs - c.nowMs()) / speed));
    const date = c.nowMs() + aheadMs;
    let firedAt: number | null = null;
    c.setTimeout(() => (firedAt = c.nowMs()), date - c.nowMs());
    fake.tick(1);
    assert.equal(firedAt, null, 'not at once');
    tickTo(date - MINUTE);
    assert.equal(firedAt, null, 'not a minute early');
    tickTo(date + MINUTE);
    assert.ok(firedAt !== null, 'fired by a minute after the date');
    assert.ok(Math.abs(firedAt - date) <= MINUTE, `fired ${firedAt - date} ms from the date`);
  }

  for (const [name, clock, speed] of [
    ['systemClock', () => systemClock, 1],
    ['StationClock', () => new StationClock(systemClock, { awaitCsms: false }), 1],
    ['acceleratedClock (×2)', () => acceleratedClock(2), 2],
    ['acceleratedClock (×0.5)', () => acceleratedClock(0.5), 0.5],
  ] as const) {
    describe(name, () => {
      for (const [label, aheadMs] of AHEAD) {
        it(`a date ${label} ahead fires within a minute of it`, () => keepsTheDate(clock, aheadMs, speed));
      }
    });
  }

  describe('systemClock', () => {
    it('clearTimeout cancels a chained timer, before and after its first step', () => {
      install();
      const early = sinon.spy();
      const late = sinon.spy();
      const a = systemClock.setTimeout(early, 365 * DAY);
      const b = systemClock.setTimeout(late, 365 * DAY);
      systemClock.clearTimeout(a);
      fake.tick(30 * DAY); // b's first step has fired and re-armed
      systemClock.clearTimeout(b);
      fake.tick(400 * DAY);
      assert.equal(early.callCount, 0);
      assert.equal(late.callCount, 0);
      systemClock.clearTimeout(b); // clearing twice is harmless
    });

    it('a date in the past (or now) fires at once', () => {
      install();
      const past = sinon.spy();
      const now = sinon.spy();
      systemClock.setTimeout(past, Date.UTC(2025, 0, 1) - Date.now());
      systemClock.setTimeout(now, 0);
      fake.tick(1);
      assert.equal(past.callCount, 1);
      assert.equal(now.callCount, 1);
    });

    it('a long timer is on time after the host was suspended (fake clock jumps past its steps)', () => {
      install();
      const fn = sinon.spy();
      systemClock.setTimeout(fn, 365 * DAY);
      fake.jump(365 * DAY - MINUTE); // fires the due step once, at the end of the jump
      assert.equal(fn.callCount, 0);
      fake.tick(MINUTE);
      assert.equal(fn.callCount, 1);
    });

    it('setInterval with a period above the limit fires once per period; clearInterval stops it', () => {
      install();
      const fn = sinon.spy();
      const handle = systemClock.setInterval(fn, 30 * DAY);
      fake.tick(30 * DAY - 1);
      assert.equal(fn.callCount, 0);
      fake.tick(1);
      assert.equal(fn.callCount, 1);
      fake.tick(30 * DAY);
      assert.equal(fn.callCount, 2);
      systemClock.clearInterval(handle);
      fake.tick(90 * DAY);
      assert.equal(fn.callCount, 2);
    });

    it('short timers and intervals are unchanged', () => {
      install();
      const once = sinon.spy();
      const every = sinon.spy();
      systemClock.setTimeout(once, 1000);
      const i = systemClock.setInterval(every, 100);
      fake.tick(999);
      assert.equal(once.callCount, 0);
      fake.tick(1);
      assert.equal(once.callCount, 1);
      assert.equal(every.callCount, 10);
      systemClock.clearInterval(i);
      fake.tick(1000);
      assert.equal(every.callCount, 10);
    });
  });
});
