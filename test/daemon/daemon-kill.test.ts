import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pins } from '../hal/gpio/support/config.js';
import { daemonSuite, gpioFiles, logLines, startDaemon, waitFor } from './support/daemon.js';
import { collect, spawnCommandInNamespace } from './support/namespace.js';

/**
 * A hard death (SIGKILL, OOM kill, watchdog kill) runs no handler of the daemon: the outputs keep their last level.
 * The daemon writes a shell fallback at startup into $RUNTIME_DIRECTORY, which systemd's ExecStopPost runs first. Here:
 * the real `evse run`, killed with SIGKILL while the relay is energised, then the script as the supervisor runs it.
 * Correctness only; the time it takes is measured by test/bench/hard-death.bench.ts.
 */
describe('evse run killed with SIGKILL: the fail-safe script it wrote leaves the outputs safe', function () {
  this.timeout(60_000);
  const suite = daemonSuite('kill', { socat: true });

  it('relay energised at the SIGKILL; after the script: relay inactive, pilot F, lock and RCD test safe', async () => {
    const { dir, sysfs, socket, children } = suite;
    const { value, set } = gpioFiles(sysfs);
    const runtimeDir = join(dir, 'run');
    mkdirSync(runtimeDir);
    const d = await startDaemon({ dir, sysfs, socket, children, env: { RUNTIME_DIRECTORY: runtimeDir } });
    await waitFor('READY=1', () => socket.with('READY=1').length === 1, 30_000, d.logs);
    const script = join(runtimeDir, 'fail-safe.sh');
    assert.equal(logLines(d.stdout(), 'fail-safe script written')[0]?.['path'], script, d.logs());
    assert.equal(statSync(script).mode & 0o777, 0o755);
    assert.match(readFileSync(script, 'utf8'), new RegExp(`^echo 1 > '/sys/class/gpio/gpio${pins.relay}/value'`, 'm'));

    // What a charging station looks like from outside at the kill: relay energised (active low: 0), PWM at 53.3 %,
    // cable locked, an RCD self-test running.
    set(pins.relay, 0);
    writeFileSync(join(sysfs.pwmChannelDir(), 'duty_cycle'), '533000');
    set(pins.lockActuator, 1);
    set(pins.rcdSelfTest, 1);
    d.daemon.kill('SIGKILL');
    await d.exited;
    assert.equal(d.daemon.signalCode, 'SIGKILL');
    assert.equal(value(pins.relay), '0', 'no handler ran: the relay is still energised');

    // The supervisor on the main process's exit: ExecStopPost=-/bin/sh /run/evse/fail-safe.sh (same namespace view).
    const post = spawnCommandInNamespace(join(sysfs.root, 'class'), ['/bin/sh', script]);
    const io = collect(post);
    assert.equal(await io.exited, 0, io.stderr());
    assert.equal(value(pins.relay), '1', 'relay at its inactive level');
    assert.equal(sysfs.pwm('duty_cycle'), '0', 'pilot in F');
    assert.equal(sysfs.pwm('enable'), '0');
    assert.equal(value(pins.lockActuator), '0', 'cable lock to its safe state (unlocked)');
    assert.equal(value(pins.rcdSelfTest), '0', 'RCD test off');
  });
});
