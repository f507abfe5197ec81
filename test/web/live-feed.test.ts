import assert from 'node:assert/strict';
import sinon from 'sinon';
import { LiveFeed } from '../../src/web/live-updates.js';
import type { StationStatusView } from '../../src/web/status-view.js';

/** Just enough of a status view for the feed: state, guidance, meter, session, offer. */
function view(opts: { status?: string; readAt?: string; energyWh?: number; at?: string }): StationStatusView {
  return {
    at: opts.at ?? '2026-11-21T10:00:00.000Z',
    status: opts.status ?? 'Charging',
    guidance: { headline: 'Charging' },
    faults: [],
    offer: { offeredNowA: 16, reason: 'hardware 16 A' },
    pilot: 'C',
    contactor: 'closed',
    meter: { readAt: opts.readAt ?? '2026-11-21T10:00:00.000Z', powerW: 11000, importWh: 1000 },
    session: { id: 3, stoppedAt: null, chargingCompletedAt: null, energyWh: opts.energyWh ?? 0, cost: null },
    price: { csmsText: null },
    uplink: null,
  } as unknown as StationStatusView;
}

describe('web: the live feed (what goes on the stream, and when)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.restore());

  const feedOf = (): { feed: LiveFeed; sent: [string, unknown][] } => {
    const sent: [string, unknown][] = [];
    return { feed: new LiveFeed((event, data) => sent.push([event, data]), 1000, () => Date.now()), sent };
  };

  it('every new meter reading at once as a sample; running figures as a status at most once a second, the latest last', async () => {
    const { feed, sent } = feedOf();
    feed.push(view({}));
    assert.deepEqual(sent.map(([e]) => e), ['status', 'sample']);
    for (let i = 1; i <= 5; i++) {
      await clock.tickAsync(100);
      feed.push(view({ readAt: `2026-11-21T10:00:0${i}.000Z`, energyWh: i * 10 }));
    }
    assert.deepEqual(sent.map(([e]) => e), ['status', 'sample', 'sample', 'sample', 'sample', 'sample', 'sample']);
    await clock.tickAsync(500);
    const last = sent[sent.length - 1];
    assert.equal(last?.[0], 'status');
    assert.equal((last?.[1] as StationStatusView).session?.energyWh, 50);
  });

  it('a change of state or a fault goes out at once, even right after a status; the clock alone never', async () => {
    const { feed, sent } = feedOf();
    feed.push(view({}));
    feed.push(view({ at: '2026-11-21T10:00:05.000Z' }));
    assert.equal(sent.length, 2);
    await clock.tickAsync(10);
    feed.push(view({ status: 'SuspendedEV' }));
    assert.deepEqual(sent.map(([e]) => e), ['status', 'sample', 'status']);
    assert.equal((sent[2]?.[1] as StationStatusView).status, 'SuspendedEV');
    await clock.tickAsync(5000);
    assert.equal(sent.length, 3, 'nothing pending');
  });
});
