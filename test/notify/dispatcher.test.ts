import assert from 'node:assert/strict';
import { silentLogger } from '../../src/logger.js';
import { ChannelDispatcher } from '../../src/notify/dispatcher.js';
import type { AlertChannel, DeliveryResult, NotifyAlert } from '../../src/notify/types.js';
import { fastTuning, sleep, waitUntil } from './support/helpers.js';
import { MemoryAlertQueue } from './support/memory-queue.js';

/** A channel whose every send is decided by the test; records what it was given. */
class ScriptedChannel implements AlertChannel {
  readonly sends: number[][] = [];
  closed = false;
  constructor(
    readonly name: string,
    private readonly answer: (alerts: readonly NotifyAlert[], attempt: number) => Promise<DeliveryResult>,
  ) {}
  send(alerts: readonly NotifyAlert[]): Promise<DeliveryResult> {
    this.sends.push(alerts.map((a) => a.id));
    return this.answer(alerts, this.sends.length);
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  delivered(): number[] {
    return this.sends.flat();
  }
}

const allOk = (alerts: readonly NotifyAlert[]): Promise<DeliveryResult> => Promise.resolve({ done: alerts.length });
const filter = { minSeverity: 'info', driverEvents: true } as const;

describe('notify: the per-channel dispatcher', function () {
  this.timeout(10_000);
  const running: ChannelDispatcher[] = [];
  const start = (queue: MemoryAlertQueue, channel: AlertChannel, extra: Partial<ConstructorParameters<typeof ChannelDispatcher>[0]> = {}): ChannelDispatcher => {
    const d = new ChannelDispatcher({ queue, channel, filter, log: silentLogger(), ...fastTuning, ...extra });
    d.start();
    running.push(d);
    return d;
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((d) => d.stop()));
  });

  it('a hanging channel and a failing one do not hold a working one back', async () => {
    const queue = new MemoryAlertQueue();
    const hanging = new ScriptedChannel('hanging', () => new Promise<DeliveryResult>(() => undefined));
    const failing = new ScriptedChannel('failing', () => Promise.resolve({ done: 0, failure: { error: 'down' } }));
    const working = new ScriptedChannel('working', allOk);
    for (const c of [hanging, failing, working]) start(queue, c);
    await sleep(30);
    const t0 = Date.now();
    const id = queue.raise({ severity: 'warn', code: 'x', message: 'x' });
    await waitUntil('the working channel', () => queue.cursors.get('working') === id, 1000);
    assert.ok(Date.now() - t0 < 200, `woken by the raise, not by the poll (${Date.now() - t0} ms)`);
    await sleep(200);
    assert.ok(failing.sends.length >= 2, 'the failing one retries on its own');
    assert.equal(hanging.sends.length, 1);
    assert.equal(queue.cursors.get('failing'), 0);
    assert.equal(queue.cursors.get('hanging'), 0);
  });

  it('stop() ends a hanging send (the channel is closed) and a long backoff at once', async () => {
    const queue = new MemoryAlertQueue();
    let release: () => void = () => undefined;
    const hanging = new ScriptedChannel('hanging', () => new Promise<DeliveryResult>((resolve) => (release = () => resolve({ done: 0, failure: { error: 'aborted' } }))));
    const slow = new ScriptedChannel('slow', () => Promise.resolve({ done: 0, failure: { error: 'down' } }));
    const h = start(queue, hanging);
    const s = start(queue, slow, { backoff: { initialMs: 300_000, maxMs: 300_000 } });
    await sleep(30);
    queue.raise({ severity: 'warn', code: 'x', message: 'x' });
    await waitUntil('both tried', () => hanging.sends.length === 1 && slow.sends.length === 1);
    const t0 = Date.now();
    const stopping = Promise.all([h.stop(), s.stop()]);
    assert.ok(hanging.closed, 'close() called: the webhook aborts its request there');
    release();
    await stopping;
    assert.ok(Date.now() - t0 < 200, `stopped in ${Date.now() - t0} ms`);
  });

  it('reads at most `batch` alerts at a time and delivers a backlog in order', async () => {
    const queue = new MemoryAlertQueue();
    const channel = new ScriptedChannel('c', allOk);
    start(queue, channel, { batch: 7 });
    await sleep(30);
    for (let i = 0; i < 30; i++) queue.raise({ severity: 'info', code: `c${i}`, message: 'm' });
    await waitUntil('all', () => queue.cursors.get('c') === 30);
    assert.ok(channel.sends.every((s) => s.length <= 7), JSON.stringify(channel.sends));
    assert.deepEqual(channel.delivered(), Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('a partial delivery: the cursor moves past what was done, the retry starts at the first undelivered alert', async () => {
    const queue = new MemoryAlertQueue();
    const channel = new ScriptedChannel('c', (alerts, attempt) =>
      Promise.resolve(attempt === 1 ? { done: 1, failure: { error: 'second failed' } } : { done: alerts.length }),
    );
    start(queue, channel);
    await sleep(30);
    queue.raise({ severity: 'info', code: 'a', message: 'a' });
    queue.raise({ severity: 'info', code: 'b', message: 'b' });
    queue.raise({ severity: 'info', code: 'c', message: 'c' });
    await waitUntil('all', () => queue.cursors.get('c') === 3);
    assert.deepEqual(channel.sends[0], [1, 2, 3]);
    assert.deepEqual(channel.sends[1], [2, 3]);
    assert.deepEqual(queue.confirms.map((c) => c.upToId), [1, 3]);
  });

  it('what the channel does not want is confirmed without a send; a channel that throws is retried like a failure', async () => {
    const queue = new MemoryAlertQueue();
    let throws = true;
    const channel: ScriptedChannel = new ScriptedChannel('c', (alerts) => {
      if (throws) {
        throws = false;
        return Promise.reject(new Error('bug'));
      }
      return allOk(alerts);
    });
    start(queue, channel, { filter: { minSeverity: 'critical', driverEvents: false } });
    await sleep(30);
    queue.raise({ severity: 'warn', code: 'low', message: 'm' });
    queue.raise({ severity: 'critical', code: 'driver', message: 'm', audience: 'driver' });
    await waitUntil('confirmed', () => queue.cursors.get('c') === 2);
    assert.equal(channel.sends.length, 0);
    queue.raise({ severity: 'critical', code: 'high', message: 'm' });
    await waitUntil('delivered', () => queue.cursors.get('c') === 3);
    assert.deepEqual(channel.sends, [[3], [3]]);
  });

  it('a journal that fails (register, read, confirm): backs off and goes on once it works, nothing lost', async () => {
    const queue = new MemoryAlertQueue();
    queue.raise({ severity: 'info', code: 'before', message: 'history, not sent' });
    queue.failing = true;
    const channel = new ScriptedChannel('c', allOk);
    start(queue, channel);
    await sleep(100);
    assert.equal(queue.cursors.has('c'), false, 'not registered yet');
    queue.failing = false;
    await waitUntil('registered', () => queue.cursors.has('c'));
    const id = queue.raise({ severity: 'info', code: 'after', message: 'm' });
    await waitUntil('delivered', () => queue.cursors.get('c') === id);
    assert.deepEqual(channel.delivered(), [id], 'a new channel does not get the history');
  });

  it('the slow poll finds an alert whose wake-up was missed', async () => {
    const queue = new MemoryAlertQueue();
    const channel = new ScriptedChannel('c', allOk);
    start(queue, channel, { pollMs: 100 });
    await sleep(30);
    // Appended behind the queue's back: no onAlertRaised.
    queue.alerts.push({ id: 1, severity: 'warn', code: 'silent', message: 'm', atMs: Date.now(), dedupKey: 'silent', audience: 'operator', count: 1 });
    await waitUntil('delivered by the poll', () => queue.cursors.get('c') === 1, 1000);
  });
});
