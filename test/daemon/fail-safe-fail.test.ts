import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import sinon from 'sinon';
import { installFailSafe } from '../../src/daemon/fail-safe.js';
import { ExitCode } from '../../src/errors.js';

/** A process stand-in: events from the test, `exit` recorded. */
class FakeProcess extends EventEmitter {
  readonly exit = sinon.spy((_code?: number) => undefined);
}

/**
 * `installFailSafe(...).fail(reason, code)`: how a part of the station that failed for good (the journal worker)
 * leaves: like a crash, safe state first, but with its own exit code on every way out.
 */
describe('daemon/fail-safe: fail(reason, exitCode)', () => {
  let clock: sinon.SinonFakeTimers;
  let proc: FakeProcess;
  let order: string[];
  beforeEach(() => {
    clock = sinon.useFakeTimers();
    proc = new FakeProcess();
    order = [];
  });
  afterEach(() => clock.restore());

  const target = (shutdown: () => Promise<void> = () => Promise.resolve()) => ({
    enterSafeState: (reason: string) => {
      order.push(`safe:${reason}`);
    },
    shutdown: (reason: string) => {
      order.push(`shutdown:${reason}`);
      return shutdown();
    },
  });

  it('safe state synchronously first, then the graceful shutdown, then exit with the code given', async () => {
    const handle = installFailSafe(target(), proc, { log: () => undefined });
    handle.fail('journal worker lost', ExitCode.Software);
    assert.deepEqual(order, ['safe:journal worker lost', 'shutdown:journal worker lost']);
    await clock.tickAsync(0);
    assert.ok(proc.exit.calledOnceWith(ExitCode.Software), String(proc.exit.args));
  });

  it('a shutdown that hangs or fails still exits with that code, safe again', async () => {
    installFailSafe(target(() => new Promise(() => undefined)), proc, { shutdownTimeoutMs: 1000, log: () => undefined }).fail('lost', 70);
    await clock.tickAsync(1000);
    assert.ok(proc.exit.calledOnceWith(70));
    assert.equal(order.at(-1), 'safe:shutdown timeout');

    const failing = new FakeProcess();
    installFailSafe(target(() => Promise.reject(new Error('disk gone'))), failing, { log: () => undefined }).fail('lost', 70);
    await clock.tickAsync(0);
    assert.ok(failing.exit.calledOnceWith(70));
  });

  it('during a shutdown already under way (SIGTERM): safe again and exit at once, non-zero', () => {
    const handle = installFailSafe(target(() => new Promise(() => undefined)), proc, { log: () => undefined });
    proc.emit('SIGTERM');
    handle.fail('lost', ExitCode.Software);
    assert.deepEqual(order, ['safe:received SIGTERM', 'shutdown:received SIGTERM', 'safe:lost']);
    assert.ok(proc.exit.calledOnceWith(ExitCode.Software));
  });

  it('still works as the uninstall function it was', () => {
    const uninstall = installFailSafe(target(), proc, { log: () => undefined });
    uninstall();
    proc.emit('SIGTERM');
    assert.deepEqual(order, []);
  });
});
