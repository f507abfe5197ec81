import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import sinon from 'sinon';
import { installFailSafe } from '../../src/daemon/fail-safe.js';

/** A process stand-in: events from the test, `exit` recorded. */
class FakeProcess extends EventEmitter {
  readonly exit = sinon.spy((_code?: number) => undefined);
}

describe('daemon/fail-safe', () => {
  let clock: sinon.SinonFakeTimers;
  let proc: FakeProcess;
  let order: string[];
  let lines: string[];
  beforeEach(() => {
    clock = sinon.useFakeTimers();
    proc = new FakeProcess();
    order = [];
    lines = [];
  });
  afterEach(() => clock.restore());

  const target = (shutdown: () => Promise<void> = () => Promise.resolve()) => ({
    enterSafeState: sinon.spy((reason: string) => {
      order.push(`safe:${reason}`);
    }),
    shutdown: sinon.spy((reason: string) => {
      order.push(`shutdown:${reason}`);
      return shutdown();
    }),
  });

  for (const signal of ['SIGTERM', 'SIGINT']) {
    it(`${signal}: safe state synchronously first, then the graceful shutdown, then exit 0`, async () => {
      const t = target();
      installFailSafe(t, proc, { log: (l) => lines.push(l) });
      proc.emit(signal);
      assert.deepEqual(order, [`safe:received ${signal}`, `shutdown:received ${signal}`], 'both before any await');
      assert.ok(t.enterSafeState.calledBefore(t.shutdown));
      await clock.tickAsync(0);
      assert.ok(proc.exit.calledOnceWith(0));
    });
  }

  it('an uncaught exception: safe state first, shutdown, exit 1, and the stack is logged', async () => {
    const t = target();
    installFailSafe(t, proc, { log: (l) => lines.push(l) });
    proc.emit('uncaughtException', new Error('boom in the control loop'));
    assert.match(order[0] ?? '', /^safe:uncaught exception: Error: boom in the control loop/);
    await clock.tickAsync(0);
    assert.ok(proc.exit.calledOnceWith(1));
    assert.ok(lines.some((l) => l.includes('boom in the control loop')));
  });

  it('an unhandled rejection: safe state first, exit 1', async () => {
    const t = target();
    installFailSafe(t, proc, { log: () => undefined });
    proc.emit('unhandledRejection', 'socket hang up');
    assert.equal(order[0], 'safe:unhandled rejection: socket hang up');
    await clock.tickAsync(0);
    assert.ok(proc.exit.calledOnceWith(1));
  });

  it('a shutdown that hangs is cut off after the timeout: safe again, exit 1', async () => {
    const t = target(() => new Promise<void>(() => undefined));
    installFailSafe(t, proc, { shutdownTimeoutMs: 3000, log: () => undefined });
    proc.emit('SIGTERM');
    await clock.tickAsync(2999);
    assert.equal(proc.exit.callCount, 0);
    await clock.tickAsync(1);
    assert.ok(proc.exit.calledOnceWith(1));
    assert.equal(order.filter((o) => o.startsWith('safe:')).length, 2);
  });

  it('a shutdown that fails exits 1 after the safe state again', async () => {
    const t = target(() => Promise.reject(new Error('journal close failed')));
    installFailSafe(t, proc, { log: (l) => lines.push(l) });
    proc.emit('SIGTERM');
    await clock.tickAsync(0);
    assert.ok(proc.exit.calledOnceWith(1));
    assert.ok(lines.some((l) => /shutdown failed: journal close failed/.test(l)));
  });

  it('a second signal during shutdown exits at once, after the safe state', () => {
    const t = target(() => new Promise<void>(() => undefined));
    installFailSafe(t, proc, { log: () => undefined });
    proc.emit('SIGTERM');
    proc.emit('SIGINT');
    assert.deepEqual(order, ['safe:received SIGTERM', 'shutdown:received SIGTERM', 'safe:received SIGINT']);
    assert.ok(proc.exit.calledOnceWith(1));
    assert.equal(t.shutdown.callCount, 1);
  });

  it('enterSafeState that throws does not stop the exit', async () => {
    const t = {
      enterSafeState: () => {
        throw new Error('gpio write failed');
      },
      shutdown: () => Promise.resolve(),
    };
    installFailSafe(t, proc, { log: (l) => lines.push(l) });
    proc.emit('SIGTERM');
    await clock.tickAsync(0);
    assert.ok(proc.exit.calledOnceWith(0));
    assert.ok(lines.some((l) => /entering the safe state failed/.test(l)));
  });

  it('SIGHUP reloads and only reloads: no safe state, no shutdown, no exit, and it is logged', async () => {
    const t = { ...target(), reload: sinon.spy((reason: string) => order.push(`reload:${reason}`)) };
    installFailSafe(t, proc, { log: (l) => lines.push(l) });
    proc.emit('SIGHUP');
    proc.emit('SIGHUP');
    await clock.tickAsync(60_000);
    assert.deepEqual(order, ['reload:received SIGHUP', 'reload:received SIGHUP']);
    assert.equal(proc.exit.callCount, 0);
    assert.ok(lines.includes('received SIGHUP: reloading'), JSON.stringify(lines));
    // Still armed: a later SIGTERM leaves the usual way.
    proc.emit('SIGTERM');
    await clock.tickAsync(0);
    assert.ok(proc.exit.calledOnceWith(0));
  });

  it('a reload that throws is logged; the process keeps running', async () => {
    const t = {
      ...target(),
      reload: () => {
        throw new Error('config file unreadable');
      },
    };
    installFailSafe(t, proc, { log: (l) => lines.push(l) });
    proc.emit('SIGHUP');
    await clock.tickAsync(60_000);
    assert.equal(proc.exit.callCount, 0);
    assert.deepEqual(order, []);
    assert.ok(lines.some((l) => l === 'reload failed, the running settings stay: config file unreadable'), JSON.stringify(lines));
  });

  it('SIGHUP without a reload hook (before the station is up) is logged and ignored, never the default termination', async () => {
    installFailSafe(target(), proc, { log: (l) => lines.push(l) });
    assert.equal(proc.listenerCount('SIGHUP'), 1, 'a listener, so Node does not apply the default action');
    proc.emit('SIGHUP');
    await clock.tickAsync(60_000);
    assert.equal(proc.exit.callCount, 0);
    assert.deepEqual(order, []);
    assert.ok(lines.includes('received SIGHUP: nothing to reload, still running'));
  });

  it('SIGHUP during a shutdown reloads nothing and does not cut the shutdown short', async () => {
    const t = { ...target(() => new Promise<void>((r) => setTimeout(r, 1000))), reload: sinon.spy() };
    installFailSafe(t, proc, { log: (l) => lines.push(l) });
    proc.emit('SIGTERM');
    proc.emit('SIGHUP');
    assert.equal(t.reload.callCount, 0);
    assert.equal(proc.exit.callCount, 0, 'not a second exit signal');
    await clock.tickAsync(1000);
    assert.ok(proc.exit.calledOnceWith(0));
  });

  it("enters the safe state on 'exit' as the last resort, and the returned function removes every handler", () => {
    const t = target();
    const uninstall = installFailSafe(t, proc, { log: () => undefined });
    proc.emit('exit', 0);
    assert.deepEqual(order, ['safe:process exit']);
    uninstall();
    for (const event of ['SIGTERM', 'SIGINT', 'SIGHUP', 'uncaughtException', 'unhandledRejection', 'exit']) {
      assert.equal(proc.listenerCount(event), 0, event);
    }
  });
});
