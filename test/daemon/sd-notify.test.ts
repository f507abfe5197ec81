import assert from 'node:assert/strict';
import type { Clock } from '../../src/clock.js';
import { createSdNotifier, startWatchdog, watchdogIntervalMs } from '../../src/daemon/sd-notify.js';
import { TestNotifySocket } from './support/notify-socket.js';

/** A clock whose monotonic time the test sets; the watchdog uses no timers of its own. */
function manualClock(): Clock & { now: number } {
  const c = {
    now: 0,
    nowMs: () => c.now,
    monotonicMs: () => c.now,
    setTimeout: () => {
      throw new Error('no timers expected');
    },
    clearTimeout: () => undefined,
    setInterval: () => {
      throw new Error('no timers expected');
    },
    clearInterval: () => undefined,
  };
  return c;
}

describe('daemon/sd-notify against a real NOTIFY_SOCKET', () => {
  let socket: TestNotifySocket;
  beforeEach(() => {
    socket = new TestNotifySocket();
  });
  afterEach(() => socket.close());

  it('sends READY=1 with STATUS and MAINPID, then STOPPING=1, and takes NOTIFY_SOCKET out of the environment', async () => {
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: socket.path };
    const notifier = await createSdNotifier(env);
    assert.equal(notifier.enabled, true);
    assert.equal(env['NOTIFY_SOCKET'], undefined, 'children must not inherit it');
    notifier.ready('station EVSE-1 running');
    notifier.stopping();
    await socket.until(() => socket.messages.length >= 2);
    assert.deepEqual(socket.messages[0]?.split('\n'), ['READY=1', 'STATUS=station EVSE-1 running', `MAINPID=${process.pid}`]);
    assert.deepEqual(socket.with('STOPPING=1').length, 1);
    notifier.close();
  });

  it('a reload: RELOADING=1 with MONOTONIC_USEC on the CLOCK_MONOTONIC scale, then READY=1', async () => {
    const notifier = await createSdNotifier({ NOTIFY_SOCKET: socket.path });
    const before = process.hrtime.bigint() / 1000n;
    notifier.reloading('reloading /etc/evse/config.json');
    const after = process.hrtime.bigint() / 1000n;
    notifier.ready('station EVSE-1 running');
    await socket.until(() => socket.messages.length >= 2);
    const fields = socket.messages[0]?.split('\n') ?? [];
    assert.equal(fields[0], 'RELOADING=1');
    assert.ok(fields.includes('STATUS=reloading /etc/evse/config.json'));
    const usec = BigInt(fields.find((f) => f.startsWith('MONOTONIC_USEC='))?.slice('MONOTONIC_USEC='.length) ?? '-1');
    assert.ok(usec >= before && usec <= after, `${usec} not within [${before}, ${after}]`);
    assert.equal(socket.messages[1]?.split('\n')[0], 'READY=1', 'READY=1 ends the reload');
    notifier.close();
  });

  it('pings WATCHDOG=1 from control-loop ticks, at most every WATCHDOG_USEC/2', async () => {
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '200000' };
    const interval = watchdogIntervalMs(env);
    assert.equal(interval, 100);
    const notifier = await createSdNotifier(env);
    const clock = manualClock();
    const tickListeners = new Set<() => void>();
    const stop = startWatchdog(
      notifier,
      (l) => {
        tickListeners.add(l);
        return () => tickListeners.delete(l);
      },
      interval,
      clock,
    );
    // 45 ticks of a 10 ms control loop = 440 ms: pings at 0, 100, 200, 300, 400
    for (let i = 0; i < 45; i++) {
      for (const l of tickListeners) l();
      clock.now += 10;
    }
    await socket.until(() => socket.with('WATCHDOG=1').length >= 5);
    assert.equal(socket.with('WATCHDOG=1').length, 5);
    // A blocked loop (no ticks) sends nothing: systemd's watchdog then fires.
    clock.now += 10_000;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(socket.with('WATCHDOG=1').length, 5);
    stop();
    assert.equal(tickListeners.size, 0);
    notifier.close();
  });

  it('without NOTIFY_SOCKET is a no-op notifier, and the watchdog does not subscribe', async () => {
    const notifier = await createSdNotifier({});
    assert.equal(notifier.enabled, false);
    notifier.ready();
    let subscribed = false;
    startWatchdog(notifier, () => {
      subscribed = true;
      return () => undefined;
    }, 100);
    assert.equal(subscribed, false);
  });

  it('reads WATCHDOG_USEC only when it is meant for this process', () => {
    assert.equal(watchdogIntervalMs({}), null);
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '10000000' }, 42), 5000);
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '10000000', WATCHDOG_PID: '42' }, 42), 5000);
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '10000000', WATCHDOG_PID: '43' }, 42), null);
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: 'ten' }, 42), null);
  });

  it('a send to a vanished socket reports the error instead of throwing', async () => {
    const errors: Error[] = [];
    const notifier = await createSdNotifier({ NOTIFY_SOCKET: `${socket.path}.gone` }, (e) => errors.push(e));
    notifier.watchdog();
    assert.equal(errors.length, 1);
    notifier.close();
  });
});
